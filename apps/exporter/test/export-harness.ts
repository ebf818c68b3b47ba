import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { CreateKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import { type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadConfig } from '@fhirlake/config';
import { createKmsClient, createS3Client } from '@fhirlake/cloud';
import { JobDispatcher } from '@fhirlake/coordination';
import { extractReferences } from '@fhirlake/fhir';
import { createPgPool, enterWriteFence, JobRepository, type JobRecord, type ResourceBody } from '@fhirlake/persistence';
import { createTestDatabase, type TestDatabase, uniqueRedisPrefix, waitFor } from '@fhirlake/testing';
import IORedis, { type Redis } from 'ioredis';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Pool } from 'pg';
import { ExporterModule } from '../src/exporter.module';
import { type ExporterEnv, exporterEnvSchema } from '../src/exporter-env';

export const FIXTURE_DIR = path.resolve(__dirname, '../../../../shared/fixtures/synthea-10');

/** Every resource of the Synthea fixture. */
export function fixtureResources(): Array<ResourceBody & { id: string }> {
  return readdirSync(FIXTURE_DIR)
    .filter((f) => f.endsWith('.ndjson'))
    .sort()
    .flatMap((f) => readFileSync(path.join(FIXTURE_DIR, f), 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as ResourceBody & { id: string }));
}

export const newId = () => randomBytes(16).toString('hex');

/** A test database with an ACTIVE datastore, a bucket and a KMS key, plus Redis and AWS clients. */
export interface ExportTestBed {
  db: TestDatabase;
  sql: Pool;
  jobs: JobRepository;
  redis: Redis;
  redisPrefix: string;
  s3: S3Client;
  kms: KMSClient;
  bucket: string;
  kmsKeyId: string;
  env(extra?: Record<string, string>): ExporterEnv;
  /** Plain string env for spawnApp. */
  processEnv(extra?: Record<string, string>): Record<string, string>;
  close(): Promise<void>;
}

export async function createExportTestBed(label: string): Promise<ExportTestBed> {
  const db = await createTestDatabase();
  // createPgPool handles idle connections dropped by the server (e.g. DROP DATABASE ... FORCE at teardown).
  const sql = createPgPool(db.url, 6);
  sql.on('error', () => undefined); // connections cut when the database is dropped
  const redisPrefix = uniqueRedisPrefix(label);
  const redis = new IORedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
  const baseEnv = loadConfig(exporterEnvSchema, process.env);
  const s3 = createS3Client(baseEnv);
  const kms = createKmsClient(baseEnv);
  const bucket = `export-${randomBytes(5).toString('hex')}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const kmsKeyId = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
  const processEnv = (extra: Record<string, string> = {}) => ({ DATABASE_URL: db.url, REDIS_PREFIX: redisPrefix, LOG_LEVEL: 'warn', EXPORTER_POLL_MS: '100', ...extra });
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
    env: (extra) => loadConfig(exporterEnvSchema, { ...process.env, ...processEnv(extra) }),
    async close() {
      s3.destroy();
      kms.destroy();
      redis.disconnect();
      await sql.end();
      await db.drop();
    },
  };
}

/** Inserts an ACTIVE datastore row. */
export async function createDatastore(sql: Pool): Promise<string> {
  const id = newId();
  await sql.query(`INSERT INTO datastore (id, name, status) VALUES ($1, 'export-test', 'ACTIVE')`, [id]);
  return id;
}

/**
 * Bulk-loads resources as version 1, the way the write path stores them (meta stamped, history,
 * reference index), inside the write fence.
 */
export async function loadResources(sql: Pool, datastoreId: string, resources: Array<ResourceBody & { id: string }>): Promise<void> {
  const client = await sql.connect();
  try {
    for (let i = 0; i < resources.length; i += 2000) {
      await client.query('BEGIN');
      await enterWriteFence(client, datastoreId);
      const { rows } = await client.query<{ t: string }>(`SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS t`);
      const batch = resources.slice(i, i + 2000).map(({ resourceType, id, meta, ...body }) => ({ resourceType, id, meta: { ...meta, versionId: '1', lastUpdated: rows[0].t }, ...body }));
      const params = [datastoreId, batch.map((r) => r.resourceType), batch.map((r) => r.id), rows[0].t, batch.map((r) => JSON.stringify(r))];
      await client.query(
        `INSERT INTO fhir_resource (datastore_id, resource_type, id, version_id, last_updated, deleted, resource)
         SELECT $1, t, i, 1, $4::timestamptz, false, r::json FROM unnest($2::text[], $3::text[], $5::text[]) AS x(t, i, r)`,
        params,
      );
      const refs = batch.flatMap((r) => extractReferences(r).map((ref) => [r.resourceType, r.id, ref.path, ref.reference, ref.targetType ?? null, ref.targetId ?? null]));
      await client.query(
        `INSERT INTO fhir_reference (datastore_id, source_type, source_id, path, reference, target_type, target_id)
         SELECT $1, a, b, c, d, e, f FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) AS x(a, b, c, d, e, f)
         ON CONFLICT DO NOTHING`,
        [datastoreId, ...[0, 1, 2, 3, 4, 5].map((k) => refs.map((r) => r[k]))],
      );
      await client.query('COMMIT');
    }
  } finally {
    client.release();
  }
}

/** Creates an export job row, admits it and dispatches it onto the export queue. */
export async function submitExport(bed: ExportTestBed, datastoreId: string, options: { exportRequest?: Record<string, unknown>; kmsKeyId?: string; bucket?: string; prefix?: string } = {}): Promise<JobRecord> {
  const id = newId();
  const { job } = await bed.jobs.create({
    id,
    datastoreId,
    kind: 'EXPORT',
    name: 'test export',
    clientToken: null,
    requestHash: createHash('sha256').update(id).digest('hex'),
    dataAccessRoleArn: 'arn:aws:iam::000000000000:role/export',
    outputS3Uri: `s3://${options.bucket ?? bed.bucket}/${options.prefix ?? 'exports'}`,
    kmsKeyId: options.kmsKeyId ?? bed.kmsKeyId,
    exportRequest: options.exportRequest,
  });
  const admitted = await bed.jobs.admitNext(datastoreId);
  if (admitted?.id !== job.id) throw new Error('export job was not admitted');
  const dispatcher = new JobDispatcher(bed.redis, bed.env().REDIS_PREFIX);
  try {
    await dispatcher.dispatch(admitted);
  } finally {
    await dispatcher.close();
  }
  return admitted;
}

