import { useTestDatabase } from '@fhirlake/testing';
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { type BulkResource, renderResources } from './bulk-resource-rows';
import { writeRenderedBatch } from './bulk-resource-writer';
import { createPgPool, inTransaction } from './database';
import { FhirResourceRepository } from './fhir-resource.repository';

const hex = () => randomUUID().replace(/-/g, '');
const observation = (id: string, patient: string, status = 'final'): BulkResource => ({
  resourceType: 'Observation',
  id,
  bodyJson: JSON.stringify({ status, subject: { reference: `Patient/${patient}` } }),
  references: [{ path: 'subject', reference: `Patient/${patient}`, targetType: 'Patient', targetId: patient }],
});

describe('writeRenderedBatch (real Postgres)', () => {
  const db = useTestDatabase();
  let pool: Pool;
  let repo: FhirResourceRepository;
  let ds: string;

  beforeAll(() => {
    pool = createPgPool(db.url, 4);
    repo = new FhirResourceRepository(pool);
  });
  beforeEach(async () => {
    ds = hex();
    await pool.query(`INSERT INTO datastore (id, status) VALUES ($1, 'ACTIVE')`, [ds]);
  });
  afterAll(() => pool.end());

  const write = (resources: BulkResource[], assumeNew: boolean) => inTransaction(pool, (c) => writeRenderedBatch(c, renderResources(ds, resources), { assumeNew }));
  const referencesOf = (id: string) => repo.referencesOf(ds, 'Observation', id);

  it.each([true, false])('stores new ids as version 1 with their references (assumeNew %s)', async (assumeNew) => {
    const versions = await write([observation('o1', 'a'), observation('o2', 'b')], assumeNew);
    expect(versions.map((v) => v.versionId)).toEqual([1, 1]);
    expect(await repo.read(ds, 'Observation', 'o2')).toMatchObject({ versionId: 1, resource: { status: 'final', meta: { versionId: '1' } } });
    expect((await referencesOf('o1')).map((r) => r.reference)).toEqual(['Patient/a']);
  });

  it('assuming new ids, still makes a new version of an id already stored (the insert is rolled back and redone)', async () => {
    await write([observation('o1', 'a')], true);
    const versions = await write([observation('o0', 'x'), observation('o1', 'b', 'amended'), observation('o3', 'c')], true);
    expect(versions.map((v) => v.versionId)).toEqual([1, 2, 1]);
    expect(await repo.read(ds, 'Observation', 'o1')).toMatchObject({ versionId: 2, resource: { status: 'amended' } });
    expect((await repo.history(ds, 'Observation', 'o1', 10)).versions.map((v) => v.versionId)).toEqual([2, 1]);
    // The superseded version's references are gone, the new ones indexed once.
    expect((await referencesOf('o1')).map((r) => r.reference)).toEqual(['Patient/b']);
    expect((await referencesOf('o0')).map((r) => r.reference)).toEqual(['Patient/x']);
    const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM fhir_resource WHERE datastore_id = $1', [ds]);
    expect(rows[0].n).toBe(3);
  });

  it('assuming new ids, gives an id repeated in the batch consecutive versions', async () => {
    const versions = await write([observation('o1', 'a'), observation('o1', 'b', 'amended')], true);
    expect(versions.map((v) => v.versionId)).toEqual([1, 2]);
    expect((await referencesOf('o1')).map((r) => r.reference)).toEqual(['Patient/b']);
  });

  it('makes a deleted resource live again as its next version', async () => {
    await write([observation('o1', 'a')], true);
    await repo.delete(ds, 'Observation', 'o1');
    expect((await write([observation('o1', 'a')], true)).map((v) => v.versionId)).toEqual([3]);
  });
});
