import type { INestApplicationContext } from '@nestjs/common';
import { extractReferences } from '@fhirlake/fhir';
import { FhirResourceRepository, type ResourceBody } from '@fhirlake/persistence';
import { waitFor } from '@fhirlake/testing';
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

const refsOf = (r: ResourceBody) => extractReferences(r).map((x) => ({ path: x.path, reference: x.reference, ...(x.targetType ? { targetType: x.targetType } : {}), ...(x.targetId ? { targetId: x.targetId } : {}) }));

describe('export snapshot: writes during an export do not show', () => {
  let bed: ExportTestBed;
  let exporter: INestApplicationContext;

  beforeAll(async () => {
    bed = await createExportTestBed('export-snapshot');
    // Parts wait 1.5 s before reading: the test's writes land after T and before any part reads.
    exporter = await startExporter(bed.env({ EXPORTER_PART_DELAY_MS: '1500', EXPORTER_PART_CONCURRENCY: '16', DATABASE_POOL_SIZE: '24' }));
  });
  afterAll(async () => {
    await exporter?.close();
    await bed?.close();
  });

  it('exports exactly the datastore as of transactionTime while resources are updated, deleted and created', async () => {
    const datastore = await createDatastore(bed.sql);
    const fixture = fixtureResources();
    await loadResources(bed.sql, datastore, fixture);
    const repo = new FhirResourceRepository(bed.sql);
    const encounters = fixture.filter((r) => r.resourceType === 'Encounter').slice(0, 5);
    const conditions = fixture.filter((r) => r.resourceType === 'Condition').slice(0, 3);
    const patient = fixture.find((r) => r.resourceType === 'Patient')!;

    const job = await submitExport(bed, datastore);
    await waitFor(async () => (await bed.jobs.find(job.id))?.transactionTime, { timeoutMs: 10_000, intervalMs: 10 });
    for (const e of encounters) await repo.write(datastore, { ...e, status: 'entered-in-error' }, refsOf(e));
    for (const c of conditions) await repo.delete(datastore, 'Condition', c.id);
    await repo.delete(datastore, 'Patient', patient.id);
    const created = { resourceType: 'Observation', id: 'created-during-export', status: 'final', code: { text: 'x' } };
    await repo.write(datastore, created, []);
    await repo.write(datastore, { ...encounters[0], status: 'cancelled' }, refsOf(encounters[0]));
    expect((await bed.jobs.find(job.id))!.progress).toMatchObject({ partsDone: 0 });

    const done = await waitForJob(bed, job.id);
    expect(done.status).toBe('COMPLETED');
    const transactionTime = await transactionTimeOf(bed.sql, job.id);
    const objects = await readExport(bed.s3, bed.bucket, exportFolder(datastore, job.id));
    const expected = await snapshotAsOf(bed.sql, datastore, transactionTime);
    expect(lineKeys(objects)).toEqual([...expected.keys()].sort());
    expect(expected.size).toBe(7160);
    const texts = new Set(objects.flatMap((o) => o.lines));
    for (const text of expected.values()) expect(texts.has(text)).toBe(true);

    const keys = new Set(lineKeys(objects));
    for (const e of encounters) expect(keys.has(`Encounter/${e.id}/1`)).toBe(true);
    for (const c of conditions) expect(keys.has(`Condition/${c.id}/1`)).toBe(true);
    expect(keys.has(`Patient/${patient.id}/1`)).toBe(true);
    expect([...keys].some((k) => k.includes('created-during-export'))).toBe(false);
    expect(objects.flatMap((o) => o.lines).some((l) => l.includes('entered-in-error'))).toBe(false);

    // A second export sees the writes: deleted resources are not exported, updated ones in their new version.
    const after = await submitExport(bed, datastore);
    expect(await waitForJob(bed, after.id)).toMatchObject({ status: 'COMPLETED' });
    const afterKeys = new Set(lineKeys(await readExport(bed.s3, bed.bucket, exportFolder(datastore, after.id))));
    expect(afterKeys.size).toBe(7160 - 4 + 1);
    expect(afterKeys.has(`Encounter/${encounters[0].id}/3`)).toBe(true);
    expect(afterKeys.has(`Condition/${conditions[0].id}/1`)).toBe(false);
    expect(afterKeys.has('Observation/created-during-export/1')).toBe(true);
  });
});
