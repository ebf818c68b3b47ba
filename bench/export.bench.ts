/**
 * End-to-end export benchmark:
 *   npm run bench:export -- --count 200000     (or BENCH_COUNT=...; default 200,000)
 * Loads Synthea-like resources (fixture resources with new ids) into a fresh database with bulk
 * SQL, then exports them through real exporter processes (one replica, then two), printing
 * resources/s, MB/s, exporter peak RSS (VmHWM) and the ratio to a raw baseline measured in the
 * same run: `COPY (SELECT resource ...) TO STDOUT` of the same rows piped into one plain multipart
 * upload to the same S3 endpoint. moto is started here unless AWS_ENDPOINT_URL is set. Extra
 * EXPORTER_* / DATABASE_POOL_SIZE variables are passed to the exporters.
 *
 * Exporters run as in production (`npm run build` output, plain node), built here into
 * tmp/bench-build; `--runtime swc` runs them from source through @swc-node/register
 * instead (as the e2e tests do), which adds ~150 MB of RSS for the in-process compiler. Exporters
 * get NODE_OPTIONS=--max-semi-space-size=2 (the recommended exporter setting) unless
 * EXPORTER_NODE_OPTIONS says otherwise. BENCH_SKIP_TWO=1 skips the two-replica run.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createS3Client } from '@fhirlake/cloud';
import { baseEnvSchema, loadConfig } from '@fhirlake/config';
import { JobDispatcher } from '@fhirlake/coordination';
import { createPgPool, JobRepository, type JobRecord } from '@fhirlake/persistence';
import { type AppProcess, createJobDestinations, createTestDatabase, type MotoServer, startMoto, uniqueRedisPrefix } from '@fhirlake/testing';
import IORedis, { type Redis } from 'ioredis';
import { createHash, randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import type { Pool as PgPool } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { benchRuntime, buildApps, memoryMb, startApp } from './bench-process';
import { loadBenchData } from './export-bench-data';

const argCount = process.argv.indexOf('--count');
const COUNT = Number(argCount > 0 ? process.argv[argCount + 1] : (process.env.BENCH_COUNT ?? 200_000));
/** Recommended for exporter deployments: a small young generation frees upload buffers sooner (~40 MB less peak RSS). */
const EXPORTER_NODE_OPTIONS = process.env.EXPORTER_NODE_OPTIONS ?? '--max-semi-space-size=2';
const RUNTIME = benchRuntime(process.argv);
const MB = 1024 * 1024;
const log = (msg: string) => process.stdout.write(`${msg}\n`);
const seconds = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e9;

/** Raw baseline: one COPY of the rows' JSON text piped into one plain (no SSE-KMS) multipart upload. */
async function rawBaseline(sql: PgPool, s3: S3Client, bucket: string, datastoreId: string): Promise<{ seconds: number; bytes: number }> {
  const client = await sql.connect();
  const start = process.hrtime.bigint();
  try {
    const copy = client.query(copyTo(`COPY (SELECT resource FROM fhir_resource WHERE datastore_id = '${datastoreId}') TO STDOUT`));
    let bytes = 0;
    const body = new PassThrough({ highWaterMark: MB });
    copy.on('data', (chunk: Buffer) => (bytes += chunk.length));
    copy.on('error', (error) => body.destroy(error));
    copy.pipe(body);
    await new Upload({ client: s3, params: { Bucket: bucket, Key: 'raw-baseline.ndjson', Body: body }, partSize: 8 * MB, queueSize: 4 }).done();
    return { seconds: seconds(start), bytes };
  } finally {
    client.release();
  }
}

interface ExportRun {
  seconds: number;
  /** Until the plan was committed (snapshot time fixed, parts planned). */
  planSeconds: number;
  bytes: number;
  peakRssMb: number[];
  files: number;
}

