import { randomBytes } from 'node:crypto';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import {
  applyMigrations,
  ensureDatabase,
  migrationChecksum,
  MigrationHistoryError,
  quoteIdent,
  readMigrations,
} from './migration-runner';

// Runs against the real local Postgres in throwaway databases and temporary migration folders,
// so it never depends on the project's own migrations.
const SERVER_URL = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

const M1 = 'CREATE TABLE widget (id INT PRIMARY KEY, name TEXT NOT NULL);\n';
const M2 = "-- slow on purpose so concurrent runners overlap\nSELECT pg_sleep(0.2);\nINSERT INTO widget VALUES (1, 'one');\n";
const M3 = 'ALTER TABLE widget ADD COLUMN colour TEXT;\n';

function dbUrl(name: string): string {
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function withAdmin<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: SERVER_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function query<T extends object>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(sql, params)).rows;
  } finally {
    await c.end();
  }
}

async function writeMigration(dir: string, name: string, sql: string): Promise<void> {
  await mkdir(path.join(dir, name), { recursive: true });
  await writeFile(path.join(dir, name, 'migration.sql'), sql);
}

describe('migration runner', () => {
  const created: string[] = [];
  let dir: string;

  async function freshDatabase(): Promise<string> {
    // Named like the harness's per-run databases, so its teardown drops any a crash leaves behind.
    const runId = process.env.FHIRLAKE_TEST_RUN_ID ?? `${Date.now().toString(36)}0000`;
    const name = `fhirlake_test_${runId}_${randomBytes(5).toString('hex')}`;
    created.push(name);
    expect(await ensureDatabase(dbUrl(name))).toBe(true);
    return dbUrl(name);
  }

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'fhirlake-migrations-'));
    await writeMigration(dir, '20250101000000_create_widget', M1);
    await writeMigration(dir, '20250102000000_seed_widget', M2);
    await writeFile(path.join(dir, 'migration_lock.toml'), 'provider = "postgresql"\n');
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  afterAll(async () => {
    await withAdmin(async (c) => {
      for (const name of created) await c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
    });
  });

  it('ensureDatabase creates a missing database once', async () => {
    const url = await freshDatabase();
    expect(await ensureDatabase(url)).toBe(false);
  });

  it('reads migrations sorted by folder name and ignores the lock file', async () => {
    await writeMigration(dir, '20240101000000_earlier', 'SELECT 1;');
    const migrations = await readMigrations(dir);
    expect(migrations.map((m) => m.name)).toEqual([
      '20240101000000_earlier',
      '20250101000000_create_widget',
      '20250102000000_seed_widget',
    ]);
    expect(await readMigrations(path.join(dir, 'missing'))).toEqual([]);
  });

  it('applies pending migrations once and records them as Prisma does', async () => {
    const url = await freshDatabase();
    const logged: string[] = [];
    const first = await applyMigrations(url, { migrationsDir: dir, log: (m) => logged.push(m) });
    expect(first.applied).toEqual(['20250101000000_create_widget', '20250102000000_seed_widget']);
    expect(logged).toEqual(first.applied.map((n) => `applying ${n}`));

    const rows = await query<{ migration_name: string; checksum: string; finished_at: Date | null; applied_steps_count: number }>(
      url,
      'SELECT migration_name, checksum, finished_at, applied_steps_count FROM _prisma_migrations ORDER BY migration_name',
    );
    expect(rows).toEqual([
      expect.objectContaining({ migration_name: first.applied[0], checksum: migrationChecksum(M1), applied_steps_count: 1 }),
      expect.objectContaining({ migration_name: first.applied[1], checksum: migrationChecksum(M2), applied_steps_count: 1 }),
    ]);
    expect(rows.every((r) => r.finished_at instanceof Date)).toBe(true);
    expect(migrationChecksum(M1)).toMatch(/^[0-9a-f]{64}$/);

    expect((await applyMigrations(url, { migrationsDir: dir })).applied).toEqual([]);

    await writeMigration(dir, '20250103000000_add_colour', M3);
    expect((await applyMigrations(url, { migrationsDir: dir })).applied).toEqual(['20250103000000_add_colour']);
    expect(await query(url, 'SELECT id, name, colour FROM widget')).toEqual([{ id: 1, name: 'one', colour: null }]);
  });

  it('refuses to continue when an applied migration was modified', async () => {
    const url = await freshDatabase();
    await applyMigrations(url, { migrationsDir: dir });
    await writeMigration(dir, '20250101000000_create_widget', M1 + '-- edited\n');
    await writeMigration(dir, '20250103000000_add_colour', M3);
    await expect(applyMigrations(url, { migrationsDir: dir })).rejects.toThrow(MigrationHistoryError);
    await expect(applyMigrations(url, { migrationsDir: dir })).rejects.toThrow(
      /20250101000000_create_widget was modified after it was applied/,
    );
    // Nothing after the mismatch was applied.
    expect(await query(url, "SELECT 1 FROM _prisma_migrations WHERE migration_name LIKE '%add_colour'")).toEqual([]);
  });

  it('accepts a checkout whose line endings changed', async () => {
    const url = await freshDatabase();
    await applyMigrations(url, { migrationsDir: dir });
    await writeMigration(dir, '20250101000000_create_widget', M1.replace(/\n/g, '\r\n'));
    expect((await applyMigrations(url, { migrationsDir: dir })).applied).toEqual([]);
  });

  it('refuses to continue after an unfinished (failed) migration row', async () => {
    const url = await freshDatabase();
    await applyMigrations(url, { migrationsDir: dir });
    await query(
      url,
      `INSERT INTO _prisma_migrations (id, checksum, migration_name, applied_steps_count)
       VALUES ('00000000-0000-0000-0000-000000000001', $1, '20250103000000_add_colour', 0)`,
      [migrationChecksum(M3)],
    );
    await writeMigration(dir, '20250103000000_add_colour', M3);
    await expect(applyMigrations(url, { migrationsDir: dir })).rejects.toThrow(/add_colour started but never finished/);

    // Once resolved as rolled back (what `prisma migrate resolve --rolled-back` does) it is retried.
    await query(url, 'UPDATE _prisma_migrations SET rolled_back_at = now() WHERE finished_at IS NULL');
    expect((await applyMigrations(url, { migrationsDir: dir })).applied).toEqual(['20250103000000_add_colour']);
  });

  it('rolls back a failing migration without recording it, so a fixed file can be rerun', async () => {
    const url = await freshDatabase();
    await writeMigration(dir, '20250103000000_add_colour', 'ALTER TABLE widget ADD COLUMN colour TEXT;\nSELECT no_such_fn();\n');
    await expect(applyMigrations(url, { migrationsDir: dir })).rejects.toThrow(/add_colour failed and was rolled back/);
    const cols = await query(url, "SELECT 1 FROM information_schema.columns WHERE table_name = 'widget' AND column_name = 'colour'");
    expect(cols).toEqual([]);
    await writeMigration(dir, '20250103000000_add_colour', M3);
    expect((await applyMigrations(url, { migrationsDir: dir })).applied).toEqual(['20250103000000_add_colour']);
  });

  it('serializes concurrent runners: every migration is applied exactly once', async () => {
    const url = await freshDatabase();
    const results = await Promise.all([1, 2, 3, 4].map(() => applyMigrations(url, { migrationsDir: dir })));
    const all = results.flatMap((r) => r.applied).sort();
    expect(all).toEqual(['20250101000000_create_widget', '20250102000000_seed_widget']);
    expect(await query(url, 'SELECT count(*)::int AS n FROM _prisma_migrations')).toEqual([{ n: 2 }]);
    expect(await query(url, 'SELECT count(*)::int AS n FROM widget')).toEqual([{ n: 1 }]);
  });

  it('handles an empty or missing migrations folder', async () => {
    const url = await freshDatabase();
    expect((await applyMigrations(url, { migrationsDir: path.join(dir, 'none') })).applied).toEqual([]);
    expect(await query(url, 'SELECT count(*)::int AS n FROM _prisma_migrations')).toEqual([{ n: 0 }]);
  });

  it('honours the ?schema= parameter Prisma URLs carry', async () => {
    const url = await freshDatabase();
    const withSchema = `${url}?schema=fhir`;
    expect((await applyMigrations(withSchema, { migrationsDir: dir })).applied).toHaveLength(2);
    expect(await query(url, 'SELECT count(*)::int AS n FROM fhir._prisma_migrations')).toEqual([{ n: 2 }]);
  });
});
