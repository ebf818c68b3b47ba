import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { access, constants, mkdir, open, readdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { withFileLock } from './file-lock';
import { signalProcess, stopProcess } from './process-control';
import { httpStatus, waitFor } from './wait-for';

/**
 * moto (https://github.com/getmoto/moto) emulates S3, KMS, IAM and STS for the local stack and the
 * tests. It is a Python package, installed into a project-local virtualenv on first use so a fresh
 * machine needs nothing but python3.
 */

/** The moto release we pin; bump it here and every machine reinstalls on next use. */
export const MOTO_VERSION = '5.2.5';

const REPO_ROOT = path.resolve(__dirname, '../../..');
const execFileAsync = promisify(execFile);

/** Options for {@link ensureMotoInstalled}. */
export interface EnsureMotoOptions {
  /** Where `.venv/` lives (default: the repository root). */
  rootDir?: string;
  /** Progress messages; defaults to stderr. */
  log?: (msg: string) => void;
}

async function exists(file: string, mode = constants.F_OK): Promise<boolean> {
  try {
    await access(file, mode);
    return true;
  } catch {
    return false;
  }
}

/** Whether the pinned moto version is installed in `venvDir` (looks for its dist-info, no Python spawn). */
async function hasPinnedMoto(venvDir: string): Promise<boolean> {
  if (!(await exists(path.join(venvDir, 'bin', 'moto_server'), constants.X_OK))) return false;
  let pythons: string[];
  try {
    pythons = (await readdir(path.join(venvDir, 'lib'))).filter((d) => d.startsWith('python'));
  } catch {
    return false;
  }
  for (const py of pythons) {
    if (await exists(path.join(venvDir, 'lib', py, 'site-packages', `moto-${MOTO_VERSION}.dist-info`))) return true;
  }
  return false;
}

async function run(cmd: string, args: string[], cwd: string): Promise<void> {
  try {
    await execFileAsync(cmd, args, { cwd, maxBuffer: 64 * 1024 * 1024 });
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string };
    const tail = `${e.stdout ?? ''}${e.stderr ?? ''}`.trim().split('\n').slice(-20).join('\n');
    throw new Error(`${cmd} ${args.join(' ')} failed: ${e.message}\n${tail}`, { cause: err });
  }
}

/**
 * Makes sure `moto[server]==MOTO_VERSION` is installed in `<root>/.venv` (creating the virtualenv
 * with `python3 -m venv` if needed) and returns the path of its `moto_server`. Fast when already
 * installed; concurrent callers are serialized by a lock file so only one installs.
 */
