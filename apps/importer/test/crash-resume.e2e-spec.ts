import { type AppProcess, spawnApp, waitFor } from '@fhirlake/testing';
import type { JobRecord } from '@fhirlake/persistence';
import { gzipSync } from 'node:zlib';
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
  submitImport,
  waitForJob,
} from './import-harness';

const PLAIN_LINES = 60_000;
const GZIP_LINES = 30_000;
const lines = generatedLines(PLAIN_LINES + GZIP_LINES, 'k', { badEvery: 997, repeatEvery: 10 });

/** Everything an import leaves behind, independent of the datastore and job ids. */
async function outcome(bed: ImportTestBed, ds: string, job: JobRecord) {
  const query = async (sql: string) => (await bed.sql.query<{ r: string }>(sql, [ds])).rows.map((row) => row.r);
  const folder = jobFolderKey(job);
  const objects = await readObjects(bed.s3, bed.bucket, folder);
  return {
    current: await query(`SELECT concat_ws('|', resource_type, id, version_id, regexp_replace(resource::text, '"lastUpdated":"[^"]+"', '')) AS r FROM fhir_resource WHERE datastore_id = $1 ORDER BY 1`),
    history: await query(`SELECT concat_ws('|', resource_type, id, version_id) AS r FROM fhir_resource_version WHERE datastore_id = $1 ORDER BY 1`),
    references: await query(`SELECT concat_ws('|', source_type, source_id, path, reference) AS r FROM fhir_reference WHERE datastore_id = $1 ORDER BY 1`),
    objects: objects.map((o) => [o.key.slice(folder.length), o.sse, o.key.endsWith('manifest.json') ? o.text.split(folder).join('<folder>') : o.text]),
    status: job.status,
    progress: { ...job.progress, Throughput: 0 },
  };
}

describe('an importer killed mid-job', () => {
  let bed: ImportTestBed;
  const processes: AppProcess[] = [];

  beforeAll(async () => {
    bed = await createImportTestBed('import-crash');
    await putObject(bed, 'in/1.ndjson', `${lines.slice(0, PLAIN_LINES).join('\n')}\n`);
    await putObject(bed, 'in/2.ndjson.gz', gzipSync(`${lines.slice(PLAIN_LINES).join('\n')}\n`));
  });
  afterAll(async () => {
    for (const p of processes) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await bed?.close();
  });

  it('is replaced, resumes mid-file (plain and gzip) and ends with exactly the data, counts and outputs of an uninterrupted run', async () => {
    // Reference: an uninterrupted run in this process.
    const reference = await startImporter(bed, { batchLines: 1000 });
    const refDs = await createDatastore(bed.sql);
    const refJob = await waitForJob(bed, (await submitImport(bed, refDs, { input: `s3://${bed.bucket}/in/` })).id, undefined, 90_000);
    await reference.close();
    expect(refJob.status).toBe('COMPLETED_WITH_ERRORS');

    const ds = await createDatastore(bed.sql);
    const job = await submitImport(bed, ds, { input: `s3://${bed.bucket}/in/`, dispatch: false });
    const env = bed.processEnv({ IMPORTER_BATCH_LINES: '1000', LOG_LEVEL: 'log' });
    const scanned = async () => ((await bed.jobs.find(job.id))!.progress.TotalNumberOfResourcesScanned as number | undefined) ?? 0;
    const killWhen = async (proc: AppProcess, atLeast: number) => {
      await waitFor(async () => (await scanned()) >= atLeast, { timeoutMs: 60_000, intervalMs: 10, description: `${atLeast} resources scanned` });
      proc.child.kill('SIGKILL');
      await proc.exited;
      return scanned();
    };

    const first = spawnApp('importer', env);
    processes.push(first);
    await first.waitForOutput(/importer ready/, 60_000);
    await dispatch(bed, job);
    const atFirstKill = await killWhen(first, 15_000);
    expect(atFirstKill).toBeLessThan(PLAIN_LINES - 1000); // part way through the plain file

    const second = spawnApp('importer', env);
    processes.push(second);
    const atSecondKill = await killWhen(second, PLAIN_LINES + 8_000);
    expect(atSecondKill).toBeLessThan(PLAIN_LINES + GZIP_LINES - 1000); // part way through the gzip file

    const third = spawnApp('importer', env);
    processes.push(third);
    const done = await waitForJob(bed, job.id, undefined, 120_000);
    third.child.kill('SIGTERM');
    expect(await third.exited).toBe(0);

    const expected = await outcome(bed, refDs, refJob);
    const actual = await outcome(bed, ds, done);
    expect(actual.status).toBe(expected.status);
    expect(actual.progress).toEqual(expected.progress);
    expect(actual.history.length).toBe(expected.history.length);
    expect(actual.history).toEqual(expected.history);
    expect(actual.current).toEqual(expected.current);
    expect(actual.references).toEqual(expected.references);
    expect(actual.objects.map((o) => o[0])).toEqual(['FAILURE/1.ndjson', 'FAILURE/2.ndjson', 'SUCCESS/1.ndjson', 'SUCCESS/2.ndjson', 'manifest.json']);
    expect(actual.objects).toEqual(expected.objects);
    const { rows } = await bed.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM fhir_import_output WHERE job_id = $1', [job.id]);
    expect(rows[0].n).toBe(0);
  }, 170_000);
});
