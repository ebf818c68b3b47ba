import type { PoolClient } from 'pg';

/** Advisory-lock class id for the per-datastore write fence (second key is hashtext(datastore id)). */
const WRITE_FENCE_LOCK_CLASS = 0x46484c01;

/**
 * Every write transaction holds this fence in shared mode until it commits, and stamps its
 * `last_updated` only after taking it. An export takes it in exclusive mode to fix its
 * transactionTime: that waits for in-flight writers, so every write is either committed with
 * last_updated <= T or stamped after T. This is what makes "snapshot as of T" exact.
 */
export async function enterWriteFence(client: PoolClient, datastoreId: string): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock_shared($1, hashtext($2))', [WRITE_FENCE_LOCK_CLASS, datastoreId]);
}

/**
 * Fixes a snapshot time T for `datastoreId`: no write with last_updated <= T is still in flight,
 * and every later write is stamped after T. Returns T with microsecond precision (ISO 8601).
 */
export async function fixSnapshotTime(client: PoolClient, datastoreId: string): Promise<string> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [WRITE_FENCE_LOCK_CLASS, datastoreId]);
    const { rows } = await client.query<{ t: string }>(`SELECT ${SQL_NOW_ISO} AS t`);
    // Hold the fence a moment past T so no later writer can draw the same microsecond.
    await client.query('SELECT pg_sleep(0.002)');
    await client.query('COMMIT');
    return rows[0].t;
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
}

/** SQL expression: the current clock as a FHIR instant with microseconds, e.g. 2026-01-02T03:04:05.123456Z. */
export const SQL_NOW_ISO = `to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** Waits until every write transaction that entered the fence before now has finished. */
export async function drainWriters(client: PoolClient, datastoreId: string): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [WRITE_FENCE_LOCK_CLASS, datastoreId]);
  } finally {
    await client.query('COMMIT');
  }
}
