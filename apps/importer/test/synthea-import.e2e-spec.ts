import type { INestApplicationContext } from '@nestjs/common';
import { FhirResourceRepository, type JobRecord } from '@fhirlake/persistence';
import { indexedReferences } from '../src/resource-line.parser';
import {
  createDatastore,
  createImportTestBed,
  fixtureFiles,
  type ImportTestBed,
  jobFolderKey,
  putObject,
  readObjects,
  startImporter,
  storedResources,
  submitImport,
  waitForJob,
  withoutVersionMeta,
} from './import-harness';

const files = fixtureFiles();
const resources = files.flatMap((f) => f.text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Record<string, unknown> & { resourceType: string; id: string }));

/** Stored JSON with the lastUpdated values blanked (they differ between any two writes). */
const comparable = (json: string) => json.replace(/"lastUpdated":"[^"]+"/, '"lastUpdated":"-"');

describe('importing the Synthea fixture', () => {
  let bed: ImportTestBed;
  let importer: INestApplicationContext;
  let ds: string;
  let job: JobRecord;

  beforeAll(async () => {
    bed = await createImportTestBed('synthea-import');
    for (const f of files) await putObject(bed, `synthea/${f.name}`, f.text);
    importer = await startImporter(bed, { batchLines: 1000 });
    ds = await createDatastore(bed.sql);
    const submitted = await submitImport(bed, ds, { input: `s3://${bed.bucket}/synthea/` });
    job = await waitForJob(bed, submitted.id);
  });
  afterAll(async () => {
    await importer?.close();
    await bed?.close();
  });

  it('completes and stores every resource as given (meta.versionId 1), with one history row each', async () => {
    expect([job.status, job.message]).toEqual(['COMPLETED', null]);
    expect(resources).toHaveLength(7160);
    const stored = await storedResources(bed.sql, ds);
    expect(stored.size).toBe(7160);
    const mismatches = resources.filter((r) => {
      const s = stored.get(`${r.resourceType}/${r.id}`);
      return !s || s.versionId !== 1 || (s.resource.meta as { versionId?: string }).versionId !== '1' || JSON.stringify(withoutVersionMeta(s.resource)) !== JSON.stringify(withoutVersionMeta(r));
    });
    expect(mismatches.map((r) => `${r.resourceType}/${r.id}`)).toEqual([]);
    const { rows } = await bed.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM fhir_resource_version WHERE datastore_id = $1 AND version_id = 1', [ds]);
    expect(rows[0].n).toBe(7160);
  });

  it('stores exactly what a FHIR PUT of each resource stores: JSON layout, history and reference index', async () => {
    // A quarter of the fixture (single writes are slow), every type included.
    const sample = resources.filter((_, i) => i % 4 === 0);
    const putDs = await createDatastore(bed.sql);
    const repo = new FhirResourceRepository(bed.sql);
    let next = 0;
    await Promise.all(
      Array.from({ length: 6 }, async () => {
        while (next < sample.length) {
          const r = sample[next++];
          await repo.write(putDs, r, indexedReferences(r));
        }
      }),
    );
    const types = sample.map((r) => r.resourceType);
    const ids = sample.map((r) => r.id);
    const snapshot = async (datastoreId: string) => {
      const current = await bed.sql.query<{ k: string; j: string; v: number }>(
        `SELECT resource_type || '/' || id AS k, resource::text AS j, version_id AS v FROM fhir_resource r JOIN unnest($2::text[], $3::text[]) AS s(t, i)
           ON r.resource_type = s.t AND r.id = s.i WHERE datastore_id = $1 ORDER BY 1`,
        [datastoreId, types, ids],
      );
      const refs = await bed.sql.query<{ r: string }>(
        `SELECT concat_ws('|', source_type, source_id, path, reference, target_type, target_id) AS r FROM fhir_reference f JOIN unnest($2::text[], $3::text[]) AS s(t, i)
           ON f.source_type = s.t AND f.source_id = s.i WHERE datastore_id = $1 ORDER BY 1`,
        [datastoreId, types, ids],
      );
      return { current: current.rows.map((row) => [row.k, row.v, comparable(row.j)]), refs: refs.rows.map((row) => row.r) };
    };
    const imported = await snapshot(ds);
    const put = await snapshot(putDs);
    expect(imported.current).toHaveLength(sample.length);
    expect(imported.refs.length).toBeGreaterThan(5000);
    expect(imported.refs).toEqual(put.refs);
    expect(imported.current).toEqual(put.current);
  });

  it('writes an exact manifest, one SUCCESS object per input file, no FAILURE objects, all SSE-KMS with the job key', async () => {
    const objects = await readObjects(bed.s3, bed.bucket, jobFolderKey(job));
    const folder = jobFolderKey(job);
    expect(objects.map((o) => o.key.slice(folder.length)).sort()).toEqual(['manifest.json', ...files.map((f) => `SUCCESS/${f.name}`)].sort());
    for (const o of objects) expect([o.key, o.sse, o.kmsKeyId]).toEqual([o.key, 'aws:kms', expect.stringContaining(bed.kmsKeyId)]);

    const manifest = JSON.parse(objects.find((o) => o.key.endsWith('manifest.json'))!.text);
    const totalBytes = files.reduce((n, f) => n + Buffer.byteLength(f.text), 0);
    expect(manifest).toEqual({
      inputDataConfig: { s3Uri: `s3://${bed.bucket}/synthea/` },
      outputDataConfig: { s3Uri: `s3://${bed.bucket}/out`, encryptionKeyID: bed.kmsKeyId },
      successOutput: { successOutputS3Uri: `s3://${bed.bucket}/${folder}SUCCESS/` },
      failureOutput: { failureOutputS3Uri: `s3://${bed.bucket}/${folder}FAILURE/` },
      numberOfScannedFiles: 13,
      numberOfFilesImported: 13,
      sizeOfScannedFilesInMB: Math.round((totalBytes / 1048576) * 10_000) / 10_000,
      sizeOfDataImportedSuccessfullyInMB: Math.round((totalBytes / 1048576) * 10_000) / 10_000,
      numberOfResourcesScanned: 7160,
      numberOfResourcesImportedSuccessfully: 7160,
      numberOfResourcesWithCustomerError: 0,
      numberOfResourcesWithServerError: 0,
    });

    const patients = objects.find((o) => o.key.endsWith('SUCCESS/Patient.000.ndjson'))!.text.trimEnd().split('\n').map((l) => JSON.parse(l));
    const inputPatients = files.find((f) => f.name === 'Patient.000.ndjson')!.text.trimEnd().split('\n').map((l) => JSON.parse(l) as { id: string });
    expect(patients).toEqual(inputPatients.map((p, i) => ({ line: i + 1, resourceType: 'Patient', id: p.id, versionId: '1' })));
  });

  it('reports progress with HealthLake JobProgressReport keys and leaves no pending output rows', async () => {
    expect(job.progress).toEqual({
      TotalNumberOfScannedFiles: 13,
      TotalSizeOfScannedFilesInMB: expect.any(Number),
      TotalNumberOfImportedFiles: 13,
      TotalNumberOfResourcesScanned: 7160,
      TotalNumberOfResourcesImported: 7160,
      TotalNumberOfResourcesWithCustomerError: 0,
      TotalNumberOfFilesReadWithCustomerError: 0,
      Throughput: expect.any(Number),
    });
    const { rows } = await bed.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM fhir_import_output WHERE job_id = $1', [job.id]);
    expect(rows[0].n).toBe(0);
  });

  it('re-importing the same data creates version 2 of everything, as a second PUT would', async () => {
    const before = await storedResources(bed.sql, ds);
    const again = await waitForJob(bed, (await submitImport(bed, ds, { input: `s3://${bed.bucket}/synthea/Patient.000.ndjson` })).id);
    expect(again.status).toBe('COMPLETED');
    const after = await storedResources(bed.sql, ds);
    const patients = resources.filter((r) => r.resourceType === 'Patient');
    for (const p of patients) {
      const v1 = before.get(`Patient/${p.id}`)!.resource.meta as { lastUpdated: string };
      const v2 = after.get(`Patient/${p.id}`)!;
      expect(v2.versionId).toBe(2);
      expect((v2.resource.meta as { versionId: string }).versionId).toBe('2');
      expect((v2.resource.meta as { lastUpdated: string }).lastUpdated > v1.lastUpdated).toBe(true);
      expect(withoutVersionMeta(v2.resource)).toEqual(withoutVersionMeta(p));
    }
    const { rows } = await bed.sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM fhir_resource_version WHERE datastore_id = $1 AND resource_type = 'Patient' AND version_id = 2`,
      [ds],
    );
    expect(rows[0].n).toBe(patients.length);
    const success = (await readObjects(bed.s3, bed.bucket, `${jobFolderKey(again)}SUCCESS/`))[0];
    expect(success.key.endsWith('SUCCESS/Patient.000.ndjson')).toBe(true);
    expect(success.text.trimEnd().split('\n').every((l) => JSON.parse(l).versionId === '2')).toBe(true);
  });
});
