import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { createTestBucket, createTestKey, createTestRole, dataAccessStatements, testAwsEnv, trustPolicy } from '@fhirlake/testing';
import { createStsClient } from './aws-clients';
import { assumeDataAccessRole, dataAccessSessionName } from './data-access-role.credentials';
import { healthLakeDatastoreArn } from './job-preflight.checker';
import { jobCredentials, runJobPreflight } from './job-preflight.runner';

const DS = 'c'.repeat(32);
const JOB_ID = 'd'.repeat(32);

describe('assumeDataAccessRole and runJobPreflight (moto STS)', () => {
  const env = testAwsEnv();
  const dsArn = healthLakeDatastoreArn(env.AWS_REGION, env.FHIRLAKE_ACCOUNT_ID, DS);
  let job: { kind: 'EXPORT'; datastoreId: string; dataAccessRoleArn: string; outputS3Uri: string; kmsKeyId: string };

  beforeAll(async () => {
    const [output, key] = await Promise.all([createTestBucket(), createTestKey()]);
    const roleArn = await createTestRole({
      trust: trustPolicy(env.FHIRLAKE_SERVICE_PRINCIPAL, env.FHIRLAKE_ACCOUNT_ID, dsArn),
      inline: [{ Version: '2012-10-17', Statement: dataAccessStatements({ output, keyArn: key.keyArn }) }],
    });
    job = { kind: 'EXPORT', datastoreId: DS, dataAccessRoleArn: roleArn, outputS3Uri: `s3://${output}/exports/`, kmsKeyId: key.keyId };
  });

  it('returns credentials of a session named after the job', async () => {
    const sts = createStsClient(env);
    const credentials = await assumeDataAccessRole(sts, { roleArn: job.dataAccessRoleArn, jobId: JOB_ID, datastoreArn: dsArn });
    sts.destroy();
    expect(credentials).toMatchObject({ accessKeyId: expect.any(String), secretAccessKey: expect.any(String), sessionToken: expect.any(String), expiration: expect.any(Date) });
    const asRole = createStsClient(env, credentials);
    const identity = await asRole.send(new GetCallerIdentityCommand({}));
    asRole.destroy();
    const roleName = job.dataAccessRoleArn.split('/').pop();
    expect(identity.Arn).toMatch(new RegExp(`:assumed-role/${roleName}/fhirlake-${JOB_ID}$`));
  });

  it('keeps session names within STS rules', () => {
    expect(dataAccessSessionName({ jobId: 'abc' })).toBe('fhirlake-abc');
    expect(dataAccessSessionName({ sessionName: `fhirlake preflight/${'x'.repeat(80)}` })).toMatch(/^fhirlake-preflight-x+$/);
    expect(dataAccessSessionName({ sessionName: `fhirlake preflight/${'x'.repeat(80)}` })).toHaveLength(64);
  });

  it('runs every check from env, as fhirlake itself or as the assumed role', async () => {
    expect(await runJobPreflight(env, job)).toEqual([]);
    expect(await runJobPreflight({ ...env, FHIRLAKE_ASSUME_ROLE: true }, job, { jobId: JOB_ID })).toEqual([]);
    const otherDatastore = await runJobPreflight(env, { ...job, datastoreId: 'e'.repeat(32) });
    expect(otherDatastore.map((p) => p.kind)).toEqual(['trust']);
  });

  it('gives workers a credentials provider only in assume-role mode', async () => {
    expect(jobCredentials(env, job, JOB_ID)).toBeUndefined();
    const provider = jobCredentials({ ...env, FHIRLAKE_ASSUME_ROLE: true }, job, JOB_ID);
    const first = await provider!();
    expect(first).toMatchObject({ accessKeyId: expect.any(String), sessionToken: expect.any(String) });
    // The session is kept (until shortly before it expires): a job's S3 and KMS clients share it.
    const [second, third] = await Promise.all([provider!(), provider!()]);
    expect([second.accessKeyId, third.accessKeyId]).toEqual([first.accessKeyId, first.accessKeyId]);
  });
});
