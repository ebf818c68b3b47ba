import type { INestApplicationContext } from '@nestjs/common';
import type { ResourceBody } from '@fhirlake/persistence';
import {
  createDatastore,
  createExportTestBed,
  exportFolder,
  type ExportTestBed,
  fixtureResources,
  lineKeys,
  loadResources,
  readExport,
  snapshotAsOf,
  startExporter,
  submitExport,
  transactionTimeOf,
  waitForJob,
} from './export-harness';

describe('system export (in-process exporter, real Postgres/Redis/moto)', () => {
  let bed: ExportTestBed;
  let exporter: INestApplicationContext;
  let fixtureDatastore: string;

  beforeAll(async () => {
    bed = await createExportTestBed('export-system');
    fixtureDatastore = await createDatastore(bed.sql);
    await loadResources(bed.sql, fixtureDatastore, fixtureResources());
    exporter = await startExporter(bed.env({ EXPORTER_PART_CONCURRENCY: '4' }));
  });
  afterAll(async () => {
    await exporter?.close();
    await bed?.close();
  });

  it('exports the whole fixture as of its transactionTime: same versions, stored text, SSE-KMS, result and progress', async () => {
    const job = await submitExport(bed, fixtureDatastore);
    const done = await waitForJob(bed, job.id);
    expect(done).toMatchObject({ status: 'COMPLETED', message: 'Exported 7160 resources in 13 files' });

    const objects = await readExport(bed.s3, bed.bucket, exportFolder(fixtureDatastore, job.id));
    const expected = await snapshotAsOf(bed.sql, fixtureDatastore, await transactionTimeOf(bed.sql, job.id));
    expect(lineKeys(objects)).toEqual([...expected.keys()].sort());
    // Every line is the stored JSON text, byte for byte.
    const byKey = new Map<string, string>(objects.flatMap((o) => o.lines.map((l) => { const r = JSON.parse(l) as ResourceBody; return [`${r.resourceType}/${r.id}/${(r.meta as { versionId: string }).versionId}`, l] as [string, string]; })));
    for (const [k, text] of expected) expect(byKey.get(k)).toBe(text);

    for (const o of objects) {
      expect(o).toMatchObject({ sse: 'aws:kms', kmsKeyId: expect.stringContaining(bed.kmsKeyId) });
      expect(o.lines.length).toBeLessThanOrEqual(5000);
      const type = o.key.split('/').at(-2)!;
      expect(o.key).toBe(`${exportFolder(fixtureDatastore, job.id)}${type}/${type}-1.ndjson`);
      for (const l of o.lines) expect(JSON.parse(l).resourceType).toBe(type);
    }
    const result = done.result as { output: Array<{ type: string; url: string; count: number }>; error: unknown[] };
    expect(result.error).toEqual([]);
    expect(result.output.map((e) => e.url)).toEqual(objects.map((o) => `s3://${bed.bucket}/${o.key}`));
    expect(result.output.reduce((n, e) => n + e.count, 0)).toBe(7160);
    expect(done.progress).toMatchObject({ partsTotal: 13, partsDone: 13, resourcesTotal: 7160, resourcesExported: 7160 });
  });

  it('splits a type into files of at most 5,000 resources, in id order: 12,001 Observations give 5,000 + 5,000 + 2,001', async () => {
    const datastore = await createDatastore(bed.sql);
    const observations = Array.from({ length: 12_001 }, (_, i) => ({
      resourceType: 'Observation',
      id: `obs-${String(i).padStart(6, '0')}`,
      status: 'final',
      code: { text: 'heart rate \\ "quoted" \u00e9' },
      valueQuantity: { value: i },
    }));
    await loadResources(bed.sql, datastore, observations);
    const job = await submitExport(bed, datastore);
    expect(await waitForJob(bed, job.id)).toMatchObject({ status: 'COMPLETED' });
    const objects = await readExport(bed.s3, bed.bucket, exportFolder(datastore, job.id));
    expect(objects.map((o) => [o.key.split('/').pop(), o.lines.length])).toEqual([
      ['Observation-1.ndjson', 5000],
      ['Observation-2.ndjson', 5000],
      ['Observation-3.ndjson', 2001],
    ]);
    const ids = objects.flatMap((o) => o.lines.map((l) => JSON.parse(l).id as string));
    expect(ids).toEqual(observations.map((o) => o.id));
    expect(JSON.parse(objects[0].lines[0]).code.text).toBe('heart rate \\ "quoted" \u00e9');
  });

  it('honours _type, since and until (meta.lastUpdated of the version as of T)', async () => {
    const datastore = await createDatastore(bed.sql);
    const all = fixtureResources();
    await loadResources(bed.sql, datastore, all.filter((r) => r.resourceType !== 'Procedure'));
    const { rows } = await bed.sql.query<{ t: string }>(`SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS t`);
    const between = rows[0].t;
    await new Promise((r) => setTimeout(r, 5));
    await loadResources(bed.sql, datastore, all.filter((r) => r.resourceType === 'Procedure'));

    const typed = await submitExport(bed, datastore, { exportRequest: { scope: 'SYSTEM', types: ['Patient', 'Device'], outputFormat: 'application/fhir+ndjson' } });
    expect(await waitForJob(bed, typed.id)).toMatchObject({ status: 'COMPLETED' });
    const typedKeys = lineKeys(await readExport(bed.s3, bed.bucket, exportFolder(datastore, typed.id)));
    expect(new Set(typedKeys.map((k) => k.split('/')[0]))).toEqual(new Set(['Patient', 'Device']));
    expect(typedKeys).toHaveLength(13 + 16);

    const since = await submitExport(bed, datastore, { exportRequest: { scope: 'SYSTEM', since: between } });
    expect(await waitForJob(bed, since.id)).toMatchObject({ status: 'COMPLETED' });
    const sinceKeys = lineKeys(await readExport(bed.s3, bed.bucket, exportFolder(datastore, since.id)));
    expect(sinceKeys).toHaveLength(2056);
    expect(sinceKeys.every((k) => k.startsWith('Procedure/'))).toBe(true);

    const until = await submitExport(bed, datastore, { exportRequest: { scope: 'SYSTEM', until: between, types: ['Procedure', 'Patient'] } });
    expect(await waitForJob(bed, until.id)).toMatchObject({ status: 'COMPLETED' });
    const untilKeys = lineKeys(await readExport(bed.s3, bed.bucket, exportFolder(datastore, until.id)));
    expect(untilKeys).toHaveLength(13);
    expect(untilKeys.every((k) => k.startsWith('Patient/'))).toBe(true);
  });
});
