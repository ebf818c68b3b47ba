import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type BaseEnv, baseEnvSchema, loadConfig } from '@fhirlake/config';
import type { JobRecord } from '@fhirlake/persistence';
import { createJobTestBed, createTestDatastore, dispatchTestJob, type JobTestBed, randomId, submitTestJob, waitForJobStatus, syntheaFixtureDir } from '@fhirlake/testing';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Pool } from 'pg';
import { ImporterModule } from '../src/importer.module';
import type { ImporterSettings } from '../src/importer-settings';

export const FIXTURE_DIR = syntheaFixtureDir();

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

export const newId = randomId;

/** The shared job test bed (database, Redis, a private encrypted bucket, key and data access role), plus the importer's env. */
export interface ImportTestBed extends JobTestBed {
  /** The importer's env on this bed, plus `extra` (e.g. FHIRLAKE_ASSUME_ROLE). */
  env(extra?: Record<string, string>): BaseEnv;
}

export async function createImportTestBed(label: string): Promise<ImportTestBed> {
  const bed = await createJobTestBed(label);
  return { ...bed, env: (extra) => loadConfig(baseEnvSchema, { ...process.env, ...bed.processEnv(extra) }) };
}

export const createDatastore = (sql: Pool): Promise<string> => createTestDatastore(sql, 'import-test');

export async function putObject(bed: ImportTestBed, key: string, body: string | Buffer, bucket = bed.bucket): Promise<void> {
  await bed.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentLength: Buffer.byteLength(body) }));
}

export interface ImportOptions {
  input: string;
  output?: string;
  kmsKeyId?: string;
  /** Default: the bed's role (trusted for every datastore, allowed everything an import needs). */
  dataAccessRoleArn?: string;
  validationLevel?: string;
  /** Leave it admitted but not on the queue. */
  dispatch?: boolean;
}

/** Creates an import job row, admits it and (by default) dispatches it onto the import queue. */
export async function submitImport(bed: ImportTestBed, datastoreId: string, options: ImportOptions): Promise<JobRecord> {
  return submitTestJob(
    bed,
    {
      datastoreId,
      kind: 'IMPORT',
      inputS3Uri: options.input,
      outputS3Uri: options.output ?? `s3://${bed.bucket}/out`,
      kmsKeyId: options.kmsKeyId,
      dataAccessRoleArn: options.dataAccessRoleArn,
      validationLevel: options.validationLevel ?? 'strict',
    },
    { dispatch: options.dispatch },
  );
}

export const dispatch = (bed: ImportTestBed, job: JobRecord): Promise<void> => dispatchTestJob(bed, job);

export const waitForJob = (bed: ImportTestBed, jobId: string, statuses?: string[], timeoutMs?: number): Promise<JobRecord> => waitForJobStatus(bed, jobId, statuses, timeoutMs);

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

export const TEST_SETTINGS: ImporterSettings = { concurrency: 1, batchLines: 500, batchBytes: 8 * 1024 * 1024, parseThreads: 1, maxLineBytes: 64 * 1024 };

/** An importer running in this process; `env`: extra variables (e.g. FHIRLAKE_ASSUME_ROLE). */
export async function startImporter(bed: ImportTestBed, settings: Partial<ImporterSettings> = {}, env: Record<string, string> = {}): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(ImporterModule.forRoot(bed.env(env), { ...TEST_SETTINGS, ...settings }), { logger: ['error', 'warn'] });
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
