import { Logger } from '@nestjs/common';

/**
 * Closes `app` on SIGTERM/SIGINT (running its shutdown hooks) and exits 0, or 1 if closing fails.
 * Install it before the app starts and pass its start as `started`: a signal that arrives while
 * the app is still starting then waits for the start to settle instead of killing the process.
 * Used instead of Nest's enableShutdownHooks, which re-raises the signal after closing and so
 * reports a clean shutdown as a kill. SIGHUP is left alone (the gateway reloads principals on it).
 */
export function closeOnSignals(app: { close(): Promise<void> }, appName: string, started: Promise<unknown> = Promise.resolve()): void {
  const shutdown = (signal: NodeJS.Signals) => {
    Logger.log(`${appName} received ${signal}, shutting down`, 'Bootstrap');
    started
      .catch(() => undefined)
      .then(() => app.close())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          Logger.error(`${appName} shutdown failed: ${error instanceof Error ? error.message : String(error)}`, 'Bootstrap');
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}
