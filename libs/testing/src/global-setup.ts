import path from 'node:path';
import { startMoto, type MotoServer } from './moto-server';
import { prepareTemplateDatabase } from './template-database';
import { dropStaleTestDatabases, newTestRunId } from './test-database';

/**
 * Jest global setup: one moto on a free port for this run (never the dev stack's 4566, so tests
 * never see dev data), a migrated template database, and the environment the test workers
 * inherit. Whatever it starts is handed to the global teardown through `globalThis`.
 */

/** What the global teardown needs to undo. */
export interface TestRunState {
  runId: string;
  moto?: MotoServer;
}

/** Key under which the run's state is kept on `globalThis` between setup and teardown. */
export const TEST_RUN_STATE_KEY = '__fhirlakeTestRun';

const REPO_ROOT = path.resolve(__dirname, '../../..');

export default async function globalSetup(): Promise<void> {
  const runId = newTestRunId();
  const state: TestRunState = { runId };
  (globalThis as Record<string, unknown>)[TEST_RUN_STATE_KEY] = state;
  process.env.FHIRLAKE_TEST_RUN_ID = runId;

  const log = (msg: string): void => void process.stderr.write(`[test setup] ${msg}\n`);
  try {
    state.moto = await startMoto({ logFile: path.join(REPO_ROOT, '.fhirlake', 'logs', 'moto-test.log') });
    process.env.AWS_ENDPOINT_URL = state.moto.endpoint;
    process.env.AWS_REGION = 'us-east-1';
    process.env.AWS_ACCESS_KEY_ID ||= 'testing';
    process.env.AWS_SECRET_ACCESS_KEY ||= 'testing';
    process.env.REDIS_URL ||= 'redis://127.0.0.1:6379';

    const stale = await dropStaleTestDatabases();
    if (stale.length) log(`dropped ${stale.length} test database(s) left by crashed runs`);
    process.env.FHIRLAKE_TEST_TEMPLATE_DB = await prepareTemplateDatabase({ log });
  } catch (err) {
    // Jest skips the teardown when the setup fails: don't leave moto behind.
    await state.moto?.stop().catch(() => undefined);
    throw err;
  }
}
