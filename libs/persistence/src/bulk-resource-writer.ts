import type { PoolClient } from 'pg';
import {
  type BulkResource,
  type BulkWrittenVersion,
  REFERENCE_COPY_COLUMNS,
  type RenderedResources,
  renderResources,
  RESOURCE_COPY_COLUMNS,
  stampRows,
} from './bulk-resource-rows';
import { copyTextRows } from './copy-text-rows';
import { byteRangeAt, StampBuffer } from './marked-bytes';
import { DatastoreUnavailableError, UNIQUE_VIOLATION } from './fhir-resource.types';
import { enterWriteFence } from './write-fence';

export type { BulkResource, BulkWrittenVersion } from './bulk-resource-rows';

interface CurrentRow {
  ctid: string;
  resource_type: string;
  id: string;
  version_id: number;
  last_updated_us: string;
}

/** A current row locked by this transaction (its ctid is stable until we change it). */
interface LockedVersion {
  ctid: string;
  versionId: number;
  micros: number;
}

/** Connections known to support lz4 TOAST compression (Postgres built with lz4). */
const lz4Clients = new WeakMap<object, boolean>();

/**
 * lz4 rather than the default pglz for values this transaction TOASTs: several times cheaper to
 * compress, and transparent to readers. Skipped where the server lacks lz4.
 */
async function preferLz4(client: PoolClient): Promise<void> {
  let supported = lz4Clients.get(client);
  if (supported === undefined) {
    const { rows } = await client.query<{ ok: boolean }>(
      `SELECT 'lz4' = ANY(enumvals) AS ok FROM pg_settings WHERE name = 'default_toast_compression'`,
    );
    supported = rows[0]?.ok === true;
    lz4Clients.set(client, supported);
  }
  if (supported) await client.query(`SET LOCAL default_toast_compression = 'lz4'`);
}

const keyOf = (resourceType: string, id: string) => `${resourceType}/${id}`;

/** Each connection's buffer for a fresh batch's stamped rows (free again once its COPY is done). */
const stampBuffers = new WeakMap<object, StampBuffer>();

function stampBufferOf(client: PoolClient): StampBuffer {
  let buffer = stampBuffers.get(client);
  if (!buffer) stampBuffers.set(client, (buffer = new StampBuffer()));
  return buffer;
}

/** Formats epoch microseconds as a FHIR instant with six fractional digits, e.g. 2026-01-02T03:04:05.123456Z. */
export function formatInstantMicros(micros: number): string {
  const millis = Math.floor(micros / 1000);
  return `${new Date(millis).toISOString().slice(0, 23)}${String(micros - millis * 1000).padStart(3, '0')}Z`;
}

/**
 * Writes many resources the way {@link FhirResourceRepository.write} writes one (a FHIR PUT with
 * the resource's own id): new version = previous + 1, lastUpdated strictly after the previous
 * version and stamped inside the datastore's write fence, meta stamped, the superseded version moved
 * to history, the new one made current and the reference index replaced. An id given twice gets two
 * consecutive versions in input order.
 *
 * Runs inside the caller's open transaction on `client` (so the caller can commit checkpoints
 * atomically with the data); throws {@link DatastoreUnavailableError} unless the datastore is
 * ACTIVE. Returns the version of each resource, in input order.
 */
export async function writeResourceBatch(client: PoolClient, datastoreId: string, resources: readonly BulkResource[]): Promise<BulkWrittenVersion[]> {
  return writeRenderedBatch(client, renderResources(datastoreId, resources));
}

/** Options of {@link writeRenderedBatch}. */
export interface RenderedBatchOptions {
  /**
   * Expect only ids not stored yet (a fresh load): insert without looking up current versions
   * first, and fall back to the full path if one exists after all (the insert's unique violation
   * is rolled back). Worth it while batches keep meeting new ids only.
   */
  assumeNew?: boolean;
}

/**
 * {@link writeResourceBatch} for resources already rendered as rows (by the importer's parse
 * threads): here only their versions and timestamps are filled in.
 */
