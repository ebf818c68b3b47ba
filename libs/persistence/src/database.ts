import { Pool, type PoolClient, types } from 'pg';

// Return BIGINT (int8) as JS numbers: our counters stay far below 2^53 and callers expect numbers.
types.setTypeParser(types.builtins.INT8, (value) => Number(value));

/** A `pg` pool for the hot paths (FHIR writes, bulk import/export) that need exact SQL, cursors and COPY. */
export function createPgPool(databaseUrl: string, max = 10, applicationName = 'fhirlake'): Pool {
  const pool = new Pool({ connectionString: databaseUrl, max, application_name: applicationName });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  return pool;
}

/** Runs `work` in a transaction on a client of `pool`: committed if it resolves, rolled back if it throws. */
export async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
