import { PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { DisableKeyCommand, CreateKeyCommand } from '@aws-sdk/client-kms';
import type { INestApplicationContext } from '@nestjs/common';
import type { JobExecution } from '@fhirlake/coordination';
import { ImportCheckpointMismatchError, ImportCheckpointRepository, JobFencedError, type JobRecord } from '@fhirlake/persistence';
import { createIamClient, healthLakeDatastoreArn } from '@fhirlake/cloud';
import { createDataAccessRole, dataAccessPolicy, testAwsEnv, waitFor } from '@fhirlake/testing';
import { randomBytes } from 'node:crypto';
import { ImportBatchCommitter } from '../src/import-batch.committer';
import type { PreparedBatch } from '../src/import-batch';
import { lineBatchText } from '../src/line-batch-text';
import { parseResourceLineBatch } from '../src/resource-line-batch';
import {
  createDatastore,
  createImportTestBed,
  dispatch,
  generatedLines,
  type ImportTestBed,
  jobFolderKey,
  putObject,
  readObjects,
  startImporter,
  storedResources,
  submitImport,
  waitForJob,
} from './import-harness';

describe('import job lifecycle', () => {
  const env = testAwsEnv();
  let bed: ImportTestBed;
  let importer: INestApplicationContext;

  beforeAll(async () => {
    bed = await createImportTestBed('import-lifecycle');
    await putObject(bed, 'small/a.ndjson', `${generatedLines(10, 'small').join('\n')}\n`);
    importer = await startImporter(bed, { batchLines: 500 });
  });
  afterAll(async () => {
    await importer?.close();
    await bed?.close();
  });

  /** Runs an import expected to fail; checks the message (exact, or a pattern) and that nothing was written anywhere. */
  async function expectFailure(options: Partial<Parameters<typeof submitImport>[2]>, message: string | RegExp, datastoreId?: string): Promise<JobRecord> {
    const ds = datastoreId ?? (await createDatastore(bed.sql));
    const output = `out-${randomBytes(3).toString('hex')}`;
    const job = await waitForJob(bed, (await submitImport(bed, ds, { input: `s3://${bed.bucket}/small/`, output: `s3://${bed.bucket}/${output}`, ...options })).id);
    expect([job.status, job.message]).toEqual(['FAILED', typeof message === 'string' ? message : expect.stringMatching(message)]);
    expect((await storedResources(bed.sql, ds)).size).toBe(0);
    expect(await readObjects(bed.s3, bed.bucket, `${output}/`)).toEqual([]);
    return job;
  }
  const missing = (role: string, action: string, resource: string) => `Data access role ${role} is missing ${action} on ${resource}`;

  it('fails with a clear message when the input prefix holds no objects', async () => {
    await expectFailure({ input: `s3://${bed.bucket}/nothing-here/` }, new RegExp(`^No input objects found at s3://${bed.bucket}/nothing-here/$`));
  });

  it('fails when the input bucket does not exist (the role was granted nothing on it either)', async () => {
    await expectFailure(
      { input: 's3://no-such-bucket-fhirlake/in/' },
      [
        missing(bed.roleArn, 's3:GetObject', 'arn:aws:s3:::no-such-bucket-fhirlake/in/*'),
        missing(bed.roleArn, 's3:ListBucket', 'arn:aws:s3:::no-such-bucket-fhirlake'),
        'input bucket no-such-bucket-fhirlake does not exist',
      ].join('; '),
    );
  });

  it('fails when the KMS key is disabled, before writing anything', async () => {
    const keyId = (await bed.kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
    await bed.kms.send(new DisableKeyCommand({ KeyId: keyId }));
    await expectFailure({ kmsKeyId: keyId }, `KMS key ${keyId} is not enabled (state Disabled)`);
  });

  it('fails when the output bucket does not exist (the role was granted nothing on it either)', async () => {
    const ds = await createDatastore(bed.sql);
    const job = await waitForJob(bed, (await submitImport(bed, ds, { input: `s3://${bed.bucket}/small/`, output: 's3://no-such-output-fhirlake/out' })).id);
    expect([job.status, job.message]).toEqual([
      'FAILED',
      [
        missing(bed.roleArn, 's3:PutObject', 'arn:aws:s3:::no-such-output-fhirlake/out/*'),
        missing(bed.roleArn, 's3:ListBucket', 'arn:aws:s3:::no-such-output-fhirlake'),
        missing(bed.roleArn, 's3:GetBucketPublicAccessBlock', 'arn:aws:s3:::no-such-output-fhirlake'),
        missing(bed.roleArn, 's3:GetEncryptionConfiguration', 'arn:aws:s3:::no-such-output-fhirlake'),
        'output bucket no-such-output-fhirlake does not exist',
      ].join('; '),
    ]);
    expect((await storedResources(bed.sql, ds)).size).toBe(0);
  });

  it('fails when the data access role lacks s3:PutObject on the output: nothing loaded, no object written', async () => {
    const role = await createDataAccessRole({ input: bed.bucket, output: bed.bucket, keyArn: bed.kmsKeyArn }, { without: ['s3:PutObject'] });
    const job = await expectFailure({ dataAccessRoleArn: role }, /is missing s3:PutObject/);
    expect(job.message).toBe(missing(role, 's3:PutObject', `arn:aws:s3:::${bed.bucket}/${job.outputS3Uri.split('/').pop()}/*`));
  });

  it('fails when the role trusts the service only for another datastore (confused deputy): nothing loaded, no object written', async () => {
    const [ds, other] = [await createDatastore(bed.sql), await createDatastore(bed.sql)];
    const role = await createDataAccessRole({ input: bed.bucket, output: bed.bucket, keyArn: bed.kmsKeyArn }, { datastoreIds: [other] });
    await expectFailure(
      { dataAccessRoleArn: role },
      `Data access role ${role} trusts ${env.FHIRLAKE_SERVICE_PRINCIPAL} only under conditions (aws:SourceAccount, aws:SourceArn) that do not hold for datastore ${healthLakeDatastoreArn(env.AWS_REGION, env.FHIRLAKE_ACCOUNT_ID, ds)} (account ${env.FHIRLAKE_ACCOUNT_ID})`,
      ds,
    );
  });

  it('fails when the datastore is being deleted', async () => {
    const ds = await createDatastore(bed.sql);
    await bed.sql.query(`UPDATE datastore SET status = 'DELETING' WHERE id = $1`, [ds]);
    await expectFailure({}, new RegExp(`Datastore ${ds} is DELETING`), ds);
  });

  it('checks again when a worker resumes a job: a role that lost s3:GetObject since the job was planned fails it, and nothing is loaded', async () => {
    const ds = await createDatastore(bed.sql);
    const targets = { input: bed.bucket, output: bed.bucket, keyArn: bed.kmsKeyArn };
    const role = await createDataAccessRole(targets);
    const job = await submitImport(bed, ds, { input: `s3://${bed.bucket}/small/`, output: `s3://${bed.bucket}/resumed`, dataAccessRoleArn: role, dispatch: false });
    // A first worker passed the checks, planned the input and died before loading anything.
    const checkpoints = new ImportCheckpointRepository(bed.sql);
    const first = (await bed.jobs.claim(job.id, 'worker-gone'))!;
    await bed.jobs.fenced(job.id, first.epoch, (c) => checkpoints.plan(c, job.id, [{ s3Key: 'small/a.ndjson', sizeBytes: 100, gzip: false, outputName: 'a.ndjson' }]));
    // Meanwhile the role's policy loses s3:GetObject.
    const iam = createIamClient(env);
    await iam.send(new PutRolePolicyCommand({ RoleName: role.split('/').pop(), PolicyName: 'inline-0', PolicyDocument: JSON.stringify(dataAccessPolicy(targets, { without: ['s3:GetObject'] })) }));
    iam.destroy();

    await dispatch(bed, job);
    const done = await waitForJob(bed, job.id);
    expect([done.status, done.message]).toEqual(['FAILED', missing(role, 's3:GetObject', `arn:aws:s3:::${bed.bucket}/small/*`)]);
    expect(done.epoch).toBeGreaterThan(first.epoch);
    expect((await storedResources(bed.sql, ds)).size).toBe(0);
    expect((await checkpoints.files(job.id))[0]).toMatchObject({ state: 'PENDING', nextLine: 1 });
    expect(await readObjects(bed.s3, bed.bucket, 'resumed/')).toEqual([]);
  });

  it('fences a stale worker: after a second claim, the first epoch cannot commit, and a batch never commits twice', async () => {
    const ds = await createDatastore(bed.sql);
    const job = await submitImport(bed, ds, { input: `s3://${bed.bucket}/small/`, dispatch: false });
    const checkpoints = new ImportCheckpointRepository(bed.sql);
    const committer = new ImportBatchCommitter(bed.jobs, checkpoints);
    const execution = (claimed: JobRecord): JobExecution => ({
      job: claimed,
      epoch: claimed.epoch,
      signal: new AbortController().signal,
      fenced: (work) => bed.jobs.fenced(job.id, claimed.epoch, work),
      fencedLate: (work) => bed.jobs.fencedLate(job.id, claimed.epoch, work),
      cancelRequested: async () => false,
    });
    const first = (await bed.jobs.claim(job.id, 'worker-1'))!;
    await bed.jobs.fenced(job.id, first.epoch, (c) => checkpoints.plan(c, job.id, [{ s3Key: 'small/a.ndjson', sizeBytes: 100, gzip: false, outputName: 'a.ndjson' }]));
    const second = (await bed.jobs.claim(job.id, 'worker-2'))!;
    expect(second.epoch).toBe(first.epoch + 1);

    const batch = (): PreparedBatch => ({
      fileIndex: 0, fromLine: 1, nextLine: 2, nextByte: 40, endOfFile: false, byteCount: 40, invalid: [],
      resources: parseResourceLineBatch({
        lines: lineBatchText([{ number: 1, start: 0, end: 40, text: '{"resourceType":"Patient","id":"fenced"}' }]),
        level: 'strict', maxLineBytes: 1000, jobId: job.id, datastoreId: ds, s3Key: 'small/a.ndjson',
      }).resources,
    });
    const state = async (claimed: JobRecord) => ({ execution: execution(claimed), files: await checkpoints.files(job.id), inputUri: () => 's3://x/small/a.ndjson', startedAt: Date.now() });

    await expect(committer.commit(await state(first), batch())).rejects.toBeInstanceOf(JobFencedError);
    expect((await storedResources(bed.sql, ds)).size).toBe(0);
    expect((await checkpoints.files(job.id))[0]).toMatchObject({ state: 'PENDING', nextLine: 1, resourcesScanned: 0 });

    expect(await committer.commit(await state(second), batch())).toBe('IN_PROGRESS');
    await expect(committer.commit(await state(second), batch())).rejects.toBeInstanceOf(ImportCheckpointMismatchError);
    expect((await storedResources(bed.sql, ds)).get('Patient/fenced')).toMatchObject({ versionId: 1 });
    expect((await checkpoints.files(job.id))[0]).toMatchObject({ state: 'READING', nextLine: 2, nextByte: 40, resourcesScanned: 1, resourcesImported: 1 });
  });

  it('cancels mid-job within seconds: stops after the current batch, writes outputs and a manifest for what was committed', async () => {
    const total = 60_000;
    await putObject(bed, 'big/a.ndjson', `${generatedLines(total, `c${randomBytes(3).toString('hex')}`).join('\n')}\n`);
    const ds = await createDatastore(bed.sql);
    const job = await submitImport(bed, ds, { input: `s3://${bed.bucket}/big/` });
    await waitFor(async () => ((await bed.jobs.find(job.id))?.progress.TotalNumberOfResourcesScanned as number | undefined ?? 0) >= 2000, { timeoutMs: 30_000, intervalMs: 20 });
    const requested = Date.now();
    expect((await bed.jobs.requestCancel(job.id)).kind).toBe('cancel-submitted');
    const done = await waitForJob(bed, job.id, ['CANCEL_COMPLETED', 'CANCEL_FAILED', 'COMPLETED', 'FAILED'], 15_000);
    expect(done.status).toBe('CANCEL_COMPLETED');
    expect(Date.now() - requested).toBeLessThan(5000);

    const objects = await readObjects(bed.s3, bed.bucket, jobFolderKey(job));
    const manifest = JSON.parse(objects.find((o) => o.key.endsWith('manifest.json'))!.text);
    const stored = await storedResources(bed.sql, ds);
    expect(manifest).toMatchObject({ cancelled: true, numberOfScannedFiles: 1, numberOfFilesImported: 0, numberOfResourcesImportedSuccessfully: stored.size });
    expect(stored.size).toBeGreaterThanOrEqual(2000);
    expect(stored.size).toBeLessThan(total);
    expect(manifest.numberOfResourcesScanned).toBe(stored.size);
    const success = objects.find((o) => o.key.endsWith('SUCCESS/a.ndjson'))!;
    expect(success.text.trimEnd().split('\n')).toHaveLength(stored.size);
    expect(done.progress.TotalNumberOfResourcesImported).toBe(stored.size);
  });
});
