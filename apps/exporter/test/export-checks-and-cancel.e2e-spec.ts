import { ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { CreateKeyCommand, DisableKeyCommand } from '@aws-sdk/client-kms';
import type { INestApplicationContext } from '@nestjs/common';
import { waitFor } from '@fhirlake/testing';
import {
  createDatastore,
  createExportTestBed,
  exportFolder,
  type ExportTestBed,
  fixtureResources,
  loadResources,
  readExport,
  startExporter,
  submitExport,
  waitForJob,
} from './export-harness';

describe('export checks before writing, and cancellation', () => {
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

  it('fails for a missing bucket, naming it', async () => {
    const job = await submitExport(bed, datastore, { bucket: 'no-such-bucket-fhirlake' });
    expect(await waitForJob(bed, job.id)).toMatchObject({ status: 'FAILED', message: 'Output bucket no-such-bucket-fhirlake does not exist' });
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
