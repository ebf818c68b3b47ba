/**
 * End-to-end import benchmark:
 *   npm run bench:import -- --count 200000     (or BENCH_COUNT=...; default 200,000)
 * Generates Synthea-like resources, uploads them to S3 (moto, started here unless
 * AWS_ENDPOINT_URL is set), runs one import job through the real importer process, and prints
 * resources/s, MB/s, the importer's peak RSS (VmHWM), and the ratio to a raw Postgres COPY of the
 * same rows into a bare (id text, resource jsonb) table measured in the same run, on the same
 * fresh database (dropped afterwards). Extra IMPORTER_* variables are passed to the importer.
 * The importer runs as in production (`npm run build` output under plain node) with
 * IMPORTER_NODE_OPTIONS (default below); `--runtime swc` runs it from source instead.
 * BENCH_IMPORTER_OUTPUT=<file> saves the importer's output there.
 */
import { createS3Client, S3ObjectStore } from '@fhirlake/cloud';
import { baseEnvSchema, loadConfig } from '@fhirlake/config';
import { JobDispatcher } from '@fhirlake/coordination';
import { createPgPool, JobRepository, type JobRecord } from '@fhirlake/persistence';
import { createJobDestinations, createTestDatabase, type MotoServer, startMoto, uniqueRedisPrefix, type AppProcess } from '@fhirlake/testing';
import IORedis from 'ioredis';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import { benchRuntime, buildApps, machineBusySeconds, memoryMb, processCpuSeconds, startApp } from './bench-process';
import { generateBenchData } from './import-bench-data';

