import { createJobDestinations, type JobDestinations, motoAssumedRoles, type PrivateMoto, testAwsEnv, usePrivateMoto } from '@fhirlake/testing';
import { setTimeout as sleep } from 'node:timers/promises';
import { healthLakeDatastoreArn } from './job-preflight.checker';
import { JobAwsClients, type JobAwsIdentity } from './job-aws-clients';

const DS = 'f'.repeat(32);

describe('JobAwsClients (moto IAM, STS, S3, KMS)', () => {
  let env: ReturnType<typeof testAwsEnv>;
  let moto: PrivateMoto;
  let dest: JobDestinations;
  const job = (id: string, over: Partial<JobAwsIdentity> = {}): JobAwsIdentity => ({
    id,
    kind: 'EXPORT',
    datastoreId: DS,
    dataAccessRoleArn: dest.roleArn,
    outputS3Uri: `s3://${dest.outputBucket}/exports`,
    kmsKeyId: dest.kmsKeyId,
    ...over,
  });
  const accessKeyOf = async (client: { config: { credentials: () => Promise<{ accessKeyId: string }> } }) => (await client.config.credentials()).accessKeyId;

  beforeAll(async () => {
    // Its own moto: motoAssumedRoles reads moto's whole state.
    moto = await usePrivateMoto();
    env = testAwsEnv();
    dest = await createJobDestinations({ datastoreIds: [DS] });
  });
  afterAll(() => moto?.restore());

  it("without FHIRLAKE_ASSUME_ROLE lends fhirlake's own clients to every job and keeps none per job", async () => {
    const aws = new JobAwsClients(env);
    try {
      const [a, b] = [aws.acquire(job('1'.repeat(32))), aws.acquire(job('2'.repeat(32)))];
      expect(a.s3).toBe(b.s3);
      expect(a.kms).toBe(b.kms);
      expect(aws.openJobs).toBe(0);
      expect(await accessKeyOf(a.s3)).toBe(process.env.AWS_ACCESS_KEY_ID);
      a.release();
      b.release();
      expect(await aws.preflight(job('1'.repeat(32)))).toEqual([]);
      expect((await aws.preflight(job('1'.repeat(32), { datastoreId: 'e'.repeat(32) }))).map((p) => p.kind)).toEqual(['trust']);
    } finally {
      aws.destroy();
    }
  });

  it('with FHIRLAKE_ASSUME_ROLE=true gives each job clients of its own role session, shared by its users and destroyed with the last release', async () => {
    const aws = new JobAwsClients({ ...env, FHIRLAKE_ASSUME_ROLE: true });
    const jobId = '3'.repeat(32);
    try {
      const [first, second, other] = [aws.acquire(job(jobId)), aws.acquire(job(jobId)), aws.acquire(job('4'.repeat(32)))];
      expect(second.s3).toBe(first.s3);
      expect(other.s3).not.toBe(first.s3);
      expect(aws.openJobs).toBe(2);

      // S3 and KMS share one session: sts:AssumeRole of the job's role, named after the job, ExternalId = the datastore.
      const key = await accessKeyOf(first.s3);
      expect(await accessKeyOf(first.kms)).toBe(key);
      const sessions = (await motoAssumedRoles()).filter((s) => s.sessionName === `fhirlake-${jobId}`);
      expect(sessions).toEqual([{ accessKeyId: key, roleArn: dest.roleArn, sessionName: `fhirlake-${jobId}`, externalId: healthLakeDatastoreArn(env.AWS_REGION, env.FHIRLAKE_ACCOUNT_ID, DS) }]);

      first.release();
      first.release(); // a second release of the same lease is ignored
      expect(aws.openJobs).toBe(2);
      second.release();
      expect(aws.openJobs).toBe(1);
      other.release();
      expect(aws.openJobs).toBe(0);
      // A new run of the job gets new clients (and a new session).
      const again = aws.acquire(job(jobId));
      expect(again.s3).not.toBe(first.s3);
      again.release();
    } finally {
      aws.destroy();
    }
  });

  it('can keep idle per-job clients for a while, so consecutive users of a job share them', async () => {
    const aws = new JobAwsClients({ ...env, FHIRLAKE_ASSUME_ROLE: true }, { idleMs: 200 });
    try {
      const first = aws.acquire(job('5'.repeat(32)));
      first.release();
      const next = aws.acquire(job('5'.repeat(32)));
      expect(next.s3).toBe(first.s3);
      next.release();
      expect(aws.openJobs).toBe(1);
      await sleep(400);
      expect(aws.openJobs).toBe(0);
    } finally {
      aws.destroy();
    }
  });
});
