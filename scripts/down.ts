// `npm run down`: stops what `npm run up` started (every pid in .fhirlake/run/): apps first, then
// moto, each with SIGTERM and, after 10 s, SIGKILL.
import { isProcessAlive, stopProcess } from '../libs/testing/src/process-control';
import { MOTO, isStackProcess, readPid, recordedNames, removePid } from './lib/stack-layout';

const GRACE_MS = 10_000;

async function stopAll(names: string[]): Promise<void> {
  await Promise.all(
    names.map(async (name) => {
      const pid = readPid(name);
      if (!pid || !isStackProcess(name, pid, isProcessAlive)) {
        console.log(`down: ${name} was not running`);
      } else {
        // Started detached, so each leads its own process group: take its children down too.
        const killed = await stopProcess(pid, { group: true, graceMs: GRACE_MS });
        console.log(`down: ${killed ? 'killed' : 'stopped'} ${name} (pid ${pid})${killed ? ` after ${GRACE_MS / 1000} s` : ''}`);
      }
      removePid(name);
    }),
  );
}

async function main(): Promise<void> {
  const names = recordedNames();
  if (names.length === 0) {
    console.log('down: nothing to stop');
    return;
  }
  // moto last, so apps shutting down can still reach S3.
  await stopAll(names.filter((n) => n !== MOTO));
  await stopAll(names.filter((n) => n === MOTO));
}

main().catch((err: unknown) => {
  console.error(`down failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
