import { type AppProcess, spawnApp, waitFor } from '@fhirlake/testing';
import {
  createDatastore,
  createExportTestBed,
  exportFolder,
  type ExportedObject,
  type ExportTestBed,
  fixtureResources,
  lineKeys,
  loadResources,
  readExport,
  snapshotAsOf,
  submitExport,
  transactionTimeOf,
  waitForJob,
} from './export-harness';

/** Objects by key relative to the job's folder, with their exact bytes. */
const relative = (objects: ExportedObject[], folder: string) => objects.map((o) => ({ key: o.key.slice(folder.length), body: o.lines.join('\n') }));

describe('exporter processes: scale-out and crash recovery', () => {
  let bed: ExportTestBed;
  let datastore: string;
  let baseline: Array<{ key: string; body: string }>;
  const running: AppProcess[] = [];

  async function spawnExporter(extra: Record<string, string> = {}): Promise<AppProcess> {
    const proc = spawnApp('exporter', bed.processEnv({ LOG_LEVEL: 'debug', EXPORTER_PART_CONCURRENCY: '2', ...extra }));
    running.push(proc);
    await proc.waitForOutput(/exporter workers started/, 60_000);
    return proc;
  }

  async function stop(proc: AppProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    proc.child.kill(signal);
    await proc.exited;
  }

  beforeAll(async () => {
    bed = await createExportTestBed('export-scale');
    datastore = await createDatastore(bed.sql);
    const observations = Array.from({ length: 6000 }, (_, i) => ({ resourceType: 'Observation', id: `o${i}`, status: 'final', code: { text: `n${i}` } }));
    await loadResources(bed.sql, datastore, [...fixtureResources(), ...observations]);
  });
  afterAll(async () => {
    for (const p of running) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await bed?.close();
  });

  it('one exporter process exports the snapshot', async () => {
    const a = await spawnExporter();
    const job = await submitExport(bed, datastore);
    expect(await waitForJob(bed, job.id)).toMatchObject({ status: 'COMPLETED', progress: expect.objectContaining({ partsTotal: 15 }) });
    const folder = exportFolder(datastore, job.id);
    const objects = await readExport(bed.s3, bed.bucket, folder);
    expect(lineKeys(objects)).toEqual([...(await snapshotAsOf(bed.sql, datastore, await transactionTimeOf(bed.sql, job.id))).keys()].sort());
    baseline = relative(objects, folder);
    expect(baseline.map((o) => o.key)).toContain('Observation/Observation-2.ndjson');
    await stop(a);
  });

  it('two exporter processes share the parts and write exactly the same objects as one', async () => {
    const [a, b] = await Promise.all([spawnExporter({ EXPORTER_PART_DELAY_MS: '300' }), spawnExporter({ EXPORTER_PART_DELAY_MS: '300' })]);
    const job = await submitExport(bed, datastore);
    expect(await waitForJob(bed, job.id)).toMatchObject({ status: 'COMPLETED' });
    const folder = exportFolder(datastore, job.id);
    expect(relative(await readExport(bed.s3, bed.bucket, folder), folder)).toEqual(baseline);
    const partsDoneBy = (p: AppProcess) => (p.output().match(new RegExp(`job ${job.id} part \\d+ done`, 'g')) ?? []).length;
    expect(partsDoneBy(a)).toBeGreaterThan(0);
    expect(partsDoneBy(b)).toBeGreaterThan(0);
    expect(partsDoneBy(a) + partsDoneBy(b)).toBe(15);
    await Promise.all([stop(a), stop(b)]);
  });

  it('an exporter SIGKILLed mid-export is replaced; the job resumes (finished parts kept) and writes exactly the same objects', async () => {
    const victim = await spawnExporter({ EXPORTER_PART_DELAY_MS: '600', EXPORTER_PART_CONCURRENCY: '1' });
    const job = await submitExport(bed, datastore);
    await waitFor(async () => Number((await bed.jobs.find(job.id))?.progress.partsDone ?? 0) >= 4, { timeoutMs: 30_000, description: 'four parts done' });
    victim.child.kill('SIGKILL');
    expect(await victim.exited).toBe('SIGKILL');
    const firstEpoch = (await bed.jobs.find(job.id))!.epoch;

    await spawnExporter();
    const done = await waitForJob(bed, job.id, undefined, 80_000);
    expect(done.status).toBe('COMPLETED');
    expect(done.epoch).toBeGreaterThan(firstEpoch);
    const folder = exportFolder(datastore, job.id);
    const objects = await readExport(bed.s3, bed.bucket, folder);
    expect(relative(objects, folder)).toEqual(baseline);
    const keys = lineKeys(objects);
    expect(new Set(keys).size).toBe(keys.length);
    // Parts finished before the kill were kept, not redone.
    const { rows } = await bed.sql.query<{ completed_epoch: number; n: number }>(
      'SELECT completed_epoch, count(*)::int AS n FROM fhir_export_part WHERE job_id = $1 GROUP BY 1 ORDER BY 1',
      [job.id],
    );
    expect(rows[0]).toMatchObject({ completed_epoch: firstEpoch });
    expect(rows[0].n).toBeGreaterThanOrEqual(4);
    expect(rows.reduce((n, r) => n + r.n, 0)).toBe(15);
  }, 120_000);
});
