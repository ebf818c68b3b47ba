import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { CreateKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import { type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type BaseEnv, baseEnvSchema, loadConfig } from '@fhirlake/config';
import { createKmsClient, createS3Client } from '@fhirlake/cloud';
import { JobDispatcher } from '@fhirlake/coordination';
import { createPgPool, JobRepository, type JobRecord } from '@fhirlake/persistence';
import { createTestDatabase, type TestDatabase, uniqueRedisPrefix, waitFor } from '@fhirlake/testing';
import IORedis, { type Redis } from 'ioredis';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Pool } from 'pg';
import { ImporterModule } from '../src/importer.module';
import type { ImporterSettings } from '../src/importer-settings';

export const FIXTURE_DIR = path.resolve(__dirname, '../../../../shared/fixtures/synthea-10');

export interface FixtureFile {
  name: string;
  text: string;
}

/** The Synthea fixture files (name and raw ndjson). */
export function fixtureFiles(): FixtureFile[] {
  return readdirSync(FIXTURE_DIR)
    .filter((f) => f.endsWith('.ndjson'))
    .sort()
    .map((name) => ({ name, text: readFileSync(path.join(FIXTURE_DIR, name), 'utf8') }));
}

export const newId = () => randomBytes(16).toString('hex');

/** A test database with an ACTIVE datastore helper, a bucket and a KMS key, plus Redis and AWS clients. */
export interface ImportTestBed {
  db: TestDatabase;
  sql: Pool;
  jobs: JobRepository;
  redis: Redis;
  redisPrefix: string;
  s3: S3Client;
  kms: KMSClient;
  bucket: string;
  kmsKeyId: string;
  env(): BaseEnv;
  /** Plain string env for spawnApp. */
  processEnv(extra?: Record<string, string>): Record<string, string>;
  close(): Promise<void>;
}

export async function createImportTestBed(label: string): Promise<ImportTestBed> {
  const db = await createTestDatabase();
  // createPgPool handles idle connections dropped by the server (e.g. DROP DATABASE ... FORCE at teardown).
  const sql = createPgPool(db.url, 6);
  const redisPrefix = uniqueRedisPrefix(label);
  const redis = new IORedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
  const baseEnv = loadConfig(baseEnvSchema, process.env);
  const s3 = createS3Client(baseEnv);
  const kms = createKmsClient(baseEnv);
  const bucket = `import-${randomBytes(5).toString('hex')}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const kmsKeyId = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
  const processEnv = (extra: Record<string, string> = {}) => ({ DATABASE_URL: db.url, REDIS_PREFIX: redisPrefix, LOG_LEVEL: 'warn', ...extra });
  return {
    db,
    sql,
    jobs: new JobRepository(sql),
    redis,
    redisPrefix,
    s3,
    kms,
    bucket,
    kmsKeyId,
    processEnv,
    env: () => loadConfig(baseEnvSchema, { ...process.env, ...processEnv() }),
    async close() {
      s3.destroy();
      kms.destroy();
      redis.disconnect();
      await sql.end();
      await db.drop();
    },
  };
}

export async function createDatastore(sql: Pool): Promise<string> {
  const id = newId();
  await sql.query(`INSERT INTO datastore (id, name, status) VALUES ($1, 'import-test', 'ACTIVE')`, [id]);
  return id;
}

export async function putObject(bed: ImportTestBed, key: string, body: string | Buffer, bucket = bed.bucket): Promise<void> {
  await bed.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentLength: Buffer.byteLength(body) }));
}

export interface ImportOptions {
  input: string;
  output?: string;
  kmsKeyId?: string;
  validationLevel?: string;
  /** Leave it admitted but not on the queue. */
  dispatch?: boolean;
}

/** Creates an import job row, admits it and (by default) dispatches it onto the import queue. */
export async function submitImport(bed: ImportTestBed, datastoreId: string, options: ImportOptions): Promise<JobRecord> {
  const id = newId();
  const { job } = await bed.jobs.create({
    id,
    datastoreId,
    kind: 'IMPORT',
    name: 'test import',
    clientToken: null,
    requestHash: createHash('sha256').update(id).digest('hex'),
    dataAccessRoleArn: 'arn:aws:iam::000000000000:role/import',
    inputS3Uri: options.input,
    outputS3Uri: options.output ?? `s3://${bed.bucket}/out`,
    kmsKeyId: options.kmsKeyId ?? bed.kmsKeyId,
    validationLevel: options.validationLevel ?? 'strict',
  });
  const admitted = await bed.jobs.admitNext(datastoreId);
  if (admitted?.id !== job.id) throw new Error('import job was not admitted');
  if (options.dispatch !== false) await dispatch(bed, admitted);
  return admitted;
}