async function runExport(ctx: { sql: PgPool; redis: Redis; redisPrefix: string; dbUrl: string; bucket: string; kmsKeyId: string; roleArn: string; datastoreId: string }, replicas: number): Promise<ExportRun> {
  const passThrough = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('EXPORTER_') || k === 'DATABASE_POOL_SIZE' || k === 'MALLOC_ARENA_MAX')) as Record<string, string>;
  const exporters: AppProcess[] = [];
  try {
    for (let i = 0; i < replicas; i++) exporters.push(startApp(RUNTIME, 'exporter', { DATABASE_URL: ctx.dbUrl, REDIS_PREFIX: ctx.redisPrefix, LOG_LEVEL: 'log', ...passThrough }, EXPORTER_NODE_OPTIONS));
    await Promise.all(exporters.map((e) => e.waitForOutput(/exporter workers started/, 60_000)));
    const jobs = new JobRepository(ctx.sql);
    const jobId = randomBytes(16).toString('hex');
    await jobs.create({
      id: jobId, datastoreId: ctx.datastoreId, kind: 'EXPORT', name: 'bench', clientToken: null, requestHash: createHash('sha256').update(jobId).digest('hex'),
      dataAccessRoleArn: ctx.roleArn, outputS3Uri: `s3://${ctx.bucket}/export-${replicas}`, kmsKeyId: ctx.kmsKeyId,
    });
    const job = (await jobs.admitNext(ctx.datastoreId))!;
    const dispatcher = new JobDispatcher(ctx.redis, ctx.redisPrefix);
    const start = process.hrtime.bigint();
    await dispatcher.dispatch(job);
    await dispatcher.close();
    let final: JobRecord | undefined;
    let planSeconds = 0;
    const peaks = exporters.map(() => 0);
    while (!final) {
      await new Promise((r) => setTimeout(r, 100));
      exporters.forEach((e, i) => (peaks[i] = Math.max(peaks[i], memoryMb(e.child.pid!))));
      const current = await jobs.find(jobId);
      if (!planSeconds && current?.progress.planned) planSeconds = seconds(start);
      if (current && ['COMPLETED', 'COMPLETED_WITH_ERRORS', 'FAILED', 'CANCEL_COMPLETED'].includes(current.status)) final = current;
      const dead = exporters.find((e) => e.child.exitCode !== null);
      if (dead) throw new Error(`exporter exited:\n${dead.output().slice(-3000)}`);
    }
    const elapsed = seconds(start);
    exporters.forEach((e, i) => (peaks[i] = Math.max(peaks[i], memoryMb(e.child.pid!))));
    if (final.status !== 'COMPLETED') throw new Error(`export ended ${final.status}: ${final.message}`);
    if (process.env.BENCH_VERBOSE) exporters.forEach((e, i) => log(`--- exporter ${i + 1} ---\n${e.output().replace(/\x1b\[[0-9;]*m/g, '')}`));
    if (process.env.BENCH_VERBOSE) {
      const timeline = await ctx.sql.query<{ s: number; n: number }>(
        `SELECT round(extract(epoch FROM updated_at - (SELECT min(updated_at) FROM fhir_export_part WHERE job_id = $1))::numeric, 1)::float AS s, resource_count AS n FROM fhir_export_part WHERE job_id = $1 ORDER BY updated_at`,
        [jobId],
      );
      log(`  parts done at (s): ${timeline.rows.map((r) => r.s).join(' ')}`);
    }
    const { rows } = await ctx.sql.query<{ bytes: number; files: number }>('SELECT sum(bytes)::bigint AS bytes, count(*)::int AS files FROM fhir_export_part WHERE job_id = $1', [jobId]);
    return { seconds: elapsed, planSeconds, bytes: Number(rows[0].bytes), peakRssMb: peaks, files: rows[0].files };
  } finally {
    for (const e of exporters) {
      if (e.child.exitCode === null) {
        e.child.kill('SIGTERM');
        await e.exited;
      }
    }
  }
}

async function main(): Promise<void> {
  if (!Number.isInteger(COUNT) || COUNT < 1) throw new Error('--count must be a positive integer');
  if (RUNTIME === 'dist') buildApps();
  let moto: MotoServer | undefined;
  if (!process.env.AWS_ENDPOINT_URL) {
    moto = await startMoto();
    process.env.AWS_ENDPOINT_URL = moto.endpoint;
  }
  process.env.AWS_ACCESS_KEY_ID ||= 'testing';
  process.env.AWS_SECRET_ACCESS_KEY ||= 'testing';
  const db = await createTestDatabase();
  // createPgPool handles idle connections dropped by the server (e.g. DROP DATABASE ... FORCE at teardown).
  const sql = createPgPool(db.url, 4);
  const redisPrefix = uniqueRedisPrefix('export-bench');
  const redis = new IORedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
  const env = loadConfig(baseEnvSchema, process.env);
  const s3 = createS3Client(env);
  try {
    const datastoreId = randomBytes(16).toString('hex');
    await sql.query(`INSERT INTO datastore (id, name, status) VALUES ($1, 'bench', 'ACTIVE')`, [datastoreId]);
    log(`loading ${COUNT.toLocaleString()} resources...`);
    const loadStart = process.hrtime.bigint();
    const { bytes } = await loadBenchData(sql, datastoreId, COUNT);
    log(`  ${(bytes / MB).toFixed(1)} MB of JSON (${Math.round(bytes / COUNT)} bytes/resource) in ${seconds(loadStart).toFixed(1)} s`);
    // A private, encrypted bucket, a key and a data access role the exporter's preflight accepts.
    const { outputBucket: bucket, kmsKeyId, roleArn } = await createJobDestinations({ singleBucket: true });
    const ctx = { sql, redis, redisPrefix, dbUrl: db.url, bucket, kmsKeyId, roleArn, datastoreId };

    const raw = await rawBaseline(sql, s3, bucket, datastoreId);
    const one = await runExport(ctx, 1);
    const two = process.env.BENCH_SKIP_TWO ? one : await runExport(ctx, 2);

    const rawRate = COUNT / raw.seconds;
    const line = (name: string, run: ExportRun) =>
      log(`  ${name} ${run.seconds.toFixed(1).padStart(6)} s  ${Math.round(COUNT / run.seconds).toLocaleString().padStart(8)} resources/s  ${(run.bytes / MB / run.seconds).toFixed(1).padStart(6)} MB/s  ${(COUNT / run.seconds / rawRate).toFixed(2)}x raw  peak RSS ${run.peakRssMb.map((m) => `${m.toFixed(0)} MB`).join(' + ')}  (${run.files} files; planned after ${run.planSeconds.toFixed(1)} s)`);
    log(`\nexport of ${COUNT.toLocaleString()} resources (${(bytes / MB).toFixed(1)} MB), SSE-KMS, <= 5,000 per file, exporters from ${RUNTIME === 'dist' ? 'the production build' : 'source (swc-node)'}, NODE_OPTIONS='${EXPORTER_NODE_OPTIONS}':`);
    line('1 exporter: ', one);
    line('2 exporters:', two);
    log(`  raw baseline ${raw.seconds.toFixed(1).padStart(6)} s  ${Math.round(rawRate).toLocaleString().padStart(8)} resources/s  ${(raw.bytes / MB / raw.seconds).toFixed(1).padStart(6)} MB/s  (one COPY TO STDOUT piped into one plain multipart upload)`);
    log(`  2 replicas vs 1: ${(one.seconds / two.seconds).toFixed(2)}x`);
  } finally {
    s3.destroy();
    const keys = await redis.keys(`${redisPrefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    await sql.end();
    await db.drop();
    await moto?.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
