import { mkdir, open, readFile, stat, unlink } from 'node:fs/promises';
import path from 'node:path';

/** Options for {@link withFileLock}. */
export interface FileLockOptions {
  /** Give up waiting for another holder after this long (default 10 min). */
  timeoutMs?: number;
  /** A lock file older than this is presumed abandoned (default 15 min). */
  staleMs?: number;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes a lock whose holder died or that is older than `staleMs`; true if it removed one. */
async function removeIfStale(lockPath: string, staleMs: number): Promise<boolean> {
  try {
    const [text, info] = await Promise.all([readFile(lockPath, 'utf8'), stat(lockPath)]);
    const pid = Number.parseInt(text, 10);
    const dead = Number.isInteger(pid) && pid > 0 && !isAlive(pid);
    if (!dead && Date.now() - info.mtimeMs < staleMs) return false;
    await unlink(lockPath);
    return true;
  } catch (err) {
    // Released (or removed by another waiter) between our checks: just retry.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw err;
  }
}

/**
 * Runs `fn` while holding an exclusive lock file (created with O_EXCL, holding our pid), so
 * concurrent processes on this machine run it one at a time. Locks left by dead processes are
 * taken over.
 */
export async function withFileLock<T>(lockPath: string, fn: () => Promise<T>, options: FileLockOptions = {}): Promise<T> {
  const { timeoutMs = 10 * 60_000, staleMs = 15 * 60_000 } = options;
  await mkdir(path.dirname(lockPath), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const handle = await open(lockPath, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (await removeIfStale(lockPath, staleMs)) continue;
      if (Date.now() > deadline) throw new Error(`Timed out waiting for lock ${lockPath}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  try {
    return await fn();
  } finally {
    await unlink(lockPath).catch(() => undefined);
  }
}
