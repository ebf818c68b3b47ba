// `npm run up`: the whole local stack in one command. Migrates Postgres, starts moto (S3/KMS/IAM/STS)
// on 127.0.0.1:4566 and the four apps, all detached so they outlive this command; `npm run down`
// stops them. Idempotent: anything already running (per .fhirlake/run/*.pid) is left alone.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { dependenciesOutOfDate, npmInstall } from './lib/dependencies';
import { ensureLocalCredentials } from './lib/local-credentials';
import {
  APPS,
  DEFAULTS,
  LOG_DIR,
  MOTO,
  MOTO_PORT,
  ROOT,
  STATE_DIR,
  appMain,
  isStackProcess,
  logFile,
  readPid,
  writePid,
  type AppName,
} from './lib/stack-layout';

const say = (msg: string): void => console.log(`up: ${msg}`);

/** Installs dependencies on a fresh clone or after a lockfile change, then reruns this script. */
function ensureDependencies(): void {
  const reason = dependenciesOutOfDate(ROOT);
  if (!reason || process.env.FHIRLAKE_UP_INSTALLED) return;
  say(`${reason}: running npm install`);
  npmInstall(ROOT);
  // Rerun so nothing half-loaded from the old node_modules is used.
  const rerun = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, FHIRLAKE_UP_INSTALLED: '1' },
  });
  process.exit(rerun.status ?? 1);
}

function redact(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  if (url.password) url.password = '***';
  return url.toString();
}

const RUN_HEADER = '==== fhirlake up: started ';

