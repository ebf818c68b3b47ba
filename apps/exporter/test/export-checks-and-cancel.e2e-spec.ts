import { ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { CreateKeyCommand, DisableKeyCommand } from '@aws-sdk/client-kms';
import type { INestApplicationContext } from '@nestjs/common';
import { healthLakeDatastoreArn } from '@fhirlake/cloud';
import { createDataAccessRole, testAwsEnv, waitFor } from '@fhirlake/testing';
import {
  createDatastore,
  createExportTestBed,
  exportFolder,
  type ExportTestBed,
  fixtureResources,
  loadResources,
  newId,
  readExport,
  startExporter,
  submitExport,
  waitForJob,
} from './export-harness';

describe('export checks before writing, and cancellation', () => {
  const env = testAwsEnv();
  let bed: ExportTestBed;
  let exporter: INestApplicationContext;
  let datastore: string;

  beforeAll(async () => {
    bed = await createExportTestBed('export-checks');
    datastore = await createDatastore(bed.sql);
    await loadResources(bed.sql, datastore, fixtureResources());
    // Slow parts (two at a time, 800 ms each) so the cancellation lands mid-export.
    exporter = await startExporter(bed.env({ EXPORTER_PART_DELAY_MS: '800', EXPORTER_PART_CONCURRENCY: '2' }));
  });
  afterAll(async () => {
    await exporter?.close();
    await bed?.close();
  });

  it('fails with a disabled KMS key, naming it, and writes nothing', async () => {
    const disabled = (await bed.kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
    await bed.kms.send(new DisableKeyCommand({ KeyId: disabled }));
    const job = await submitExport(bed, datastore, { kmsKeyId: disabled });
    const done = await waitForJob(bed, job.id);
    expect(done).toMatchObject({ status: 'FAILED', message: `KMS key ${disabled} is not enabled (state Disabled)` });
    expect(await readExport(bed.s3, bed.bucket, exportFolder(datastore, job.id))).toEqual([]);
    expect(done.transactionTime).toBeNull();
  });

  const missing = (role: string, action: string, resource: string) => `Data access role ${role} is missing ${action} on ${resource}`;

  /** Runs an export expected to fail with exactly `message`; nothing may appear under its output prefix. */
  async function expectFailure(options: Parameters<typeof submitExport>[2], message: string): Promise<void> {
    const prefix = options?.prefix ?? `failing-${newId().slice(0, 8)}`;
    const job = await submitExport(bed, datastore, { ...options, prefix });
    expect(await waitForJob(bed, job.id)).toMatchObject({ status: 'FAILED', message, transactionTime: null });
    expect(await readExport(bed.s3, bed.bucket, `${prefix}/`)).toEqual([]);
  }

  it('fails for a missing bucket, naming it (and what the role lacks on it)', async () => {
    await expectFailure(
      { bucket: 'no-such-bucket-fhirlake', prefix: 'missing-bucket' },
      [
        missing(bed.roleArn, 's3:PutObject', 'arn:aws:s3:::no-such-bucket-fhirlake/missing-bucket/*'),
        missing(bed.roleArn, 's3:ListBucket', 'arn:aws:s3:::no-such-bucket-fhirlake'),
        missing(bed.roleArn, 's3:GetBucketPublicAccessBlock', 'arn:aws:s3:::no-such-bucket-fhirlake'),
        missing(bed.roleArn, 's3:GetEncryptionConfiguration', 'arn:aws:s3:::no-such-bucket-fhirlake'),
        'output bucket no-such-bucket-fhirlake does not exist',
      ].join('; '),
    );
  });

  it('fails when the data access role lacks s3:PutObject on the output, and writes nothing', async () => {
    const role = await createDataAccessRole({ output: bed.bucket, keyArn: bed.kmsKeyArn }, { without: ['s3:PutObject'] });
    await expectFailure({ dataAccessRoleArn: role, prefix: 'no-put' }, missing(role, 's3:PutObject', `arn:aws:s3:::${bed.bucket}/no-put/*`));
  });

  it('fails when the role trusts the service only for another datastore (confused deputy), and writes nothing', async () => {
    const other = await createDatastore(bed.sql);
    const role = await createDataAccessRole({ output: bed.bucket, keyArn: bed.kmsKeyArn }, { datastoreIds: [other] });
    await expectFailure(
      { dataAccessRoleArn: role },
      `Data access role ${role} trusts ${env.FHIRLAKE_SERVICE_PRINCIPAL} only under conditions (aws:SourceAccount, aws:SourceArn) that do not hold for datastore ${healthLakeDatastoreArn(env.AWS_REGION, env.FHIRLAKE_ACCOUNT_ID, datastore)} (account ${env.FHIRLAKE_ACCOUNT_ID})`,
    );
  });

  it('fails when the datastore is not ACTIVE', async () => {
    const other = await createDatastore(bed.sql);
    await bed.sql.query(`UPDATE datastore SET status = 'DELETING' WHERE id = $1`, [other]);
    const job = await submitExport(bed, other);
    const done = await waitForJob(bed, job.id);
    expect(done).toMatchObject({ status: 'FAILED', message: `Datastore ${other} is DELETING, not ACTIVE` });
  });

  it('cancels a running export within seconds: queued parts never run, running parts abort, nothing more is written', async () => {
    const job = await submitExport(bed, datastore);
    await waitFor(async () => Number((await bed.jobs.find(job.id))?.progress.partsDone ?? 0) >= 2, { timeoutMs: 20_000, description: 'two parts done' });
    const requested = Date.now();
    expect(await bed.jobs.requestCancel(job.id)).toMatchObject({ kind: 'cancel-submitted' });
    const done = await waitForJob(bed, job.id, ['CANCEL_COMPLETED', 'COMPLETED', 'FAILED'], 10_000);
    expect(done.status).toBe('CANCEL_COMPLETED');
    expect(Date.now() - requested).toBeLessThan(5000);
    const written = await readExport(bed.s3, bed.bucket, exportFolder(datastore, job.id));
    expect(written.length).toBeGreaterThanOrEqual(2);
    expect(written.length).toBeLessThan(13);
    await new Promise((r) => setTimeout(r, 2000));
    expect((await readExport(bed.s3, bed.bucket, exportFolder(datastore, job.id))).map((o) => o.key)).toEqual(written.map((o) => o.key));
    const uploads = await bed.s3.send(new ListMultipartUploadsCommand({ Bucket: bed.bucket }));
    expect(uploads.Uploads ?? []).toEqual([]);
    // The datastore is free again: the next export runs to completion.
    const next = await submitExport(bed, datastore, { exportRequest: { types: ['Patient'] } });
    expect(await waitForJob(bed, next.id)).toMatchObject({ status: 'COMPLETED' });
  });
});

describe('export survives losing its part queue in Redis', () => {
  let bed: ExportTestBed;
  let exporter: INestApplicationContext;

  beforeAll(async () => {
    bed = await createExportTestBed('export-redis-loss');
    exporter = await startExporter(bed.env({ EXPORTER_PART_DELAY_MS: '500', EXPORTER_PART_CONCURRENCY: '1', EXPORTER_STALL_CHECK_MS: '1000' }));
  });
  afterAll(async () => {
    await exporter?.close();
    await bed?.close();
  });

  it('re-enqueues the unfinished parts from Postgres and completes with every file', async () => {
    const datastore = await createDatastore(bed.sql);
    await loadResources(bed.sql, datastore, fixtureResources());
    const job = await submitExport(bed, datastore);
    await waitFor(async () => Number((await bed.jobs.find(job.id))?.progress.partsDone ?? 0) >= 1, { timeoutMs: 20_000, description: 'a part done' });
    // Redis loses the waiting part entries (a flush, a failover without persistence).
    const waiting = await bed.redis.keys(`${bed.redisPrefix}:bull:fhirlake-export-part:wait*`);
    expect(waiting.length).toBeGreaterThan(0);
    await bed.redis.del(...waiting);
    const done = await waitForJob(bed, job.id, undefined, 40_000);
    expect(done).toMatchObject({ status: 'COMPLETED', progress: expect.objectContaining({ partsDone: 13 }) });
    expect(await readExport(bed.s3, bed.bucket, exportFolder(datastore, job.id))).toHaveLength(13);
  });
});