export async function writeRenderedBatch(client: PoolClient, batch: RenderedResources, options: RenderedBatchOptions = {}): Promise<BulkWrittenVersion[]> {
  const { datastoreId } = batch;
  await enterWriteFence(client, datastoreId);
  // Stamp time taken after entering the fence: an export's snapshot time is then either after
  // this commit or before every timestamp stamped here.
  const { rows: state } = await client.query<{ status: string; now_us: string }>(
    `SELECT status, (extract(epoch FROM clock_timestamp()) * 1000000)::bigint::text AS now_us FROM datastore WHERE id = $1`,
    [datastoreId],
  );
  if (state[0]?.status !== 'ACTIVE') throw new DatastoreUnavailableError(datastoreId, state[0]?.status);
  const count = batch.ids.length;
  if (count === 0) return [];
  const now = Number(state[0].now_us);
  // The common case, new ids each given once: one version and timestamp for the whole batch, and
  // the rendered strings go to COPY as they are.
  const fresh: BulkWrittenVersion = { versionId: 1, lastUpdated: formatInstantMicros(now) };
  await preferLz4(client);
  if (options.assumeNew && (await insertNew(client, batch, fresh))) return new Array<BulkWrittenVersion>(count).fill(fresh);

  const latest = await lockCurrentVersions(client, datastoreId, batch.types, batch.ids);
  const superseded = { ctids: [] as string[], types: [] as string[], ids: [] as string[] };
  for (const [key, row] of latest) {
    const slash = key.indexOf('/');
    superseded.ctids.push(row.ctid);
    superseded.types.push(key.slice(0, slash));
    superseded.ids.push(key.slice(slash + 1));
  }

  let currentRows: Uint8Array[];
  const historyRows: Uint8Array[] = [];
  let references: Uint8Array[];
  const versions: BulkWrittenVersion[] = new Array(count);
  const seen = new Map<string, { versionId: number; micros: number; last: number }>();
  for (let i = 0; i < count; i++) {
    const key = keyOf(batch.types[i], batch.ids[i]);
    const previous = seen.get(key) ?? latest.get(key);
    if (previous === undefined) {
      versions[i] = fresh;
      seen.set(key, { versionId: 1, micros: now, last: i });
      continue;
    }
    const micros = Math.max(now, previous.micros + 1);
    const versionId = previous.versionId + 1;
    versions[i] = { versionId, lastUpdated: formatInstantMicros(micros) };
    seen.set(key, { versionId, micros, last: i });
  }
  if (superseded.ids.length === 0 && seen.size === count) {
    currentRows = [stampRows(batch.rows, fresh, stampBufferOf(client))];
    references = [batch.references];
  } else {
    // Each id's last version in the batch becomes its current row (and gets the reference index);
    // earlier ones in the batch go straight to history, as do the current rows they supersede.
    currentRows = [];
    references = [];
    for (let i = 0; i < count; i++) {
      const row = stampRows(byteRangeAt(batch.rows, batch.rowEnds, i), versions[i]);
      if (seen.get(keyOf(batch.types[i], batch.ids[i]))!.last !== i) {
        historyRows.push(row);
        continue;
      }
      currentRows.push(row);
      references.push(byteRangeAt(batch.references, batch.referenceEnds, i));
    }
  }

  if (superseded.ids.length > 0) {
    // Rows locked above (found by ctid): their current version moves to history, their references go
    // (probed per id, for the same reason as in lockCurrentVersions).
    await client.query(
      `WITH moved AS (
         DELETE FROM fhir_resource r WHERE r.ctid = ANY($1::tid[])
          RETURNING r.datastore_id, r.resource_type, r.id, r.version_id, r.last_updated, r.deleted, r.resource)
       INSERT INTO fhir_resource_history (datastore_id, resource_type, id, version_id, last_updated, deleted, resource)
       SELECT * FROM moved`,
      [superseded.ctids],
    );
    await client.query(
      `DELETE FROM fhir_reference WHERE ctid = ANY(ARRAY(
         SELECT f.ctid FROM unnest($2::text[], $3::text[]) AS k(t, i)
          CROSS JOIN LATERAL (SELECT ctid FROM fhir_reference f WHERE f.datastore_id = $1 AND f.source_type = k.t AND f.source_id = k.i OFFSET 0) f))`,
      [datastoreId, superseded.types, superseded.ids],
    );
  }
  await copyTextRows(client, `fhir_resource_history (${RESOURCE_COPY_COLUMNS})`, historyRows);
  // A concurrent create of one of these ids fails the batch with a unique violation (the caller
  // retries it), as it would a PUT.
  await copyTextRows(client, `fhir_resource (${RESOURCE_COPY_COLUMNS})`, currentRows);
  await copyTextRows(client, `fhir_reference (${REFERENCE_COPY_COLUMNS})`, references);
  return versions;
}

/**
 * Inserts a batch of new ids as version 1, unless some id is given twice or already stored: then
 * it changes nothing and returns false.
 */
async function insertNew(client: PoolClient, batch: RenderedResources, fresh: BulkWrittenVersion): Promise<boolean> {
  const keys = new Set<string>();
  for (let i = 0; i < batch.ids.length; i++) keys.add(keyOf(batch.types[i], batch.ids[i]));
  if (keys.size !== batch.ids.length) return false;
  await client.query('SAVEPOINT bulk_insert_new');
  try {
    await copyTextRows(client, `fhir_resource (${RESOURCE_COPY_COLUMNS})`, stampRows(batch.rows, fresh, stampBufferOf(client)));
  } catch (error) {
    if ((error as { code?: unknown }).code !== UNIQUE_VIOLATION) throw error;
    await client.query('ROLLBACK TO SAVEPOINT bulk_insert_new');
    return false;
  }
  await client.query('RELEASE SAVEPOINT bulk_insert_new');
  await copyTextRows(client, `fhir_reference (${REFERENCE_COPY_COLUMNS})`, batch.references);
  return true;
}

/** Locks the current rows of the batch's resources (as a PUT does) and returns their versions. */
async function lockCurrentVersions(client: PoolClient, datastoreId: string, types: readonly string[], ids: readonly string[]): Promise<Map<string, LockedVersion>> {
  // Duplicate ids in the batch are harmless: FOR UPDATE takes the same row lock again.
  // Ordered, so concurrent lockers take row locks in the same order. One primary-key probe per id
  // (LATERAL with FOR UPDATE is never flattened into a join): while a bulk load grows the table the
  // planner's row estimates lag far behind, and a plain join turns into a hash join over the whole
  // datastore on every batch.
  const { rows } = await client.query<CurrentRow>(
    `SELECT r.ctid, r.resource_type, r.id, r.version_id, r.last_updated_us
       FROM (SELECT t, i FROM unnest($2::text[], $3::text[]) AS u(t, i) ORDER BY t COLLATE "C", i COLLATE "C") k
       CROSS JOIN LATERAL (
         SELECT r.ctid::text AS ctid, r.resource_type, r.id, r.version_id, (extract(epoch FROM r.last_updated) * 1000000)::bigint::text AS last_updated_us
           FROM fhir_resource r WHERE r.datastore_id = $1 AND r.resource_type = k.t AND r.id = k.i FOR UPDATE) r`,
    [datastoreId, types, ids],
  );
  return new Map(rows.map((row) => [keyOf(row.resource_type, row.id), { ctid: row.ctid, versionId: row.version_id, micros: Number(row.last_updated_us) }]));
}
