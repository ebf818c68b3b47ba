import { useTestDatabase } from '@fhirlake/testing';
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { createPgPool } from './database';
import { FhirResourceRepository } from './fhir-resource.repository';
import { DatastoreUnavailableError, WriteRejectedError } from './fhir-resource.types';
import { enterWriteFence, fixSnapshotTime } from './write-fence';

const hex = () => randomUUID().replace(/-/g, '');

describe('FhirResourceRepository and the write fence (real Postgres)', () => {
  const db = useTestDatabase();
  let pool: Pool;
  let repo: FhirResourceRepository;
  let ds: string;

  beforeAll(() => {
    pool = createPgPool(db.url, 12);
    repo = new FhirResourceRepository(pool);
  });
  beforeEach(async () => {
    ds = hex();
    await pool.query(`INSERT INTO datastore (id, status) VALUES ($1, 'ACTIVE')`, [ds]);
  });
  afterAll(() => pool.end());

  it('gives concurrent writers of one new id consecutive versions, none lost', async () => {
    const writes = Array.from({ length: 8 }, (_, i) => repo.write(ds, { resourceType: 'Patient', id: 'race', active: i % 2 === 0 }, []));
    const versions = (await Promise.all(writes)).map((w) => w.stored.versionId).sort((a, b) => a - b);
    expect(versions).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const { versions: history } = await repo.history(ds, 'Patient', 'race', 100);
    const stamps = history.map((v) => v.lastUpdated);
    expect([...stamps].sort().reverse()).toEqual(stamps);
    expect(new Set(stamps).size).toBe(8);
    expect((await repo.read(ds, 'Patient', 'race'))!.versionId).toBe(8);
  });

  it('keeps meta other than versionId/lastUpdated and replaces the reference index on each write', async () => {
    const first = await repo.write(ds, { resourceType: 'Observation', id: 'o', meta: { profile: ['p'], versionId: '42' } }, [
      { path: 'subject', reference: 'Patient/a', targetType: 'Patient', targetId: 'a' },
    ]);
    expect(first.stored.resource!.meta).toEqual({ profile: ['p'], versionId: '1', lastUpdated: first.stored.lastUpdated });
    await repo.write(ds, { resourceType: 'Observation', id: 'o' }, [{ path: 'subject', reference: 'Patient/b', targetType: 'Patient', targetId: 'b' }]);
    expect(await repo.referencesOf(ds, 'Observation', 'o')).toEqual([{ path: 'subject', reference: 'Patient/b', targetType: 'Patient', targetId: 'b' }]);
    await repo.delete(ds, 'Observation', 'o');
    expect(await repo.referencesOf(ds, 'Observation', 'o')).toEqual([]);
  });

  it('rejects stale If-Match and writes to inactive datastores without writing anything', async () => {
    await repo.write(ds, { resourceType: 'Patient', id: 'p' }, []);
    await expect(repo.write(ds, { resourceType: 'Patient', id: 'p' }, [], { ifMatch: 5 })).rejects.toBeInstanceOf(WriteRejectedError);
    await pool.query(`UPDATE datastore SET status = 'DELETING' WHERE id = $1`, [ds]);
    await expect(repo.write(ds, { resourceType: 'Patient', id: 'q' }, [])).rejects.toBeInstanceOf(DatastoreUnavailableError);
    const { rows } = await pool.query('SELECT count(*)::int AS n FROM fhir_resource_version WHERE datastore_id = $1', [ds]);
    expect(rows[0].n).toBe(1);
  });

  it('fixes a snapshot time only after in-flight writers commit, and later writes are stamped after it', async () => {
    // A writer holds the fence (as a slow transaction would) while the snapshot is requested.
    const writer = await pool.connect();
    await writer.query('BEGIN');
    await enterWriteFence(writer, ds);
    const snapshotClient = await pool.connect();
    let fixedAt = 0;
    const snapshot = fixSnapshotTime(snapshotClient, ds).then((t) => {
      fixedAt = Date.now();
      return t;
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(fixedAt).toBe(0);
    const { rows } = await writer.query<{ t: string }>("SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') AS t");
    await writer.query('COMMIT');
    writer.release();
    const t = await snapshot;
    snapshotClient.release();
    expect(fixedAt).toBeGreaterThan(0);
    expect(rows[0].t < t).toBe(true);
    const later = await repo.write(ds, { resourceType: 'Patient', id: 'after' }, []);
    expect(later.stored.lastUpdated > t).toBe(true);
  });
});
