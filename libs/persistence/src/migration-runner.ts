import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Client, type ClientConfig } from 'pg';

/**
 * Applies `prisma/migrations/*\/migration.sql` the way `prisma migrate deploy` does, without
 * Prisma's native schema engine (which cannot be downloaded everywhere we run). The bookkeeping
 * (`_prisma_migrations` table, checksums, advisory lock) is Prisma's own, so the two tools can
 * be used interchangeably on the same database.
 */

/** Prisma's advisory lock key for migrations; sharing it serializes us with Prisma itself. */
export const PRISMA_MIGRATION_LOCK_KEY = 72707369;

/** The repository's `prisma/migrations` folder. */
export const DEFAULT_MIGRATIONS_DIR = path.resolve(__dirname, '../../../prisma/migrations');

/** One migration folder read from disk. */
export interface MigrationFile {
  /** Folder name, e.g. `20250101000000_init`; also the `migration_name` recorded in the table. */
  name: string;
  /** Contents of `migration.sql`. */
  sql: string;
  /** SHA-256 hex of the file contents, as Prisma records it. */
  checksum: string;
}

/** Options for {@link applyMigrations}. */
export interface ApplyMigrationsOptions {
  /** Folder holding one sub-folder per migration; defaults to {@link DEFAULT_MIGRATIONS_DIR}. */
  migrationsDir?: string;
  /** Progress messages (migration names only, never data). */
  log?: (msg: string) => void;
}

/** Thrown when the database's migration history disagrees with the files on disk. */
export class MigrationHistoryError extends Error {
  override readonly name = 'MigrationHistoryError';
}

const CREATE_TABLE_SQL = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

/** SHA-256 hex digest, the checksum Prisma stores for a migration script. */
export function migrationChecksum(sql: string): string {
  return createHash('sha256').update(sql, 'utf8').digest('hex');
}

/**
 * Whether a stored checksum matches a script. Like Prisma, tolerates a checkout that changed line
 * endings, and the unpadded hex that old Prisma versions wrote.
 */
function checksumMatches(stored: string, sql: string): boolean {
  const variants = new Set([sql, sql.replace(/\r\n/g, '\n'), sql.replace(/\r?\n/g, '\r\n')]);
  for (const variant of variants) {
    const digest = createHash('sha256').update(variant, 'utf8').digest();
    const padded = digest.toString('hex');
    const unpadded = Array.from(digest, (b) => b.toString(16)).join('');
    if (stored === padded || stored === unpadded) return true;
  }
  return false;
}

