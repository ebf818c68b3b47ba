import { Logger } from '@nestjs/common';

/**
 * Closes `app` on SIGTERM/SIGINT (running its shutdown hooks) and exits 0, or 1 if closing fails.
 * Used instead of Nest's enableShutdownHooks, which re-raises the signal after closing and so
 * reports a clean shutdown as a kill. SIGHUP is left alone (the gateway reloads principals on it).
 */
export function closeOnSignals(app: { close(): Promise<void> }, appName: string): void {
  const shutdown = (signal: NodeJS.Signals) => {
    Logger.log(`${appName} received ${signal}, shutting down`, 'Bootstrap');
    app.close().then(
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
