// `npm run migrate`: create the database if needed and apply pending Prisma migrations without
// Prisma's schema engine (see libs/persistence/src/migration-runner.ts).
import { applyMigrations, ensureDatabase } from '../libs/persistence/src/migration-runner';

const DEFAULT_DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/fhirlake';

/** The URL without its password, for printing. */
function redact(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  if (url.password) url.password = '***';
  return url.toString();
}

async function main(): Promise<void> {
  const databaseUrl = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
  console.log(`migrate: ${redact(databaseUrl)}`);
  if (await ensureDatabase(databaseUrl)) console.log('created database');
  const { applied } = await applyMigrations(databaseUrl, { log: (msg) => console.log(msg) });
  console.log(applied.length ? `applied ${applied.length} migration(s)` : 'database is up to date');
}

main().catch((err: unknown) => {
  console.error(`migrate failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
