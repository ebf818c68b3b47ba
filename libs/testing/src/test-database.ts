import { randomBytes } from 'node:crypto';
import { dropDatabases, quoteIdent, testDatabaseUrl, withAdminClient } from './postgres-admin';
import { prepareTemplateDatabase } from './template-database';

/**
 * Per-test-file Postgres databases, cloned from a migrated template (`CREATE DATABASE ... TEMPLATE`
 * takes milliseconds, running the migrations does not). Names carry the test run's id so the
 * global teardown can drop exactly the databases its own run created.
 */

/** Every database the harness creates starts with this. */
export const TEST_DB_PREFIX = 'fhirlake_test_';

/** A new run id: 8 base36 chars of the current time (so stale runs can be recognised) + 4 random. */
export function newTestRunId(): string {
  return Date.now().toString(36).padStart(8, '0') + randomBytes(3).toString('hex').slice(0, 4);
}

/** This process's run id, from the global setup, or a new one for a run without it. */
function currentRunId(): string {
  process.env.FHIRLAKE_TEST_RUN_ID ||= newTestRunId();
  return process.env.FHIRLAKE_TEST_RUN_ID;
}

/** A database created for one test file. */
export interface TestDatabase {
  /** Connection URL, e.g. for `DATABASE_URL`. */
  url: string;
  name: string;
  /** Drops the database (ending any connection still open). */
  drop(): Promise<void>;
}

/**
 * Creates `fhirlake_test_<runid>_<random>` from the migrated template (the global setup's, or one
 * built now when running without it). Call once per test file, e.g. in `beforeAll`.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `${TEST_DB_PREFIX}${currentRunId()}_${randomBytes(4).toString('hex')}`;
  const create = (template: string) =>
    withAdminClient((c) => c.query(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE ${quoteIdent(template)}`));
  try {
    await create(process.env.FHIRLAKE_TEST_TEMPLATE_DB || (await prepareTemplateDatabase()));
  } catch (err) {
    // 3D000: the template is gone (pruned by a concurrent run on other migrations): rebuild it.
    if ((err as { code?: string }).code !== '3D000') throw err;
    process.env.FHIRLAKE_TEST_TEMPLATE_DB = await prepareTemplateDatabase();
    await create(process.env.FHIRLAKE_TEST_TEMPLATE_DB);
  }
  return {
    name,
    url: testDatabaseUrl(name),
    drop: () => withAdminClient((c) => dropDatabases(c, [name])),
  };
}

/**
 * Registers `beforeAll`/`afterAll` hooks giving the calling test file its own database.
 * @returns an object whose `url`/`name` are readable once `beforeAll` has run.
 */
export function useTestDatabase(): { readonly url: string; readonly name: string } {
  let db: TestDatabase | undefined;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });
  const current = (): TestDatabase => {
    if (!db) throw new Error('useTestDatabase(): the database exists only once beforeAll has run');
    return db;
  };
  return {
    get url() {
      return current().url;
    },
    get name() {
      return current().name;
    },
  };
}

/** Drops every database created under run `runId`; returns their names. */
export async function dropRunDatabases(runId: string): Promise<string[]> {
  return withAdminClient(async (c) => {
    const { rows } = await c.query<{ datname: string }>(
      'SELECT datname FROM pg_database WHERE starts_with(datname, $1)',
      [`${TEST_DB_PREFIX}${runId}_`],
    );
    const names = rows.map((r) => r.datname);
    await dropDatabases(c, names);
    return names;
  });
}

/**
 * Drops test databases left behind by runs that started more than `maxAgeMs` ago (crashed or
 * killed runs never reach their teardown).
 */
export async function dropStaleTestDatabases(maxAgeMs = 6 * 3600_000): Promise<string[]> {
  return withAdminClient(async (c) => {
    const { rows } = await c.query<{ datname: string }>(
      "SELECT datname FROM pg_database WHERE datname ~ '^fhirlake_test_[0-9a-z]{12}_[0-9a-f]+$'",
    );
    const stale = rows
      .map((r) => r.datname)
      .filter((name) => Date.now() - Number.parseInt(name.slice(TEST_DB_PREFIX.length, TEST_DB_PREFIX.length + 8), 36) > maxAgeMs);
    await dropDatabases(c, stale);
    return stale;
  });
}

/** A Redis key prefix no other test (or dev data) uses, e.g. `fhirlake-test:queues-3f9a0c1e:`. */
export function uniqueRedisPrefix(label = 'test'): string {
  const safe = label.toLowerCase().replace(/[^a-z0-9-]+/g, '-').slice(0, 40);
  return `fhirlake-test:${safe}-${randomBytes(4).toString('hex')}:`;
}
