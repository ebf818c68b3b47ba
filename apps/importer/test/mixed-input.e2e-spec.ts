import type { INestApplicationContext } from '@nestjs/common';
import type { JobRecord } from '@fhirlake/persistence';
import { gzipSync } from 'node:zlib';
import { assignedId } from '../src/resource-line.parser';
import { createDatastore, createImportTestBed, type ImportTestBed, jobFolderKey, putObject, readObjects, startImporter, storedResources, submitImport, waitForJob } from './import-harness';

const patient = (id: string, extra: Record<string, unknown> = {}) => JSON.stringify({ resourceType: 'Patient', id, ...extra });
/** Valid FHIR that this test's database refuses (a CHECK constraint added below): a server-side failure. */
const refusedReference = 'Practitioner/refused-by-the-server';

// Line numbers are 1-based and count blank lines.
const fileA = [
  `\ufeff${patient('p1')}`, // 1 ok (BOM)
  '', // 2 blank
  '{not json', // 3 customer: JSON
  '{"id":"x"}', // 4 customer: no resourceType
  '{"resourceType":"Foo","id":"x"}', // 5 customer: unknown type
  patient('bad id!'), // 6 customer: invalid id
  '{"resourceType":"Patient","gender":"female"}', // 7 ok: no id, one is assigned
  patient('p2', { gender: 'nonsense' }), // 8 customer: validation
  patient('big', { text: { status: 'generated', div: `<div xmlns="http://www.w3.org/1999/xhtml">${'x'.repeat(100_000)}</div>` } }), // 9 customer: too long
  '   ', // 10 blank
  patient('p1', { active: true }), // 11 ok: p1 again -> version 2
  '[1,2]', // 12 customer: not an object
  patient('p3', { generalPractitioner: [{ reference: refusedReference }] }), // 13 server error
  '{"resourceType":"Basic","id":"b1","code":{"text":"x"}}', // 14 ok
  patient('p4', { name: [{ family: 'has\u0000nul' }] }), // 15 customer: U+0000 (no trailing newline)
].join('\r\n');
const fileB = gzipSync([patient('g1'), patient('g2'), '{"resourceType":"Patient","id":"g3","birthDate":"not a date"}', ''].join('\n'));
const fileC = `${patient('c1')}\n`;