const FINAL = ['COMPLETED', 'COMPLETED_WITH_ERRORS', 'FAILED', 'CANCEL_COMPLETED', 'CANCEL_FAILED'];

/** Waits until the job reaches a final status (or one of `statuses`) and returns it. */
export async function waitForJob(bed: ExportTestBed, jobId: string, statuses: string[] = FINAL, timeoutMs = 60_000): Promise<JobRecord> {
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

/** An exporter running in this process. */
export async function startExporter(env: ExporterEnv): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(ExporterModule.forRoot(env, env), { logger: process.env.EXPORTER_TEST_LOG ? ['error', 'warn', 'log'] : ['error', 'warn'] });
  await app.init();
  return app;
}

/** One exported object: its key, encryption and lines (raw text). */
export interface ExportedObject {
  key: string;
  sse?: string;
  kmsKeyId?: string;
  lines: string[];
}

/** Every object under `prefix`, with its lines. */
export async function readExport(s3: S3Client, bucket: string, prefix: string): Promise<ExportedObject[]> {
  const objects: ExportedObject[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const o of page.Contents ?? []) {
      const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: o.Key! }));
      const body = await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key! }))).Body!.transformToString();
      objects.push({ key: o.Key!, sse: head.ServerSideEncryption, kmsKeyId: head.SSEKMSKeyId, lines: body.split('\n').filter((l) => l !== '') });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return objects.sort((a, b) => (a.key < b.key ? -1 : 1));
}

/** "type/id/versionId" of every line. */
export function lineKeys(objects: ExportedObject[]): string[] {
  return objects
    .flatMap((o) => o.lines.map((l) => JSON.parse(l) as ResourceBody))
    .map((r) => `${r.resourceType}/${r.id}/${(r.meta as { versionId?: string }).versionId}`)
    .sort();
}

/**
 * The datastore as of T, computed independently of the exporter from every stored version:
 * each resource's newest version at or before T, unless it is a deletion. Returns the stored text.
 */
export async function snapshotAsOf(sql: Pool, datastoreId: string, transactionTime: string): Promise<Map<string, string>> {
  const { rows } = await sql.query<{ k: string; resource: string | null; deleted: boolean }>(
    `SELECT DISTINCT ON (resource_type, id) resource_type || '/' || id || '/' || version_id AS k, resource::text AS resource, deleted
       FROM fhir_resource_version WHERE datastore_id = $1 AND last_updated <= $2::timestamptz
      ORDER BY resource_type, id, version_id DESC`,
    [datastoreId, transactionTime],
  );
  return new Map(rows.filter((r) => !r.deleted).map((r) => [r.k, r.resource!]));
}

/** The job's transactionTime with microseconds. */
export async function transactionTimeOf(sql: Pool, jobId: string): Promise<string> {
  const { rows } = await sql.query<{ t: string }>(`SELECT to_char(transaction_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS t FROM fhir_job WHERE id = $1`, [jobId]);
  return rows[0].t;
}

export const exportFolder = (datastoreId: string, jobId: string, prefix = 'exports') => `${prefix}/${datastoreId}-FHIR_EXPORT-${jobId}/`;
