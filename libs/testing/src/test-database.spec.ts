import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { readMigrations } from '@fhirlake/persistence/src/migration-runner';
import { quoteIdent, testDatabaseUrl, withAdminClient } from './postgres-admin';
import { migrationsHash, prepareTemplateDatabase, TEMPLATE_DB_PREFIX } from './template-database';
import {
  createTestDatabase,
  dropRunDatabases,
  dropStaleTestDatabases,
  newTestRunId,
  uniqueRedisPrefix,
  useTestDatabase,
} from './test-database';

async function query<T extends object>(url: string, sql: string): Promise<T[]> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(sql)).rows;
  } finally {
    await c.end();
  }
}

async function databaseExists(name: string): Promise<boolean> {
  return withAdminClient(async (c) => Boolean((await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount));
}

async function dropTemplate(name: string): Promise<void> {
  await withAdminClient(async (c) => {
    await c.query(`ALTER DATABASE ${quoteIdent(name)} WITH IS_TEMPLATE false`).catch(() => undefined);
    await c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
  });
}

describe('test databases', () => {
  const db = useTestDatabase();

  it('gives each test file a database cloned from the migrated template', async () => {
    expect(process.env.FHIRLAKE_TEST_TEMPLATE_DB).toMatch(new RegExp(`^${TEMPLATE_DB_PREFIX}[0-9a-f]{12}$`));
    expect(db.name).toMatch(new RegExp(`^fhirlake_test_${process.env.FHIRLAKE_TEST_RUN_ID}_[0-9a-f]{8}$`));
    const rows = await query<{ migration_name: string }>(db.url, 'SELECT migration_name FROM _prisma_migrations ORDER BY 1');
    expect(rows.map((r) => r.migration_name)).toEqual((await readMigrations()).map((m) => m.name));
  });

  it('creates databases concurrently from one template and drops them', async () => {
    const dbs = await Promise.all([1, 2, 3].map(() => createTestDatabase()));
    expect(new Set(dbs.map((d) => d.name)).size).toBe(3);
    // A connection left open must not block the drop.
    const leaked = new Client({ connectionString: dbs[0].url });
    await leaked.connect();
    leaked.on('error', () => undefined);
    for (const d of dbs) await d.drop();
    expect(await Promise.all(dbs.map((d) => databaseExists(d.name)))).toEqual([false, false, false]);
    await leaked.end().catch(() => undefined);
  });

  it('rebuilds the template if it disappeared mid-run', async () => {
    const template = process.env.FHIRLAKE_TEST_TEMPLATE_DB;
    process.env.FHIRLAKE_TEST_TEMPLATE_DB = `${TEMPLATE_DB_PREFIX}000000000000`;
    try {
      const other = await createTestDatabase();
      expect(process.env.FHIRLAKE_TEST_TEMPLATE_DB).toBe(template);
      await other.drop();
    } finally {
      process.env.FHIRLAKE_TEST_TEMPLATE_DB = template;
    }
  });

  it('drops the databases of one run, and stale ones of crashed runs', async () => {
    const oldRun = (Date.now() - 7 * 3600_000).toString(36) + 'abcd';
    const otherRun = newTestRunId();
    const names = [`fhirlake_test_${oldRun}_0badc0de`, `fhirlake_test_${otherRun}_00000001`];
    await withAdminClient(async (c) => {
      for (const n of names) await c.query(`CREATE DATABASE ${quoteIdent(n)}`);
    });
    expect(await dropStaleTestDatabases()).toContain(names[0]);
    expect(await databaseExists(names[0])).toBe(false);
    expect(await databaseExists(names[1])).toBe(true); // recent run: left alone
    expect(await dropRunDatabases(otherRun)).toEqual([names[1]]);
    expect(await databaseExists(names[1])).toBe(false);
    expect(await databaseExists(db.name)).toBe(true);
  });
});

describe('template database', () => {
  let dir: string;
  const built: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'fhirlake-template-'));
  });

  afterAll(async () => {
    // Never drop the run's own template (an empty prisma/migrations would hash the same).
    for (const name of built) if (name !== process.env.FHIRLAKE_TEST_TEMPLATE_DB) await dropTemplate(name);
    await rm(dir, { recursive: true, force: true });
  });

  it('builds once per set of migrations, even when asked concurrently', async () => {
    await mkdir(path.join(dir, '20250101000000_a'), { recursive: true });
    await writeFile(path.join(dir, '20250101000000_a', 'migration.sql'), 'CREATE TABLE template_probe (id INT);\n');
    await mkdir(path.join(dir, '20250102000000_b'), { recursive: true });
    await writeFile(path.join(dir, '20250102000000_b', 'migration.sql'), 'INSERT INTO template_probe VALUES (42);\n');
    const expected = `${TEMPLATE_DB_PREFIX}${migrationsHash(await readMigrations(dir))}`;
    if (expected !== process.env.FHIRLAKE_TEST_TEMPLATE_DB) await dropTemplate(expected); // left by an interrupted run

    const names = await Promise.all([1, 2, 3].map(() => prepareTemplateDatabase({ migrationsDir: dir, pruneOld: false })));
    built.push(expected);
    expect(names).toEqual([expected, expected, expected]);
    const info = await withAdminClient(async (c) =>
      (await c.query('SELECT datistemplate, datallowconn FROM pg_database WHERE datname = $1', [expected])).rows,
    );
    expect(info).toEqual([{ datistemplate: true, datallowconn: false }]);
    expect(await databaseExists(`${expected}_wip`)).toBe(false);

    // A clone carries the migrated schema and data.
    const clone = `fhirlake_test_${process.env.FHIRLAKE_TEST_RUN_ID}_cafef00d`;
    await withAdminClient((c) => c.query(`CREATE DATABASE ${quoteIdent(clone)} TEMPLATE ${quoteIdent(expected)}`));
    expect(await query(testDatabaseUrl(clone), 'SELECT id FROM template_probe')).toEqual([{ id: 42 }]);
    await withAdminClient((c) => c.query(`DROP DATABASE ${quoteIdent(clone)}`));
  });

  it('handles an empty migrations folder', async () => {
    const empty = await mkdtemp(path.join(tmpdir(), 'fhirlake-empty-'));
    const name = await prepareTemplateDatabase({ migrationsDir: empty, pruneOld: false });
    built.push(name);
    expect(name).toBe(`${TEMPLATE_DB_PREFIX}${migrationsHash([])}`);
    await rm(empty, { recursive: true });
  });
});

describe('uniqueRedisPrefix', () => {
  it('is unique, labelled and colon-terminated', () => {
    const a = uniqueRedisPrefix('Import Queue');
    expect(a).toMatch(/^fhirlake-test:import-queue-[0-9a-f]{8}:$/);
    expect(uniqueRedisPrefix('import queue')).not.toBe(a);
  });
});
