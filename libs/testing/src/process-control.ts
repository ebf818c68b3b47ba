import { readFileSync } from 'node:fs';
import { waitFor } from './wait-for';

/** Whether `pid` is still running (a zombie counts as gone). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // kill(0) succeeds on a zombie; /proc tells the state ("pid (comm) S ...").
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.charAt(stat.lastIndexOf(')') + 2) !== 'Z';
  } catch {
    return true; // no /proc (not Linux): trust kill(0)
  }
}

/** Sends `signal` to `pid`, or to its whole process group when it leads one (a detached child). */
export function signalProcess(pid: number, signal: NodeJS.Signals, group: boolean): void {
  try {
    process.kill(group ? -pid : pid, signal);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ESRCH' && group) return signalProcess(pid, signal, false); // not a group leader after all
    if (code !== 'ESRCH') throw err;
  }
}

/**
 * Stops `pid` with SIGTERM, then SIGKILL after `graceMs`.
 * @returns whether SIGKILL was needed.
 */
export async function stopProcess(pid: number, { group = false, graceMs = 5_000 } = {}): Promise<boolean> {
  if (!isProcessAlive(pid)) return false;
  signalProcess(pid, 'SIGTERM', group);
  try {
    await waitFor(() => !isProcessAlive(pid), { timeoutMs: graceMs, intervalMs: 50 });
    return false;
  } catch {
    signalProcess(pid, 'SIGKILL', group);
    await waitFor(() => !isProcessAlive(pid), { timeoutMs: 5_000, intervalMs: 50, description: `pid ${pid} to exit` });
    return true;
  }
}