export async function ensureMotoInstalled(options: EnsureMotoOptions = {}): Promise<string> {
  const root = options.rootDir ?? REPO_ROOT;
  const log = options.log ?? ((msg: string) => process.stderr.write(`${msg}\n`));
  const venvDir = path.join(root, '.venv');
  const motoServer = path.join(venvDir, 'bin', 'moto_server');
  if (await hasPinnedMoto(venvDir)) return motoServer;

  return withFileLock(path.join(root, '.fhirlake', 'moto-install.lock'), async () => {
    if (await hasPinnedMoto(venvDir)) return motoServer; // another process installed it meanwhile
    const python = path.join(venvDir, 'bin', 'python');
    if (!(await exists(python, constants.X_OK))) {
      log(`moto: creating virtualenv ${venvDir}`);
      // --clear: a .venv without a working python (e.g. made by a Python since removed) is useless.
      await run(process.env.PYTHON ?? 'python3', ['-m', 'venv', '--clear', venvDir], root);
    }
    log(`moto: installing moto[server]==${MOTO_VERSION} (first run only, about a minute)`);
    await run(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', `moto[server]==${MOTO_VERSION}`], root);
    if (!(await hasPinnedMoto(venvDir))) throw new Error(`moto ${MOTO_VERSION} did not install into ${venvDir}`);
    log('moto: installed');
    return motoServer;
  });
}

/** Whether a moto server answers at `endpoint` (e.g. `http://127.0.0.1:4566`). */
export async function isMotoUp(endpoint: string): Promise<boolean> {
  const status = await httpStatus(`${endpoint.replace(/\/$/, '')}/moto-api/`);
  return status === 200 || status === 404;
}

/** Asks the OS for a free TCP port on 127.0.0.1. */
export function getFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Options for {@link startMoto}. */
export interface StartMotoOptions {
  /** Port to listen on; default a free one. */
  port?: number;
  /** Start in its own session so it outlives this process (for the local stack). */
  detached?: boolean;
  /** Append moto's output here; otherwise it is discarded. */
  logFile?: string;
  /** `moto_server` to run; default {@link ensureMotoInstalled}'s. */
  motoServerPath?: string;
  /** How long to wait for it to answer (default 30 s). */
  timeoutMs?: number;
}

/** A running moto server. */
export interface MotoServer {
  /** e.g. `http://127.0.0.1:4566`: use as `AWS_ENDPOINT_URL`. */
  endpoint: string;
  pid: number;
  /** SIGTERM, then SIGKILL after 5 s; resolves once the process is gone. */
  stop(): Promise<void>;
}

async function logTail(logFile: string | undefined): Promise<string> {
  if (!logFile) return '';
  const text = await readFile(logFile, 'utf8').catch(() => '');
  return text.trim().split('\n').slice(-15).join('\n');
}

/**
 * Spawns `moto_server -H 127.0.0.1 -p <port>` and resolves once it answers HTTP.
 * @throws if something already answers on the port (so we never attach to someone else's data),
 *   or if moto exits or does not answer in time.
 */
export async function startMoto(options: StartMotoOptions = {}): Promise<MotoServer> {
  const port = options.port ?? (await getFreePort());
  const endpoint = `http://127.0.0.1:${port}`;
  if ((await httpStatus(endpoint)) !== undefined) throw new Error(`Port ${port} is already in use (${endpoint} answers)`);
  const motoServer = options.motoServerPath ?? (await ensureMotoInstalled());
  const detached = options.detached ?? false;

  if (options.logFile) await mkdir(path.dirname(options.logFile), { recursive: true });
  const out = options.logFile ? await open(options.logFile, 'a') : undefined;
  let child: ChildProcess;
  try {
    child = spawn(motoServer, ['-H', '127.0.0.1', '-p', String(port)], {
      detached,
      stdio: out ? ['ignore', out.fd, out.fd] : 'ignore',
      // moto's request recorder (off until /moto-api/recorder/start-recording) writes here, not into the cwd.
      env: { MOTO_RECORDER_FILEPATH: path.join(tmpdir(), `fhirlake-moto-recording-${port}.jsonl`), ...process.env, PYTHONUNBUFFERED: '1' },
    });
  } finally {
    await out?.close();
  }
  const pid = child.pid;
  if (pid === undefined) {
    const error = await new Promise<Error>((resolve) => child.once('error', resolve));
    throw new Error(`Could not spawn ${motoServer}: ${error.message}`, { cause: error });
  }
  // Never keep the caller's event loop alive; an attached moto is killed when the caller exits.
  child.unref();
  const killOnExit = (): void => signalProcess(pid, 'SIGKILL', false);
  if (!detached) process.once('exit', killOnExit);

  const server: MotoServer = {
    endpoint,
    pid,
    async stop() {
      process.removeListener('exit', killOnExit);
      await stopProcess(pid, { group: detached });
    },
  };
  // Fail fast, with moto's own words, if it dies (e.g. a port race) instead of waiting it out.
  const exited = new Promise<never>((_, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => reject(new Error(`moto_server exited (${code ?? signal})`)));
  });
  exited.catch(() => undefined);
  try {
    await Promise.race([
      waitFor(() => isMotoUp(endpoint), {
        timeoutMs: options.timeoutMs ?? 30_000,
        intervalMs: 100,
        description: `moto on ${endpoint}`,
      }),
      exited,
    ]);
  } catch (err) {
    await server.stop().catch(() => undefined);
    throw new Error(`moto did not start on ${endpoint}: ${(err as Error).message}\n${await logTail(options.logFile)}`, {
      cause: err,
    });
  }
  return server;
}
