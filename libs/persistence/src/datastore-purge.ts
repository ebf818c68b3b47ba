import type { Pool } from 'pg';
import { drainWriters } from './write-fence';

const PURGE_BATCH_ROWS = 5000;
const PURGED_TABLES = ['fhir_reference', 'fhir_resource', 'fhir_resource_history'] as const;

/**
 * Removes every resource, version and reference of a datastore that is already marked DELETING,
 * in batches so no transaction grows large. Writers still in flight are drained first.
 */
export async function purgeDatastoreData(pool: Pool, datastoreId: string): Promise<number> {
  const client = await pool.connect();
  try {
    await drainWriters(client, datastoreId);
  } finally {
    client.release();
  }
  let removed = 0;
  for (const table of PURGED_TABLES) {
    for (;;) {
      const { rowCount } = await pool.query(
        `DELETE FROM ${table} WHERE ctid IN (SELECT ctid FROM ${table} WHERE datastore_id = $1 LIMIT ${PURGE_BATCH_ROWS})`,
        [datastoreId],
      );
      removed += rowCount ?? 0;
      if (!rowCount) break;
    }
  }
  return removed;
}
