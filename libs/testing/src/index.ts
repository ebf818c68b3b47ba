export { ensureMotoInstalled, getFreePort, isMotoUp, MOTO_VERSION, startMoto } from './moto-server';
export type { EnsureMotoOptions, MotoServer, StartMotoOptions } from './moto-server';
export { createTestDatabase, uniqueRedisPrefix, useTestDatabase } from './test-database';
export type { TestDatabase } from './test-database';
export { testDatabaseUrl, testServerUrl } from './postgres-admin';
export { httpStatus, waitFor, waitForHttp } from './wait-for';
export type { WaitForOptions } from './wait-for';
export { isProcessAlive, stopProcess } from './process-control';
export { spawnApp, type AppProcess } from './app-process';
export {
  ALL_PUBLIC_ACCESS_BLOCKED,
  createDataAccessRole,
  createJobDestinations,
  createTestBucket,
  createTestKey,
  createTestRole,
  dataAccessPolicy,
  dataAccessStatements,
  healthLakeTrustPolicy,
  testAwsEnv,
  trustPolicy,
  uniqueName,
} from './aws-job-fixtures';
export type { DataAccessRoleOptions, DataAccessStatement, DataAccessTargets, JobDestinationOptions, JobDestinations, TestBucketSetup, TestRoleSetup, TrustIdentity } from './aws-job-fixtures';
export { createJobTestBed, createTestDatastore, dispatchTestJob, FINAL_JOB_STATUSES, randomId, submitTestJob, waitForJobStatus } from './job-test-bed';
export type { JobTestBed, TestJob } from './job-test-bed';
export { motoAssumedRoles, recordMotoRequests, usePrivateMoto } from './moto-inspection';
export type { MotoAssumedRole, MotoRequest, PrivateMoto } from './moto-inspection';
export { syntheaFixtureDir } from './fixture-paths';
