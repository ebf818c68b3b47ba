import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { baseEnvSchema, loadConfig } from '@fhirlake/config';
import { createS3Client } from '@fhirlake/cloud';
import { spawnApp, uniqueRedisPrefix, type AppProcess, syntheaFixtureDir } from '@fhirlake/testing';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { startTestGateway, type TestGateway } from './gateway-harness';

export const SYNTHEA_DIR = syntheaFixtureDir();

/** The whole product: the gateway in-process, the coordinator and workers as real child processes. */
export interface FullStack {
  gateway: TestGateway;
  workers: AppProcess[];
  s3: S3Client;
  stop(): Promise<void>;
}

export async function startFullStack(workerApps = ['job-coordinator', 'importer', 'exporter']): Promise<FullStack> {
  const redisPrefix = uniqueRedisPrefix('stack');
  const gateway = await startTestGateway({ REDIS_PREFIX: redisPrefix });
  const env = { DATABASE_URL: gateway.db.url, REDIS_PREFIX: redisPrefix, FHIRLAKE_COORDINATOR_TICK_MS: '200', LOG_LEVEL: 'log' };
  const workers = workerApps.map((app) => spawnApp(app, env));
  await Promise.all(workers.map((w, i) => w.waitForOutput(new RegExp(`${workerApps[i]} ready`), 60_000)));
  const s3 = createS3Client(loadConfig(baseEnvSchema, process.env));
  return {
    gateway,
    workers,
    s3,
    async stop() {
      for (const w of workers) w.child.kill('SIGTERM');
      await Promise.all(workers.map((w) => w.exited));
      s3.destroy();
      await gateway.close();
    },
  };
}

/** Uploads every fixture file under `prefix` in `bucket`. */
export async function uploadSynthea(s3: S3Client, bucket: string, prefix: string): Promise<void> {
  for (const file of readdirSync(SYNTHEA_DIR).filter((f) => f.endsWith('.ndjson'))) {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}${file}`, Body: readFileSync(path.join(SYNTHEA_DIR, file)) }));
  }
}

export interface FixtureResource {
  resourceType: string;
  id: string;
  [key: string]: unknown;
}

export function loadSynthea(): FixtureResource[] {
  return readdirSync(SYNTHEA_DIR)
    .filter((f) => f.endsWith('.ndjson'))
    .flatMap((f) => readFileSync(path.join(SYNTHEA_DIR, f), 'utf8').split('\n').filter((l) => l.trim() !== ''))
    .map((l) => JSON.parse(l) as FixtureResource);
}