/** Reads every `<dir>/<name>/migration.sql`, sorted by folder name. A missing folder yields `[]`. */
export async function readMigrations(migrationsDir = DEFAULT_MIGRATIONS_DIR): Promise<MigrationFile[]> {
  let entries;
  try {
    entries = await readdir(migrationsDir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const names = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  const migrations: MigrationFile[] = [];
  for (const name of names) {
    let sql: string;
    try {
      sql = await readFile(path.join(migrationsDir, name, 'migration.sql'), 'utf8');
    } catch (err) {
      // Prisma skips folders without a script (e.g. one being written right now).
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    migrations.push({ name, sql, checksum: migrationChecksum(sql) });
  }
  return migrations;
}

/** Quotes a Postgres identifier. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** pg client config for a Prisma-style URL, plus the `?schema=` Prisma honours (default `public`). */
function clientConfig(databaseUrl: string): { config: ClientConfig; schema: string } {
  const url = new URL(databaseUrl);
  const schema = url.searchParams.get('schema') ?? 'public';
  url.searchParams.delete('schema');
  return { config: { connectionString: url.toString(), application_name: 'fhirlake-migrate' }, schema };
}

/**
 * Creates the database named in `databaseUrl` if it does not exist, connecting to the `postgres`
 * database of the same server. Safe to call concurrently.
 * @returns whether the database was created by this call.
 */
export async function ensureDatabase(databaseUrl: string): Promise<boolean> {
  const url = new URL(databaseUrl);
  const dbName = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!dbName) throw new Error('DATABASE_URL names no database');
  url.pathname = '/postgres';
  url.searchParams.delete('schema');
  const admin = new Client({ connectionString: url.toString(), application_name: 'fhirlake-migrate' });
  await admin.connect();
  try {
    const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [dbName]);
    if (found.rowCount) return false;
    try {
      await admin.query(`CREATE DATABASE ${quoteIdent(dbName)}`);
      return true;
    } catch (err) {
      if ((err as { code?: string }).code === '42P04') return false; // created concurrently
      throw err;
    }
  } finally {
    await admin.end();
  }
}

interface MigrationRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

/**
 * Applies every pending migration, each in its own transaction, recording it in
 * `_prisma_migrations` exactly as `prisma migrate deploy` would. Holds Prisma's advisory lock for
 * the whole run so concurrent runners (ours or Prisma's) serialize.
 *
 * @throws MigrationHistoryError if an applied migration's file changed, or a migration is recorded
 *   as started but never finished (a failed run, ours or Prisma's), or a migration fails.
 * @returns the names of the migrations applied by this call, in order.
 */
export async function applyMigrations(
  databaseUrl: string,
  options: ApplyMigrationsOptions = {},
): Promise<{ applied: string[] }> {
  const log = options.log ?? (() => undefined);
  const migrations = await readMigrations(options.migrationsDir);
  const { config, schema } = clientConfig(databaseUrl);
  const client = new Client(config);
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [PRISMA_MIGRATION_LOCK_KEY]);
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
      await client.query(`SET search_path TO ${quoteIdent(schema)}`);
      await client.query(CREATE_TABLE_SQL);
      const { rows } = await client.query<MigrationRow>(
        `SELECT migration_name, checksum, finished_at, rolled_back_at
           FROM "_prisma_migrations" ORDER BY started_at`,
      );
      const live = rows.filter((r) => r.rolled_back_at === null);
      checkHistory(live, migrations, log);
      const done = new Set(live.map((r) => r.migration_name));
      const applied: string[] = [];
      for (const migration of migrations) {
        if (done.has(migration.name)) continue;
        log(`applying ${migration.name}`);
        await applyOne(client, migration);
        applied.push(migration.name);
      }
      return { applied };
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [PRISMA_MIGRATION_LOCK_KEY]).catch(() => undefined);
    }
  } finally {
    await client.end();
  }
}

function checkHistory(live: MigrationRow[], migrations: MigrationFile[], log: (msg: string) => void): void {
  const failed = live.find((r) => r.finished_at === null);
  if (failed) {
    throw new MigrationHistoryError(
      `Migration ${failed.migration_name} started but never finished (a failed or interrupted run). ` +
        'Fix the database by hand, then mark it rolled back (`prisma migrate resolve --rolled-back ' +
        `${failed.migration_name}\`, or set rolled_back_at = now() on its _prisma_migrations row) and rerun.`,
    );
  }
  const files = new Map(migrations.map((m) => [m.name, m]));
  for (const row of live) {
    const file = files.get(row.migration_name);
    if (!file) {
      log(`warning: applied migration ${row.migration_name} is not in the migrations folder`);
      continue;
    }
    if (!checksumMatches(row.checksum, file.sql)) {
      throw new MigrationHistoryError(
        `Migration ${row.migration_name} was modified after it was applied ` +
          `(recorded checksum ${row.checksum}, file checksum ${file.checksum}). ` +
          'Restore the original file and add a new migration for the change.',
      );
    }
  }
}

async function applyOne(client: Client, migration: MigrationFile): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query(migration.sql);
    await client.query(
      `INSERT INTO "_prisma_migrations"
         (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count)
       VALUES ($1, $2, clock_timestamp(), $3, NULL, NULL, now(), 1)`,
      [randomUUID(), migration.checksum, migration.name],
    );
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    // The transaction rolled back, so nothing is recorded and a fixed file can simply be rerun.
    throw new MigrationHistoryError(
      `Migration ${migration.name} failed and was rolled back: ${(err as Error).message}`,
      { cause: err },
    );
  }
}
