import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { closeOnSignals } from '@fhirlake/coordination';
import { gatewayEnvSchema, loadConfigOrExit, logLevelsUpTo } from '@fhirlake/config';
import { AppModule } from './app.module';
import { configureApp } from './http/configure-app';

async function bootstrap(): Promise<void> {
  const config = loadConfigOrExit(gatewayEnvSchema);
  const app = await NestFactory.create(AppModule.forRoot(config), { bodyParser: false, logger: logLevelsUpTo(config.LOG_LEVEL) });
  configureApp(app, config);
  const listening = app.listen(config.PORT, config.HOST);
  // SIGTERM/SIGINT close the app (draining requests, flushing the audit log) and exit 0; SIGHUP reloads principals.
  closeOnSignals(app, 'api-gateway', listening);
  await listening;
  Logger.log(`api-gateway ready on port ${config.PORT} (docs at /docs)`, 'Bootstrap');
}

bootstrap().catch((error: unknown) => {
  Logger.error(`api-gateway failed to start: ${error instanceof Error ? error.message : String(error)}`, 'Bootstrap');
  process.exit(1);
});
