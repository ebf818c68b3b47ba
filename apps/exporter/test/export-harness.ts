import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadConfig } from '@fhirlake/config';
import { extractReferences } from '@fhirlake/fhir';
import { enterWriteFence, type JobRecord, type ResourceBody } from '@fhirlake/persistence';
import { createJobTestBed, createTestDatastore, type JobTestBed, randomId, submitTestJob, waitForJobStatus, syntheaFixtureDir } from '@fhirlake/testing';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Pool } from 'pg';
import { ExporterModule } from '../src/exporter.module';
import { type ExporterEnv, exporterEnvSchema } from '../src/exporter-env';

export const FIXTURE_DIR = syntheaFixtureDir();

/** Every resource of the Synthea fixture. */
export function fixtureResources(): Array<ResourceBody & { id: string }> {
  return readdirSync(FIXTURE_DIR)
    .filter((f) => f.endsWith('.ndjson'))
    .sort()
    .flatMap((f) => readFileSync(path.join(FIXTURE_DIR, f), 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as ResourceBody & { id: string }));
}

export const newId = randomId;

/** The shared job test bed (database, Redis, a private encrypted bucket, key and data access role), plus the exporter's env. */
export interface ExportTestBed extends JobTestBed {
  env(extra?: Record<string, string>): ExporterEnv;
}

export async function createExportTestBed(label: string): Promise<ExportTestBed> {
  const bed = await createJobTestBed(label, { EXPORTER_POLL_MS: '100' });
  return { ...bed, env: (extra) => loadConfig(exporterEnvSchema, { ...process.env, ...bed.processEnv(extra) }) };
}

/** Inserts an ACTIVE datastore row. */
export const createDatastore = (sql: Pool): Promise<string> => createTestDatastore(sql, 'export-test');

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

export interface ExportOptions {
  exportRequest?: Record<string, unknown>;
  kmsKeyId?: string;
  bucket?: string;
  prefix?: string;
  /** Default: the bed's role (trusted for every datastore, allowed everything an export needs). */
  dataAccessRoleArn?: string;
}

/** Creates an export job row, admits it and dispatches it onto the export queue. */
export async function submitExport(bed: ExportTestBed, datastoreId: string, options: ExportOptions = {}): Promise<JobRecord> {
  return submitTestJob(bed, {
    datastoreId,
    kind: 'EXPORT',
    dataAccessRoleArn: options.dataAccessRoleArn,
    outputS3Uri: `s3://${options.bucket ?? bed.bucket}/${options.prefix ?? 'exports'}`,
    kmsKeyId: options.kmsKeyId,
    exportRequest: options.exportRequest,
  });
}

/** Waits until the job reaches a final status (or one of `statuses`) and returns it. */
export const waitForJob = (bed: ExportTestBed, jobId: string, statuses?: string[], timeoutMs?: number): Promise<JobRecord> => waitForJobStatus(bed, jobId, statuses, timeoutMs);

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