describe('an import mixing good and bad lines', () => {
  let bed: ImportTestBed;
  let importer: INestApplicationContext;
  let ds: string;
  let job: JobRecord;

  beforeAll(async () => {
    bed = await createImportTestBed('mixed-import');
    await bed.sql.query(`ALTER TABLE fhir_reference ADD CONSTRAINT refused_for_test CHECK (reference <> '${refusedReference}')`);
    await putObject(bed, 'mixed/a.ndjson', fileA);
    await putObject(bed, 'mixed/b.ndjson.gz', fileB);
    await putObject(bed, 'mixed/sub/c.json', fileC);
    await putObject(bed, 'mixed/folder/', '');
    importer = await startImporter(bed, { batchLines: 4 });
    ds = await createDatastore(bed.sql);
    job = await waitForJob(bed, (await submitImport(bed, ds, { input: `s3://${bed.bucket}/mixed` })).id);
  });
  afterAll(async () => {
    await importer?.close();
    await bed?.close();
  });

  it('completes with errors and exact counts (scanned = imported + customer + server errors)', async () => {
    expect(job.status).toBe('COMPLETED_WITH_ERRORS');
    expect(job.message).toMatch(/10 of 17 resource\(s\) were not imported \(9 customer error\(s\), 1 server error\(s\)\)/);
    const objects = await readObjects(bed.s3, bed.bucket, jobFolderKey(job));
    const manifest = JSON.parse(objects.find((o) => o.key.endsWith('manifest.json'))!.text);
    expect(manifest).toMatchObject({
      inputDataConfig: { s3Uri: `s3://${bed.bucket}/mixed` },
      numberOfScannedFiles: 3,
      numberOfFilesImported: 3,
      numberOfResourcesScanned: 17,
      numberOfResourcesImportedSuccessfully: 7,
      numberOfResourcesWithCustomerError: 9,
      numberOfResourcesWithServerError: 1,
    });
    expect(job.progress).toMatchObject({ TotalNumberOfResourcesScanned: 17, TotalNumberOfResourcesImported: 7, TotalNumberOfResourcesWithCustomerError: 9, TotalNumberOfFilesReadWithCustomerError: 2 });
  });

  it('writes one FAILURE line per bad input line, with its line number and an OperationOutcome', async () => {
    const objects = await readObjects(bed.s3, bed.bucket, `${jobFolderKey(job)}FAILURE/`);
    expect(objects.map((o) => o.key.split('/FAILURE/')[1])).toEqual(['a.ndjson', 'b.ndjson']);
    const failures = objects[0].text.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(failures.map((f) => f.line)).toEqual([3, 4, 5, 6, 8, 9, 12, 13, 15]);
    for (const f of failures) {
      expect(f.file).toBe(`s3://${bed.bucket}/mixed/a.ndjson`);
      expect(f.outcome.resourceType).toBe('OperationOutcome');
      expect(f.outcome.issue[0]).toMatchObject({ severity: 'error', diagnostics: expect.any(String) });
    }
    const codes = failures.map((f) => f.outcome.issue[0].code);
    expect(codes).toEqual(['structure', 'required', 'structure', 'value', expect.any(String), 'too-costly', 'structure', 'exception', 'invalid']);
    expect(failures[8].outcome.issue[0]).toMatchObject({ expression: ['Patient.name[0].family'], diagnostics: expect.stringContaining('U+0000') });
    expect(failures[5].outcome.issue[0].diagnostics).toMatch(/limit is 65536 bytes/);
    const gz = objects[1].text.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(gz.map((f) => [f.file, f.line])).toEqual([[`s3://${bed.bucket}/mixed/b.ndjson.gz`, 3]]);
  });

  it('stores the good lines (duplicate ids as consecutive versions, missing ids assigned) and reports them in SUCCESS', async () => {
    const stored = await storedResources(bed.sql, ds);
    const generated = assignedId(job.id, 'mixed/a.ndjson', 7);
    expect([...stored.keys()].sort()).toEqual(['Basic/b1', 'Patient/c1', 'Patient/g1', 'Patient/g2', 'Patient/p1', `Patient/${generated}`].sort());
    expect(stored.get('Patient/p1')).toMatchObject({ versionId: 2, resource: { resourceType: 'Patient', id: 'p1', active: true } });
    expect(stored.get(`Patient/${generated}`)!.resource).toMatchObject({ id: generated, gender: 'female' });
    const history = await bed.sql.query<{ v: number; active: boolean | null }>(
      `SELECT version_id AS v, (resource->>'active')::boolean AS active FROM fhir_resource_version WHERE datastore_id = $1 AND id = 'p1' ORDER BY 1`,
      [ds],
    );
    expect(history.rows).toEqual([{ v: 1, active: null }, { v: 2, active: true }]);

    const success = await readObjects(bed.s3, bed.bucket, `${jobFolderKey(job)}SUCCESS/`);
    expect(success.map((o) => o.key.split('/SUCCESS/')[1])).toEqual(['a.ndjson', 'b.ndjson', 'sub/c.json.ndjson']);
    expect(success[0].text.trimEnd().split('\n').map((l) => JSON.parse(l))).toEqual([
      { line: 1, resourceType: 'Patient', id: 'p1', versionId: '1' },
      { line: 7, resourceType: 'Patient', id: generated, versionId: '1' },
      { line: 11, resourceType: 'Patient', id: 'p1', versionId: '2' },
      { line: 14, resourceType: 'Basic', id: 'b1', versionId: '1' },
    ]);
    for (const o of success) expect(o.sse).toBe('aws:kms');
  });
});
