import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const REPO_ROOT = path.resolve(__dirname, '../../..');
const SYNTHEA = path.join('shared', 'fixtures', 'synthea-10');

/** The git origin of this checkout when it is a folder on this machine (a clone of a local repository). */
function localOrigin(): string | undefined {
  try {
    const url = execFileSync('git', ['-C', REPO_ROOT, 'remote', 'get-url', 'origin'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dir = url.startsWith('file://') ? url.slice('file://'.length) : url;
    return path.isAbsolute(dir) && existsSync(dir) ? dir : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The shared Synthea fixture (`shared/fixtures/synthea-10`, next to the project root): beside this
 * checkout, or beside the repository it was cloned from (a clean clone elsewhere, as in a CI check).
 * Falls back to the first place, so a missing fixture fails naming where it was expected.
 */
export function syntheaFixtureDir(): string {
  const beside = path.resolve(REPO_ROOT, '..', SYNTHEA);
  if (existsSync(beside)) return beside;
  const origin = localOrigin();
  const besideOrigin = origin && path.resolve(origin, '..', SYNTHEA);
  return besideOrigin && existsSync(besideOrigin) ? besideOrigin : beside;
}
