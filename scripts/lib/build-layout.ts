import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** The repository root (this file is scripts/lib/build-layout.ts). */
export const ROOT = path.resolve(__dirname, '../..');

/** Default output folder; `dist/<path>.js` mirrors `<path>.ts` so relative requires keep working. */
export const DEFAULT_OUT_DIR = path.join(ROOT, 'dist');

/** Folders whose TypeScript is compiled (recursively). */
export const SOURCE_ROOTS = ['apps', 'libs'] as const;

/** Scripts that must run from the image without TypeScript tooling. */
export const SHIPPED_SCRIPTS = ['scripts/migrate.ts'] as const;

/**
 * Folders copied verbatim. `libs/persistence/src/migration-runner.ts` finds migrations at
 * `../../../prisma/migrations` from its own folder, i.e. `dist/prisma/migrations` once built.
 */
export const COPIED_DIRS = ['prisma'] as const;

/** The generated Prisma client (gitignored, TypeScript); the build fails clearly when it is missing. */
export const PRISMA_CLIENT_DIR = 'libs/persistence/src/generated/prisma';

/** The entry point of each app, relative to the output folder. */
export const APP_ENTRY_POINTS = {
  'api-gateway': 'apps/api-gateway/src/main.js',
  'job-coordinator': 'apps/job-coordinator/src/main.js',
  importer: 'apps/importer/src/main.js',
  exporter: 'apps/exporter/src/main.js',
} as const;

/** Test-only code: never shipped. `libs/testing` is the test harness as a whole. */
const EXCLUDED_DIR_NAMES = new Set(['node_modules', 'test', 'tests', '__tests__', 'bench', 'testing', '__mocks__']);
const EXCLUDED_PATHS = new Set(['libs/testing']);
const EXCLUDED_FILE = /(\.spec|\.e2e-spec|\.test|\.bench)\.ts$|\.d\.ts$/;

/** Files one build handles, as repository-relative POSIX paths. */
export interface BuildInputs {
  /** TypeScript to compile. */
  sources: string[];
  /** Non-TypeScript files under a `src/` folder (JSON, SQL, ...) that code may read at run time. */
  assets: string[];
}

const toPosix = (p: string): string => p.split(path.sep).join('/');

/** Every file under `dir` (repository-relative), skipping test-only folders. */
function walk(root: string, dir: string, out: string[]): void {
  for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = toPosix(path.join(dir, entry.name));
    if (entry.isDirectory()) {
      if (!EXCLUDED_DIR_NAMES.has(entry.name) && !EXCLUDED_PATHS.has(rel)) walk(root, rel, out);
    } else if (entry.isFile()) {
      out.push(rel);
    }
  }
}

/** Selects what the build compiles and copies from `apps/` and `libs/` (plus shipped scripts). */
export function collectInputs(root = ROOT): BuildInputs {
  const files: string[] = [];
  for (const dir of SOURCE_ROOTS) walk(root, dir, files);
  const sources = files.filter((f) => f.endsWith('.ts') && !EXCLUDED_FILE.test(f));
  // Project metadata (package.json, project.json, README) lives outside src/ and is not needed at run time.
  const assets = files.filter((f) => !f.endsWith('.ts') && f.includes('/src/'));
  return { sources: [...sources, ...SHIPPED_SCRIPTS].sort(), assets: assets.sort() };
}

/** `apps/x/src/main.ts` -> `apps/x/src/main.js` (relative to the output folder). */
export function outputPathOf(source: string): string {
  return source.replace(/\.ts$/, '.js');
}

/** tsconfig.base.json's `paths` (the `@fhirlake/*` aliases), which SWC rewrites to relative requires. */
export function readPathAliases(root = ROOT): Record<string, string[]> {
  const tsconfig = JSON.parse(readFileSync(path.join(root, 'tsconfig.base.json'), 'utf8')) as {
    compilerOptions?: { paths?: Record<string, string[]> };
  };
  const paths = tsconfig.compilerOptions?.paths;
  if (!paths || Object.keys(paths).length === 0) throw new Error('tsconfig.base.json has no compilerOptions.paths');
  return paths;
}
