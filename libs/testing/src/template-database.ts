import { createHash } from 'node:crypto';
import {
  applyMigrations,
  readMigrations,
  type MigrationFile,
} from '@fhirlake/persistence/src/migration-runner';
import type { Client } from 'pg';
import { dropDatabases, quoteIdent, testDatabaseUrl, withAdminClient } from './postgres-admin';

// The migration runner is imported by file, not through `@fhirlake/persistence`'s index, so the
// harness never loads the generated Prisma client or any repository code.

/** Template databases are named `fhirlake_test_template_<hash of the migrations>`. */
export const TEMPLATE_DB_PREFIX = 'fhirlake_test_template_';

/** Advisory lock key ("fhlt") serializing template builds across concurrent test runs. */
const TEMPLATE_LOCK_KEY = 0x66686c74;

/** Templates kept besides the current one (other branches/worktrees may still want theirs). */
const OLD_TEMPLATES_KEPT = 4;

/** Short hash of every migration's name and script: a new or edited migration gives a new template. */
export function migrationsHash(migrations: MigrationFile[]): string {
  const hash = createHash('sha256');
  for (const m of migrations) hash.update(`${m.name}\0${m.sql}\0`);
  return hash.digest('hex').slice(0, 12);
}

/** Options for {@link prepareTemplateDatabase}. */
export interface TemplateOptions {
  /** Default: the repository's `prisma/migrations`. */
  migrationsDir?: string;
  log?: (msg: string) => void;
  /** Drop all but the newest few other templates after building one (default true). */
  pruneOld?: boolean;
}

/**
 * Returns the name of a template database with every migration applied, building it if no
 * template exists for the current migrations. Built under a temporary name and renamed when
 * complete, so a crashed build never leaves a half-migrated template behind; an advisory lock
 * stops concurrent test runs from building it twice. Templates refuse connections, since
 * `CREATE DATABASE ... TEMPLATE` fails while anyone is connected to the template.
 */
export async function prepareTemplateDatabase(options: TemplateOptions = {}): Promise<string> {
  const log = options.log ?? (() => undefined);
  const migrations = await readMigrations(options.migrationsDir);
  const name = `${TEMPLATE_DB_PREFIX}${migrationsHash(migrations)}`;
  return withAdminClient(async (admin) => {
    await admin.query('SELECT pg_advisory_lock($1)', [TEMPLATE_LOCK_KEY]);
    try {
      const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (found.rowCount) return name;

      const building = `${name}_wip`;
      log(`building test template ${name} (${migrations.length} migrations)`);
      await dropDatabases(admin, [building]);
      await admin.query(`CREATE DATABASE ${quoteIdent(building)}`);
      try {
        await applyMigrations(testDatabaseUrl(building), { migrationsDir: options.migrationsDir });
      } catch (err) {
        await dropDatabases(admin, [building]);
        throw err;
      }
      await admin.query(`ALTER DATABASE ${quoteIdent(building)} RENAME TO ${quoteIdent(name)}`);
      await admin.query(`ALTER DATABASE ${quoteIdent(name)} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false`);
      if (options.pruneOld ?? true) await pruneOldTemplates(admin, name);
      return name;
    } finally {
      await admin.query('SELECT pg_advisory_unlock($1)', [TEMPLATE_LOCK_KEY]).catch(() => undefined);
    }
  });
}

/** Drops all but the newest few templates (by oid, i.e. creation order) so they don't pile up. */
async function pruneOldTemplates(admin: Client, keep: string): Promise<void> {
  const { rows } = await admin.query<{ datname: string }>(
    `SELECT datname FROM pg_database
      WHERE starts_with(datname, $1) AND datname <> $2 AND datname NOT LIKE '%\\_wip'
      ORDER BY oid DESC OFFSET $3`,
    [TEMPLATE_DB_PREFIX, keep, OLD_TEMPLATES_KEPT],
  );
  for (const { datname } of rows) {
    try {
      await admin.query(`ALTER DATABASE ${quoteIdent(datname)} WITH IS_TEMPLATE false`);
      await dropDatabases(admin, [datname]);
    } catch {
      // Another run is cloning it right now: leave it for a later prune.
    }
  }
}
