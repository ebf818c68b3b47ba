import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import path from 'node:path';

// Only Node built-ins here: this runs before we know node_modules is usable.

function mtimeMs(file: string): number | undefined {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

/**
 * Why `npm install` is needed in `root`, or `undefined` if node_modules is up to date: it is
 * missing, or older than package-lock.json (judged by npm's own node_modules/.package-lock.json).
 */
export function dependenciesOutOfDate(root: string): string | undefined {
  const installed = mtimeMs(path.join(root, 'node_modules', '.package-lock.json')) ?? mtimeMs(path.join(root, 'node_modules'));
  if (installed === undefined) return 'node_modules is missing';
  const lock = mtimeMs(path.join(root, 'package-lock.json'));
  if (lock !== undefined && lock > installed) return 'node_modules is older than package-lock.json';
  return undefined;
}

/** Runs `npm install` in `root` with inherited output; throws if it fails. */
export function npmInstall(root: string): void {
  const result = spawnSync('npm', ['install'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`npm install failed (${result.status ?? result.signal ?? result.error?.message})`);
}
