import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Where the local stack keeps its state (gitignored). */
export const ROOT = path.resolve(__dirname, '../..');
export const STATE_DIR = path.join(ROOT, '.fhirlake');
export const RUN_DIR = path.join(STATE_DIR, 'run');
export const LOG_DIR = path.join(STATE_DIR, 'logs');

/** The apps `npm run up` starts, gateway first. */
export const APPS = ['api-gateway', 'job-coordinator', 'importer', 'exporter'] as const;
export type AppName = (typeof APPS)[number];

export const MOTO = 'moto';
export const MOTO_PORT = 4566;

export const DEFAULTS = {
  databaseUrl: 'postgresql://postgres@127.0.0.1:5432/fhirlake',
  redisUrl: 'redis://127.0.0.1:6379',
  gatewayPort: 8080,
} as const;

export const logFile = (name: string): string => path.join(LOG_DIR, `${name}.log`);
export const pidFile = (name: string): string => path.join(RUN_DIR, `${name}.pid`);
export const appMain = (app: AppName): string => path.join('apps', app, 'src', 'main.ts');

/** Text that the command line of the process recorded under `name` must contain. */
function commandMarker(name: string): string {
  return name === MOTO ? 'moto_server' : appMain(name as AppName);
}

/** The pid recorded for `name`, if any. */
export function readPid(name: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(pidFile(name), 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function writePid(name: string, pid: number): void {
  mkdirSync(RUN_DIR, { recursive: true });
  writeFileSync(pidFile(name), `${pid}\n`);
}

export function removePid(name: string): void {
  rmSync(pidFile(name), { force: true });
}

/** Names that have a pid file. */
export function recordedNames(): string[] {
  try {
    return readdirSync(RUN_DIR)
      .filter((f) => f.endsWith('.pid'))
      .map((f) => f.slice(0, -'.pid'.length));
  } catch {
    return [];
  }
}

/**
 * Whether `pid` is still the process we started as `name`: a pid file can outlive its process
 * (reboot, crash) and the pid be reused by something unrelated, which we must never signal.
 */
export function isStackProcess(name: string, pid: number, isAlive: (pid: number) => boolean): boolean {
  if (!isAlive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').includes(commandMarker(name));
  } catch {
    return true; // no /proc (not Linux): trust the liveness check
  }
}
