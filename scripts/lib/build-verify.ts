import { existsSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';

/** One `require()` of the compiled output that would fail (or pull a dev-only package) at run time. */
export interface BadRequire {
  file: string;
  specifier: string;
  reason: string;
  /** Works today only because another production package brings it in (hoisted): declare it. */
  warning?: boolean;
}

/** What the production image installs, from package.json and package-lock.json. */
export interface ProductionPackages {
  /** package.json `dependencies`. */
  declared: ReadonlySet<string>;
  /** Top-level `node_modules/<name>` that `npm ci --omit=dev` installs (transitive, hoisted). */
  hoisted: ReadonlySet<string>;
}

// SWC's CommonJS output: static imports and `await import()` both become require("...").
const REQUIRE = /\brequire\(\s*["']([^"']+)["']\s*\)/g;

const BUILTINS = new Set(builtinModules);

/** Whether Node's CommonJS resolver finds `target` (file, .js, .json, or folder index). */
function resolvesLocally(target: string): boolean {
  const candidates = [target, `${target}.js`, `${target}.json`, path.join(target, 'index.js')];
  return candidates.some((c) => existsSync(c) && statSync(c).isFile());
}

/** `@scope/name/sub/path` -> `@scope/name`; `name/sub` -> `name`. */
export function packageNameOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

/**
 * Checks every require of the compiled files: relative ones must resolve inside the output (the
 * `@fhirlake/*` aliases were rewritten), none may still name `@fhirlake/*`, and packages must be
 * Node built-ins or production `dependencies` (the image installs nothing else).
 */
export function verifyRequires(outDir: string, jsFiles: readonly string[], packages: ProductionPackages): BadRequire[] {
  const bad: BadRequire[] = [];
  for (const rel of jsFiles) {
    const file = path.join(outDir, rel);
    for (const match of readFileSync(file, 'utf8').matchAll(REQUIRE)) {
      const specifier = match[1] ?? '';
      if (specifier.startsWith('.')) {
        if (!resolvesLocally(path.resolve(path.dirname(file), specifier))) bad.push({ file: rel, specifier, reason: 'does not resolve in the output' });
      } else if (specifier.startsWith('@fhirlake/')) {
        bad.push({ file: rel, specifier, reason: 'path alias not rewritten' });
      } else if (!specifier.startsWith('node:') && !BUILTINS.has(specifier) && !packages.declared.has(packageNameOf(specifier))) {
        const hoisted = packages.hoisted.has(packageNameOf(specifier));
        bad.push({
          file: rel,
          specifier,
          reason: hoisted ? 'is not in package.json dependencies (installed only as a transitive dependency)' : 'is not installed in production (dev-only or missing)',
          warning: hoisted,
        });
      }
    }
  }
  return bad;
}

/** Reads the production package sets from `root`'s package.json and package-lock.json. */
export function readProductionPackages(root: string): ProductionPackages {
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as {
    packages?: Record<string, { dev?: boolean; devOptional?: boolean; link?: boolean }>;
  };
  const hoisted = new Set<string>();
  for (const [key, entry] of Object.entries(lock.packages ?? {})) {
    const name = key.startsWith('node_modules/') ? key.slice('node_modules/'.length) : undefined;
    // Only top-level entries resolve from our code; dev(-optional) ones are omitted by --omit=dev.
    if (name && !name.includes('/node_modules/') && !entry.dev && !entry.devOptional) hoisted.add(name);
  }
  return { declared: new Set(Object.keys(pkg.dependencies ?? {})), hoisted };
}
