export { ensureMotoInstalled, getFreePort, isMotoUp, MOTO_VERSION, startMoto } from './moto-server';
export type { EnsureMotoOptions, MotoServer, StartMotoOptions } from './moto-server';
export { createTestDatabase, uniqueRedisPrefix, useTestDatabase } from './test-database';
export type { TestDatabase } from './test-database';
export { testDatabaseUrl, testServerUrl } from './postgres-admin';
export { httpStatus, waitFor, waitForHttp } from './wait-for';
export type { WaitForOptions } from './wait-for';
export { isProcessAlive, stopProcess } from './process-control';
export { spawnApp, type AppProcess } from './app-process';