/** The last lines the current run (since the last header) wrote to `file`. */
function tail(file: string, lines = 40): string {
  try {
    const text = readFileSync(file, 'utf8');
    const start = text.lastIndexOf(RUN_HEADER);
    return text.slice(Math.max(start, 0)).trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

async function main(): Promise<void> {
  ensureDependencies();
  // Loaded only now: they need node_modules (pg).
  const { applyMigrations, ensureDatabase } = await import('../libs/persistence/src/migration-runner');
  const { ensureMotoInstalled, isMotoUp, startMoto } = await import('../libs/testing/src/moto-server');
  const { isProcessAlive } = await import('../libs/testing/src/process-control');
  const { httpStatus } = await import('../libs/testing/src/wait-for');

  const databaseUrl = process.env.DATABASE_URL || DEFAULTS.databaseUrl;
  const redisUrl = process.env.REDIS_URL || DEFAULTS.redisUrl;
  const gatewayPort = Number(process.env.PORT || DEFAULTS.gatewayPort);
  mkdirSync(LOG_DIR, { recursive: true });

  say(`database ${redact(databaseUrl)}`);
  if (await ensureDatabase(databaseUrl)) say('created the database');
  const { applied } = await applyMigrations(databaseUrl, { log: (msg) => say(msg) });
  say(applied.length ? `applied ${applied.length} migration(s)` : 'database is up to date');

  // moto, unless the caller points us at an S3/KMS endpoint of their own.
  let awsEndpoint = process.env.AWS_ENDPOINT_URL;
  if (awsEndpoint) {
    say(`using AWS_ENDPOINT_URL=${awsEndpoint} (no moto started)`);
  } else {
    awsEndpoint = `http://127.0.0.1:${MOTO_PORT}`;
    const pid = readPid(MOTO);
    if (pid && isStackProcess(MOTO, pid, isProcessAlive)) {
      say(`moto already running (pid ${pid})`);
    } else if (await isMotoUp(awsEndpoint)) {
      say(`something already answers on ${awsEndpoint}; using it`);
    } else {
      const motoServerPath = await ensureMotoInstalled({ log: say });
      const moto = await startMoto({ port: MOTO_PORT, detached: true, logFile: logFile(MOTO), motoServerPath });
      writePid(MOTO, moto.pid);
      say(`started moto on ${moto.endpoint} (pid ${moto.pid})`);
    }
  }

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_ENDPOINT_URL: awsEndpoint,
    AWS_REGION: process.env.AWS_REGION || 'us-east-1',
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    // Logs go to files: no ANSI colours in them.
    NO_COLOR: process.env.NO_COLOR ?? '1',
  };
  if (!env.AWS_ACCESS_KEY_ID || !env.AWS_SECRET_ACCESS_KEY) {
    env.AWS_ACCESS_KEY_ID = 'testing';
    env.AWS_SECRET_ACCESS_KEY = 'testing';
  }
  // Only the gateway listens on PORT; the others must not fight over it.
  delete env.PORT;

  // Signed requests with a local admin key; dev auth mode unless the caller chose a mode.
  const credentials = ensureLocalCredentials(STATE_DIR, env.AWS_REGION!, process.env.FHIRLAKE_ACCOUNT_ID || '000000000000');
  say(credentials.created ? `created ${credentials.principalsFile} with an admin principal` : `using principals from ${credentials.principalsFile}`);
  const authMode = process.env.FHIRLAKE_AUTH_MODE || 'dev';
  const gatewayEnv: NodeJS.ProcessEnv = {
    ...env,
    PORT: String(gatewayPort),
    FHIRLAKE_PRINCIPALS_FILE: process.env.FHIRLAKE_PRINCIPALS_FILE || credentials.principalsFile,
    FHIRLAKE_AUTH_MODE: authMode,
  };

  const startApp = (app: AppName): number | undefined => {
    const pid = readPid(app);
    if (pid && isStackProcess(app, pid, isProcessAlive)) {
      say(`${app} already running (pid ${pid})`);
      return pid;
    }
    if (!existsSync(path.join(ROOT, appMain(app)))) {
      say(`${app}: ${appMain(app)} does not exist yet; skipped`);
      return undefined;
    }
    const out = openSync(logFile(app), 'a');
    writeSync(out, `${RUN_HEADER}${new Date().toISOString()} ====\n`);
    // process.execPath: the Node 24 that npm put first on PATH, not whatever `node` the shell has.
    const child = spawn(process.execPath, ['--enable-source-maps', '-r', '@swc-node/register', appMain(app)], {
      cwd: ROOT,
      env: app === 'api-gateway' ? gatewayEnv : env,
      detached: true,
      stdio: ['ignore', out, out],
    });
    closeSync(out);
    if (child.pid === undefined) throw new Error(`could not start ${app}`);
    child.unref();
    writePid(app, child.pid);
    say(`started ${app} (pid ${child.pid})`);
    return child.pid;
  };
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  const gatewayLog = logFile('api-gateway');
  const ourGateway = readPid('api-gateway');
  if (!(ourGateway && isStackProcess('api-gateway', ourGateway, isProcessAlive)) && (await httpStatus(gatewayUrl)) !== undefined) {
    // Otherwise a foreign server's /health would pass for ours.
    throw new Error(`port ${gatewayPort} is already in use by another process; set PORT to use another one`);
  }
  const pids = new Map(APPS.map((app) => [app, startApp(app)]));
  const gatewayPid = pids.get('api-gateway');
  if (gatewayPid === undefined) {
    throw new Error(`${appMain('api-gateway')} is missing, so there is no gateway to wait for`);
  }
  const deadline = Date.now() + 60_000;
  for (;;) {
    if ((await httpStatus(`${gatewayUrl}/health`)) === 200) break;
    const exited = !isProcessAlive(gatewayPid);
    if (exited || Date.now() > deadline) {
      console.error(`up: api-gateway ${exited ? 'exited' : 'did not answer 200'} on ${gatewayUrl}/health; last lines of ${gatewayLog}:`);
      console.error(tail(gatewayLog));
      console.error('up: stop the rest with: npm run down');
      process.exit(1);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }

  const relative = (file: string) => path.relative(process.cwd(), file) || file;
  const devBanner =
    authMode === 'dev'
      ? `
!!! DEVELOPMENT AUTH MODE (FHIRLAKE_AUTH_MODE=dev) !!!
!!! Unsigned requests from this machine (loopback) act as an admin with FULL ACCESS.
!!! Signed requests with the keys in ${relative(credentials.principalsFile)} are verified and authorized.
!!! Run with FHIRLAKE_AUTH_MODE=enforce to require signatures for every request.
`
      : `
auth mode: ${authMode} (every request must be signed or carry a SMART token)
`;
  console.log(`
fhirlake is up
  gateway:  ${gatewayUrl}
  docs:     ${gatewayUrl}/docs
  AWS:      ${awsEndpoint}
  logs:     ${LOG_DIR}
${devBanner}
Signed requests with the local admin key (${credentials.accessKeyId}), profile "fhirlake":
  AWS_SHARED_CREDENTIALS_FILE=$PWD/${relative(credentials.credentialsFile)} AWS_CONFIG_FILE=$PWD/${relative(credentials.configFile)} aws --profile fhirlake --endpoint-url http://localhost:${gatewayPort} healthlake list-fhir-datastores
Principals (access keys + IAM policies): ${relative(credentials.principalsFile)}; edit it, then reload with: kill -HUP ${gatewayPid}
stop with: npm run down`);
}

main().catch((err: unknown) => {
  console.error(`up failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
