import type { INestApplicationContext } from '@nestjs/common';
import { createDatastore, createImportTestBed, type ImportTestBed, jobFolderKey, putObject, readObjects, startImporter, storedResources, submitImport, waitForJob } from './import-harness';

// Batches of 3 lines; every 4th line is a new version of the same patient, so some neighbouring
// batches share a resource (they must commit one after the other) and the others may overlap.
const LINES = 90;
const lineText = (n: number) =>
  JSON.stringify(n % 4 === 0 ? { resourceType: 'Patient', id: 'shared', birthDate: `19${String(n).padStart(2, '0')}-01-01` } : { resourceType: 'Patient', id: `u${n}`, active: true });

describe('an import whose batches commit in overlapping transactions', () => {
  let bed: ImportTestBed;
  let importer: INestApplicationContext;

  beforeAll(async () => {
    bed = await createImportTestBed('overlapping-import');
    await putObject(bed, 'overlap/a.ndjson', Array.from({ length: LINES }, (_, i) => lineText(i + 1)).join('\n'));
    importer = await startImporter(bed, { batchLines: 3 });
  });
  afterAll(async () => {
    await importer?.close();
    await bed?.close();
  });

  it('stores every version in input order, exactly once, and reports each in SUCCESS', async () => {
    const ds = await createDatastore(bed.sql);
    const job = await waitForJob(bed, (await submitImport(bed, ds, { input: `s3://${bed.bucket}/overlap/` })).id);
    expect(job.status).toBe('COMPLETED');
    const sharedLines = Array.from({ length: LINES }, (_, i) => i + 1).filter((n) => n % 4 === 0);

    const stored = await storedResources(bed.sql, ds);
    expect(stored.size).toBe(LINES - sharedLines.length + 1);
    expect(stored.get('Patient/shared')).toMatchObject({ versionId: sharedLines.length, resource: { birthDate: `19${sharedLines.at(-1)}-01-01` } });
    const versions = await bed.sql.query<{ v: number; birth: string }>(
      `SELECT version_id AS v, resource->>'birthDate' AS birth FROM fhir_resource_version WHERE datastore_id = $1 AND id = 'shared' ORDER BY 1`,
      [ds],
    );
    expect(versions.rows).toEqual(sharedLines.map((n, i) => ({ v: i + 1, birth: `19${String(n).padStart(2, '0')}-01-01` })));
    // lastUpdated strictly increases with the version, as for successive PUTs.
    const stamps = await bed.sql.query<{ t: string }>(`SELECT last_updated::text AS t FROM fhir_resource_version WHERE datastore_id = $1 AND id = 'shared' ORDER BY version_id`, [ds]);
    expect(stamps.rows.map((r) => r.t)).toEqual([...stamps.rows.map((r) => r.t)].sort());
    expect(new Set(stamps.rows.map((r) => r.t)).size).toBe(sharedLines.length);

    const [success] = await readObjects(bed.s3, bed.bucket, `${jobFolderKey(job)}SUCCESS/`);
    const reported = success.text.trimEnd().split('\n').map((l) => JSON.parse(l) as { line: number; id: string; versionId: string });
    expect(reported.map((r) => r.line)).toEqual(Array.from({ length: LINES }, (_, i) => i + 1));
    expect(reported.filter((r) => r.id === 'shared').map((r) => r.versionId)).toEqual(sharedLines.map((_, i) => String(i + 1)));
    expect(job.progress).toMatchObject({ TotalNumberOfResourcesScanned: LINES, TotalNumberOfResourcesImported: LINES });
  });
});