const argCount = process.argv.indexOf('--count');
const COUNT = Number(argCount > 0 ? process.argv[argCount + 1] : (process.env.BENCH_COUNT ?? 200_000));
const RUNTIME = benchRuntime(process.argv);
/** The importer deployments' setting (k8s/importer.yaml, docker/compose.yaml). */
const IMPORTER_NODE_OPTIONS = process.env.IMPORTER_NODE_OPTIONS ?? '--max-semi-space-size=2 --max-old-space-size=192';
const MB = 1024 * 1024;
const log = (msg: string) => process.stdout.write(`${msg}\n`);
const seconds = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e9;

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
  const dir = mkdtempSync(path.join(tmpdir(), 'fhirlake-import-bench-'));
  const db = await createTestDatabase();
  // createPgPool handles idle connections dropped by the server (e.g. DROP DATABASE ... FORCE at teardown).
  const sql = createPgPool(db.url, 4);
  const redisPrefix = uniqueRedisPrefix('import-bench');
  const redis = new IORedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
  const env = loadConfig(baseEnvSchema, process.env);
  const s3 = createS3Client(env);
  let importer: AppProcess | undefined;
  try {
    log(`generating ${COUNT.toLocaleString()} resources...`);
    const data = await generateBenchData(dir, COUNT);
    log(`  ${(data.bytes / MB).toFixed(1)} MB in ${data.ndjsonFiles.length} file(s), ${Math.round(data.bytes / COUNT)} bytes/resource on average`);

    // A private, encrypted bucket, a key and a data access role the importer's preflight accepts.
    const { inputBucket: bucket, kmsKeyId, roleArn } = await createJobDestinations({ singleBucket: true });
    const store = new S3ObjectStore(s3);
    log('uploading to S3...');
    for (const file of data.ndjsonFiles) await store.write(bucket, `input/${path.basename(file)}`, createReadStream(file), { kmsKeyId });
    log('raw COPY baseline...');

    // Baseline: one COPY of the same rows into a bare table.
    await sql.query('CREATE TABLE bench_raw_copy (id text, resource jsonb)');
    const client = await sql.connect();
    const copyStart = process.hrtime.bigint();
    try {
      await pipeline(createReadStream(data.copyFile, { highWaterMark: 1024 * 1024 }), client.query(copyFrom('COPY bench_raw_copy (id, resource) FROM STDIN')));
    } finally {
      client.release();
    }
    const copySeconds = seconds(copyStart);
    await sql.query('DROP TABLE bench_raw_copy');
    await sql.query('CHECKPOINT');

    log('importing...');
    // The import, through the real importer process.
    const datastoreId = randomBytes(16).toString('hex');
    await sql.query(`INSERT INTO datastore (id, name, status) VALUES ($1, 'bench', 'ACTIVE')`, [datastoreId]);
    const jobs = new JobRepository(sql);
    const jobId = randomBytes(16).toString('hex');
    await jobs.create({
      id: jobId, datastoreId, kind: 'IMPORT', name: 'bench', clientToken: null, requestHash: createHash('sha256').update(jobId).digest('hex'),
      dataAccessRoleArn: roleArn, inputS3Uri: `s3://${bucket}/input/`, outputS3Uri: `s3://${bucket}/output`, kmsKeyId, validationLevel: 'strict',
    });
    const job = (await jobs.admitNext(datastoreId))!;
    const importerEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('IMPORTER_') && k !== 'IMPORTER_NODE_OPTIONS')) as Record<string, string>;
    // MALLOC_ARENA_MAX as the deployments set it.
    const importerProcessEnv = { DATABASE_URL: db.url, REDIS_PREFIX: redisPrefix, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn', MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2', ...importerEnv };
    importer = startApp(RUNTIME, 'importer', importerProcessEnv, IMPORTER_NODE_OPTIONS);
    await importer.waitForOutput(/importer ready|Import queue worker started/, 60_000).catch(() => new Promise((r) => setTimeout(r, 3000)));
    const pid = importer.child.pid!;
    const dispatcher = new JobDispatcher(redis, redisPrefix);
    const motoCpu = () => (moto ? processCpuSeconds(moto.pid) : 0);
    const cpuBefore = { importer: processCpuSeconds(pid), moto: motoCpu(), machine: machineBusySeconds() };
    const importStart = process.hrtime.bigint();
    await dispatcher.dispatch(job);
    await dispatcher.close();
    let final: JobRecord | undefined;
    let peak = 0;
    const rssTrace: string[] = [];
    let lastTrace = 0;
    let lastProgress = { scanned: -1, at: Date.now() };
    while (!final) {
      await new Promise((r) => setTimeout(r, 200));
      if (Date.now() - lastTrace >= 5000) {
        lastTrace = Date.now();
        const progress = (await jobs.find(jobId))?.progress.TotalNumberOfResourcesScanned ?? 0;
        rssTrace.push(`${Math.round(seconds(importStart))}s:${Math.round(memoryMb(pid, 'VmRSS'))}MB@${progress}`);
      }
      peak = Math.max(peak, memoryMb(pid));
      const current = await jobs.find(jobId);
      const scanned = Number(current?.progress.TotalNumberOfResourcesScanned ?? 0);
      if (scanned !== lastProgress.scanned) lastProgress = { scanned, at: Date.now() };
      if (Date.now() - lastProgress.at > 120_000) throw new Error(`no progress for 120 s at ${scanned} resources; importer output:\n${importer.output().slice(-3000)}`);
      if (current && ['COMPLETED', 'COMPLETED_WITH_ERRORS', 'FAILED', 'CANCEL_COMPLETED'].includes(current.status)) final = current;
      if (importer.child.exitCode !== null || importer.child.signalCode !== null) throw new Error(`importer exited (${importer.child.exitCode ?? importer.child.signalCode}):\n${importer.output().slice(-3000)}`);
    }
    const importSeconds = seconds(importStart);
    const cpu = { importer: processCpuSeconds(pid) - cpuBefore.importer, moto: motoCpu() - cpuBefore.moto, machine: machineBusySeconds() - cpuBefore.machine };
    peak = Math.max(peak, memoryMb(pid));
    if (final.status !== 'COMPLETED') throw new Error(`import ended ${final.status}: ${final.message}`);

    const importRate = COUNT / importSeconds;
    const copyRate = COUNT / copySeconds;
    log(`\nimport of ${COUNT.toLocaleString()} resources (${(data.bytes / MB).toFixed(1)} MB), strict validation, history + reference index,`);
    log(`importer from ${RUNTIME === 'dist' ? 'the production build' : 'source (swc-node)'}, NODE_OPTIONS='${IMPORTER_NODE_OPTIONS}':`);
    log(`  importer:      ${importSeconds.toFixed(1)} s  ${Math.round(importRate).toLocaleString()} resources/s  ${(data.bytes / MB / importSeconds).toFixed(1)} MB/s`);
    log(`  raw COPY:      ${copySeconds.toFixed(1)} s  ${Math.round(copyRate).toLocaleString()} rows/s  ${(data.bytes / MB / copySeconds).toFixed(1)} MB/s  (bare table, id text + resource jsonb)`);
    log(`  ratio:         ${(importRate / copyRate).toFixed(2)}x raw COPY`);
    log(`  peak RSS:      ${peak.toFixed(0)} MB (importer VmHWM)`);
    log(`  RSS over time: ${rssTrace.join(' ')}`);
    const cores = os.cpus().length;
    const others = cpu.machine - cpu.importer - cpu.moto;
    log(`  CPU:           importer ${cpu.importer.toFixed(1)} s, ${moto ? `moto ${cpu.moto.toFixed(1)} s, ` : ''}everything else (Postgres, this script) ${others.toFixed(1)} s; machine ${Math.round((100 * cpu.machine) / (cores * importSeconds))}% busy on ${cores} cores`);
  } finally {
    if (importer && importer.child.exitCode === null) {
      importer.child.kill('SIGTERM');
      await importer.exited;
    }
    // e.g. with IMPORTER_NODE_OPTIONS='... --trace-gc', to study the importer afterwards.
    if (importer && process.env.BENCH_IMPORTER_OUTPUT) writeFileSync(process.env.BENCH_IMPORTER_OUTPUT, importer.output());
    s3.destroy();
    const keys = await redis.keys(`${redisPrefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    await sql.end();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
    await moto?.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
