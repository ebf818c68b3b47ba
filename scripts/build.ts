// `npm run build`: compiles apps/ and libs/ (no specs, tests or benches), the generated Prisma
// client and scripts/migrate.ts to dist/ with @swc/core, mirroring the source layout so relative
// requires hold; copies prisma/ (migrations) alongside. Usage: build.ts [--out-dir <dir>]
import { transformFile, type Options } from '@swc/core';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  APP_ENTRY_POINTS,
  COPIED_DIRS,
  DEFAULT_OUT_DIR,
  PRISMA_CLIENT_DIR,
  ROOT,
  collectInputs,
  outputPathOf,
  readPathAliases,
} from './lib/build-layout';
import { readProductionPackages, verifyRequires } from './lib/build-verify';

function parseOutDir(argv: readonly string[]): string {
  const i = argv.indexOf('--out-dir');
  if (i === -1) return DEFAULT_OUT_DIR;
  const value = argv[i + 1];
  if (!value) throw new Error('--out-dir needs a folder');
  const outDir = path.resolve(value);
  // The folder is deleted first: only allow places where that is harmless.
  const allowed = [path.join(ROOT, 'tmp'), os.tmpdir()].some((base) => outDir.startsWith(base + path.sep));
  if (outDir !== DEFAULT_OUT_DIR && !allowed) throw new Error(`refusing to build into ${outDir} (use dist/, tmp/ or the OS temp folder)`);
  return outDir;
}

/** .swcrc (shared with @swc-node/register and @swc/jest) plus the alias rewriting and source maps. */
function swcOptions(outFile: string): Options {
  const swcrc = JSON.parse(readFileSync(path.join(ROOT, '.swcrc'), 'utf8')) as Options;
  return {
    ...swcrc,
    swcrc: false,
    configFile: false,
    jsc: { ...swcrc.jsc, baseUrl: ROOT, paths: readPathAliases() },
    sourceMaps: true,
    outputPath: outFile, // makes the map's `sources` relative to the emitted file
  };
}

/** Runs `fn` over `items` with at most `limit` in flight (SWC transforms on its own thread pool). */
async function mapLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

async function compile(source: string, outDir: string): Promise<void> {
  const outRel = outputPathOf(source);
  const outFile = path.join(outDir, outRel);
  const { code, map } = await transformFile(path.join(ROOT, source), swcOptions(outFile));
  mkdirSync(path.dirname(outFile), { recursive: true });
  const mapName = `${path.basename(outFile)}.map`;
  writeFileSync(outFile, `${code}\n//# sourceMappingURL=${mapName}\n`);
  if (map) writeFileSync(`${outFile}.map`, map);
}

async function main(): Promise<void> {
  const started = Date.now();
  const outDir = parseOutDir(process.argv.slice(2));
  if (!existsSync(path.join(ROOT, PRISMA_CLIENT_DIR, 'client.ts'))) {
    throw new Error(`${PRISMA_CLIENT_DIR}/client.ts is missing: run \`npm run prisma:generate\` first`);
  }
  const { sources, assets } = collectInputs();
  rmSync(outDir, { recursive: true, force: true });
  await mapLimit(sources, Math.max(2, os.availableParallelism()), (source) => compile(source, outDir));
  for (const asset of assets) cpSync(path.join(ROOT, asset), path.join(outDir, asset));
  for (const dir of COPIED_DIRS) cpSync(path.join(ROOT, dir), path.join(outDir, dir), { recursive: true });

  const emitted = sources.map(outputPathOf);
  const checked = verifyRequires(outDir, emitted, readProductionPackages(ROOT));
  for (const w of checked.filter((b) => b.warning)) console.warn(`build: warning: ${w.file}: require("${w.specifier}") ${w.reason}`);
  const bad = checked.filter((b) => !b.warning);
  if (bad.length) {
    for (const b of bad) console.error(`  ${b.file}: require("${b.specifier}") ${b.reason}`);
    throw new Error(`${bad.length} bad require(s) in the output`);
  }
  const missing = Object.values(APP_ENTRY_POINTS).filter((entry) => !existsSync(path.join(outDir, entry)));
  if (missing.length) throw new Error(`entry points missing from the output: ${missing.join(', ')}`);

  const rel = path.relative(process.cwd(), outDir) || '.';
  console.log(`build: ${sources.length} files compiled, ${assets.length} assets and ${COPIED_DIRS.join(', ')}/ copied to ${rel}/ in ${Date.now() - started} ms`);
}

main().catch((err: unknown) => {
  console.error(`build failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
