import { TEST_RUN_STATE_KEY, type TestRunState } from './global-setup';
import { dropRunDatabases } from './test-database';

/** Jest global teardown: stops this run's moto and drops the databases this run created. */
export default async function globalTeardown(): Promise<void> {
  const state = (globalThis as Record<string, unknown>)[TEST_RUN_STATE_KEY] as TestRunState | undefined;
  if (!state) return;
  try {
    await dropRunDatabases(state.runId);
  } finally {
    await state.moto?.stop();
  }
}