export async function dispatch(bed: ImportTestBed, job: JobRecord): Promise<void> {
  const dispatcher = new JobDispatcher(bed.redis, bed.redisPrefix);
  try {
    await dispatcher.dispatch(job);
  } finally {
    await dispatcher.close();
  }
}

const FINAL = ['COMPLETED', 'COMPLETED_WITH_ERRORS', 'FAILED', 'CANCEL_COMPLETED', 'CANCEL_FAILED'];

export async function waitForJob(bed: ImportTestBed, jobId: string, statuses: string[] = FINAL, timeoutMs = 60_000): Promise<JobRecord> {
  let job: JobRecord | undefined;
  await waitFor(
    async () => {
      job = await bed.jobs.find(jobId);
      return job !== undefined && statuses.includes(job.status);
    },
    { timeoutMs, intervalMs: 100, description: `job ${jobId} to reach ${statuses.join('/')}` },
  );
  return job!;
}

/**
 * `count` small resources as ndjson lines: Patients and Observations referencing them, every
 * `badEvery`-th line invalid, and every `repeatEvery`-th line a second version of an earlier Patient.
 */
export function generatedLines(count: number, seed: string, options: { badEvery?: number; repeatEvery?: number } = {}): string[] {
  const lines: string[] = [];
  for (let i = 1; i <= count; i++) {
    if (options.badEvery && i % options.badEvery === 0) lines.push(`{"resourceType":"Patient","id":"${seed}-bad-${i}","gender":"unknown-code"}`);
    else if (options.repeatEvery && i % options.repeatEvery === 0) lines.push(JSON.stringify({ resourceType: 'Patient', id: `${seed}-p${i - 7}`, active: false, name: [{ family: `F${i}` }] }));
    else if (i % 2 === 1) lines.push(JSON.stringify({ resourceType: 'Patient', id: `${seed}-p${i}`, active: true, name: [{ family: `Family${i}`, given: ['Given'] }], birthDate: '1970-01-01' }));
    else lines.push(JSON.stringify({ resourceType: 'Observation', id: `${seed}-o${i}`, status: 'final', code: { text: 'weight' }, subject: { reference: `Patient/${seed}-p${i - 1}` }, valueQuantity: { value: i, unit: 'kg' } }));
  }
  return lines;
}

export const TEST_SETTINGS: ImporterSettings = { concurrency: 1, batchLines: 500, batchBytes: 8 * 1024 * 1024, maxLineBytes: 64 * 1024 };

/** An importer running in this process. */
export async function startImporter(bed: ImportTestBed, settings: Partial<ImporterSettings> = {}): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(ImporterModule.forRoot(bed.env(), { ...TEST_SETTINGS, ...settings }), { logger: ['error', 'warn'] });
  await app.init();
  return app;
}

/** One output object: key, encryption and raw text. */
export interface OutputObject {
  key: string;
  sse?: string;
  kmsKeyId?: string;
  text: string;
}

/** Every object under `prefix`, in key order. */
export async function readObjects(s3: S3Client, bucket: string, prefix: string): Promise<OutputObject[]> {
  const objects: OutputObject[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const o of page.Contents ?? []) {
      const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: o.Key! }));
      const text = await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key! }))).Body!.transformToString();
      objects.push({ key: o.Key!, sse: head.ServerSideEncryption, kmsKeyId: head.SSEKMSKeyId, text });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return objects;
}

/** The job's output folder prefix within the bucket. */
export const jobFolderKey = (job: JobRecord, outputPrefix = 'out') => `${outputPrefix}/${job.datastoreId}-FHIR_IMPORT-${job.id}/`;

/** Stored current rows: "type/id" -> { versionId, resource }. */
export async function storedResources(sql: Pool, datastoreId: string): Promise<Map<string, { versionId: number; resource: Record<string, unknown> }>> {
  const { rows } = await sql.query<{ resource_type: string; id: string; version_id: number; resource: Record<string, unknown> }>(
    'SELECT resource_type, id, version_id, resource FROM fhir_resource WHERE datastore_id = $1',
    [datastoreId],
  );
  return new Map(rows.map((r) => [`${r.resource_type}/${r.id}`, { versionId: r.version_id, resource: r.resource }]));
}

/** The resource without meta.versionId / meta.lastUpdated (and without an emptied meta). */
export function withoutVersionMeta(resource: Record<string, unknown>): Record<string, unknown> {
  const { meta, ...rest } = resource as { meta?: Record<string, unknown> };
  const { versionId: _v, lastUpdated: _l, ...kept } = meta ?? {};
  return Object.keys(kept).length > 0 ? { ...rest, meta: kept } : rest;
}
