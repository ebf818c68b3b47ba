import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { gatewayEnvSchema, loadConfig } from '@fhirlake/config';
import { createTestDatabase, type TestDatabase } from '@fhirlake/testing';
import { HealthLakeClient } from '@aws-sdk/client-healthlake';
import type { AddressInfo } from 'node:net';
import { Pool } from 'pg';
import { AppModule } from '../src/app.module';
import { configureApp } from '../src/http/configure-app';

/** A real api-gateway on its own database, listening on an ephemeral loopback port. */
export interface TestGateway {
  app: INestApplication;
  baseUrl: string;
  db: TestDatabase;
  /** Direct SQL access to the test database, for assertions about what was (not) written. */
  sql: Pool;
  healthLake: HealthLakeClient;
  close(): Promise<void>;
}

export async function startTestGateway(env: Record<string, string> = {}): Promise<TestGateway> {
  const db = await createTestDatabase();
  // Development auth mode by default (unsigned loopback requests act as an admin); security tests pass FHIRLAKE_AUTH_MODE=enforce.
  const config = loadConfig(gatewayEnvSchema, { ...process.env, DATABASE_URL: db.url, PORT: '0', LOG_LEVEL: 'error', FHIRLAKE_AUTH_MODE: 'dev', ...env });
  const app = await NestFactory.create(AppModule.forRoot(config), { bodyParser: false, logger: ['error'] });
  configureApp(app, config);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;
  const sql = new Pool({ connectionString: db.url, max: 2 });
  // An idle connection dropped by the server must not surface as an unhandled 'error' event.
  sql.on('error', () => undefined);
  const healthLake = new HealthLakeClient({
    endpoint: baseUrl,
    region: 'us-east-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    maxAttempts: 1,
  });
  return {
    app,
    baseUrl,
    db,
    sql,
    healthLake,
    async close() {
      healthLake.destroy();
      await app.close();
      await sql.end();
      await db.drop();
    },
  };
}

/** Creates an ACTIVE datastore through the SDK and returns its id. */
export async function createDatastore(gateway: TestGateway, name = 'test'): Promise<string> {
  const { CreateFHIRDatastoreCommand } = await import('@aws-sdk/client-healthlake');
  const created = await gateway.healthLake.send(new CreateFHIRDatastoreCommand({ DatastoreTypeVersion: 'R4', DatastoreName: name }));
  return created.DatastoreId!;
}
