import type { Pool } from 'pg';

const PURGE_BATCH_ROWS = 5000;
const PURGED_TABLES = ['fhir_reference', 'fhir_resource', 'fhir_resource_history'] as const;

/** Removes every resource, version and reference of a datastore, in batches so no transaction grows large. */
export async function purgeDatastoreData(pool: Pool, datastoreId: string): Promise<number> {
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
