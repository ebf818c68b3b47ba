import { type DynamicModule, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { closeOnSignals } from './graceful-shutdown';
import { baseEnvSchema, loadConfigOrExit, logLevelsUpTo, type BaseEnv } from '@fhirlake/config';

/**
 * Boots a non-HTTP app (coordinator, importer, exporter): validated config, an application
 * context without an HTTP listener, and clean shutdown on SIGTERM/SIGINT.
 */
export async function bootstrapWorkerApp(appName: string, rootModule: (env: BaseEnv) => DynamicModule): Promise<void> {
  const env = loadConfigOrExit(baseEnvSchema);
  try {
    const app = await NestFactory.createApplicationContext(rootModule(env), { logger: logLevelsUpTo(env.LOG_LEVEL) });
    const started = app.init();
    closeOnSignals(app, appName, started);
    await started;
  } catch (error) {
    Logger.error(`${appName} failed to start: ${error instanceof Error ? error.message : String(error)}`, 'Bootstrap');
    process.exit(1);
  }
}
