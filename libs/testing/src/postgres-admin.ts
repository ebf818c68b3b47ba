import { Client } from 'pg';

/** URL of the Postgres server the tests use; `TEST_DATABASE_URL` overrides the local default. */
export function testServerUrl(): string {
  return process.env.TEST_DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/postgres';
}

/** `testServerUrl()` pointing at database `name`. */
export function testDatabaseUrl(name: string): string {
  const url = new URL(testServerUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

/** Runs `fn` with a client on the server's `postgres` database. */
export async function withAdminClient<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: testDatabaseUrl('postgres'), application_name: 'fhirlake-test' });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(`Postgres for tests is not reachable (${new URL(testServerUrl()).host}): ${(err as Error).message}`, {
      cause: err,
    });
  }
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Drops databases by name. */
export async function dropDatabases(client: Client, names: string[]): Promise<void> {
  // FORCE ends connections a test forgot to close instead of failing the drop.
  for (const name of names) await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
}

/** Quotes a Postgres identifier. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
