/**
 * What both benchmarks need to run a worker the way production does and to measure it: the
 * `npm run build` output under plain node (or the sources through swc-node), its peak RSS, and
 * CPU time used by a process and by the whole machine.
 */
import { type AppProcess, spawnApp } from '@fhirlake/testing';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const BUILD_DIR = path.join(ROOT, 'tmp', 'bench-build');
/** USER_HZ: the unit of /proc CPU times on Linux. */
const CLOCK_TICKS = 100;

export type BenchRuntime = 'dist' | 'swc';

/** `--runtime dist|swc` from the command line; dist (the production build) by default. */
export function benchRuntime(argv: readonly string[]): BenchRuntime {
  const runtime = argv.includes('--runtime') ? argv[argv.indexOf('--runtime') + 1] : 'dist';
  if (runtime !== 'dist' && runtime !== 'swc') throw new Error('--runtime must be dist or swc');
  return runtime;
}

/** Compiles the apps as `npm run build` does, into tmp/ (gitignored). */
export function buildApps(): void {
  const built = spawnSync(process.execPath, ['-r', '@swc-node/register', 'scripts/build.ts', '--out-dir', BUILD_DIR], { cwd: ROOT, encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`build failed:\n${built.stdout}${built.stderr}`);
}

/**
 * Starts `app` from the build made by {@link buildApps} (or from source) with `nodeOptions`, and
 * BENCH_NODE_ARGS (e.g. `--trace-gc`, which NODE_OPTIONS refuses) on the build's command line.
 */
export function startApp(runtime: BenchRuntime, app: string, env: Record<string, string>, nodeOptions: string): AppProcess {
  if (runtime === 'swc') return spawnApp(app, { ...env, NODE_OPTIONS: nodeOptions });
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, path.join(BUILD_DIR, 'apps', app, 'src', 'main.js')], {
    cwd: ROOT,
    env: { ...process.env, NODE_OPTIONS: nodeOptions, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return {
    child,
    output: () => output,
    exited,
    async waitForOutput(pattern, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(output)) {
        if (child.exitCode !== null || Date.now() > deadline) throw new Error(`${app}: ${pattern} not seen; output:\n${output.slice(-3000)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}

/** A process's VmHWM (peak RSS) or VmRSS in MB; 0 once it is gone. */
export function memoryMb(pid: number, field: 'VmHWM' | 'VmRSS' = 'VmHWM'): number {
  try {
    return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

/** CPU seconds (user + system) a process has used so far; 0 once it is gone. */
export function processCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/** Busy CPU seconds of the whole machine so far (every core, everything but idle and iowait). */
export function machineBusySeconds(): number {
  const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const [user, nice, system, , , irq, softirq, steal] = ticks.map(Number);
  return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS;
}
