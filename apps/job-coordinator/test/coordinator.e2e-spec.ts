import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { baseEnvSchema, loadConfig, type BaseEnv } from '@fhirlake/config';
import { createRedisConnection, runClaimedJob, RUN_JOB_WORKER_OPTIONS } from '@fhirlake/coordination';
import { QUEUES, redisKeys, runJobPayload, type JobStatus } from '@fhirlake/jobs';
import { createPgPool, JobRepository } from '@fhirlake/persistence';
import { uniqueRedisPrefix, useTestDatabase, waitFor } from '@fhirlake/testing';
import { Worker } from 'bullmq';
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Pool } from 'pg';
import { CoordinatorLoopService } from '../src/coordinator-loop.service';
import { JobAdmissionService } from '../src/job-admission.service';
import { JobCoordinatorModule } from '../src/job-coordinator.module';

const hex = () => randomUUID().replace(/-/g, '');

describe('job-coordinator (real Postgres and Redis)', () => {
  const db = useTestDatabase();
  let env: BaseEnv;
  let pool: Pool;
  let redis: Redis;
  let jobs: JobRepository;
  const contexts: INestApplicationContext[] = [];
  /** Jobs the fake worker has been told to finish. */
  const releases = new Map<string, () => void>();
  let worker: Worker | undefined;

  const statusOf = async (id: string) => (await jobs.find(id))!.status;
  const activeCount = async (datastoreId: string) =>
    (await pool.query(`SELECT count(*)::int AS n FROM fhir_job WHERE datastore_id = $1 AND status IN ('IN_PROGRESS','CANCEL_SUBMITTED','CANCEL_IN_PROGRESS')`, [datastoreId])).rows[0].n as number;

  async function createDatastore(): Promise<string> {
    const id = hex();
    await pool.query(`INSERT INTO datastore (id, status) VALUES ($1, 'ACTIVE')`, [id]);
    return id;
  }

  async function submit(datastoreId: string): Promise<string> {
    const { job } = await jobs.create({
      id: hex(), datastoreId, kind: 'IMPORT', name: 'test', clientToken: null, requestHash: 'x'.repeat(64),
      dataAccessRoleArn: 'arn:aws:iam::000000000000:role/r', outputS3Uri: 's3://out/x', kmsKeyId: 'k', inputS3Uri: 's3://in/x',
    });
    return job.id;
  }

  async function startCoordinator(): Promise<INestApplicationContext> {
    const ctx = await NestFactory.createApplicationContext(JobCoordinatorModule.forRoot(env), { logger: false });
    await ctx.init();
    contexts.push(ctx);
    return ctx;
  }

  /** A stand-in importer: claims jobs like the real one and completes each when the test releases it. */
  function startFakeWorker(): void {
    worker = new Worker(
      QUEUES.import,
      async (entry) => {
        const payload = runJobPayload.parse(entry.data);
        await runClaimedJob({ jobs, redis, redisPrefix: env.REDIS_PREFIX, workerId: 'fake' }, payload, async (execution) => {
          await new Promise<void>((resolve) => releases.set(execution.job.id, resolve));
          await execution.fenced((client) => jobs.transition(execution.job.id, execution.epoch, 'COMPLETED', {}, client));
        });
      },
      { connection: redis.duplicate(), prefix: redisKeys(env.REDIS_PREFIX).bullPrefix, concurrency: 4, ...RUN_JOB_WORKER_OPTIONS },
    );
  }

  beforeAll(() => {
    env = loadConfig(baseEnvSchema, { ...process.env, DATABASE_URL: db.url, REDIS_PREFIX: uniqueRedisPrefix('coord'), FHIRLAKE_COORDINATOR_TICK_MS: '200' });
    pool = createPgPool(db.url, 4);
    redis = createRedisConnection(env.REDIS_URL, 'coordinator-test');
    jobs = new JobRepository(pool);
  });

  afterEach(async () => {
    for (const release of releases.values()) release();
    releases.clear();
    await worker?.close();
    worker = undefined;
    await Promise.all(contexts.splice(0).map((c) => c.close()));
  });

  afterAll(async () => {
    const keys = await redis.keys(`${env.REDIS_PREFIX}:*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
    await pool.end();
  });

  it('runs one job per datastore, queues the rest FIFO, and runs datastores in parallel', async () => {
    const [dsA, dsB] = [await createDatastore(), await createDatastore()];
    const a1 = await submit(dsA);
    const a2 = await submit(dsA);
    const a3 = await submit(dsA);
    const b1 = await submit(dsB);
    startFakeWorker();
    await startCoordinator();

    await waitFor(async () => releases.has(a1) && releases.has(b1), { timeoutMs: 15_000 });
    expect(await statusOf(a1)).toBe('IN_PROGRESS');
    expect(await statusOf(b1)).toBe('IN_PROGRESS');
    expect([await statusOf(a2), await statusOf(a3)]).toEqual<JobStatus[]>(['QUEUED', 'QUEUED']);

    releases.get(a1)!();
    await waitFor(async () => releases.has(a2), { timeoutMs: 15_000 });
    expect(await statusOf(a1)).toBe('COMPLETED');
    expect(await statusOf(a3)).toBe('QUEUED');
    expect(await activeCount(dsA)).toBe(1);

    releases.get(a2)!();
    await waitFor(async () => releases.has(a3), { timeoutMs: 15_000 });
    releases.get(a3)!();
    releases.get(b1)!();
    await waitFor(async () => (await statusOf(a3)) === 'COMPLETED' && (await statusOf(b1)) === 'COMPLETED', { timeoutMs: 15_000 });
  });

  it('re-dispatches an active job after its queue entry is lost (Redis flush)', async () => {
    const ds = await createDatastore();
    const id = await submit(ds);
    await startCoordinator();
    await waitFor(async () => (await statusOf(id)) === 'IN_PROGRESS', { timeoutMs: 10_000 });
    // Lose everything BullMQ knew, as a Redis flush would; the job row is the truth.
    const bullKeys = await redis.keys(`${redisKeys(env.REDIS_PREFIX).bullPrefix}:*`);
    if (bullKeys.length) await redis.del(...bullKeys);
    startFakeWorker();
    await waitFor(async () => releases.has(id), { timeoutMs: 15_000 });
    releases.get(id)!();
    await waitFor(async () => (await statusOf(id)) === 'COMPLETED', { timeoutMs: 10_000 });
  });

  it('fails waiting jobs of a datastore that is being deleted', async () => {
    const ds = await createDatastore();
    const id = await submit(ds);
    await pool.query(`UPDATE datastore SET status = 'DELETING' WHERE id = $1`, [ds]);
    await startCoordinator();
    await waitFor(async () => (await statusOf(id)) === 'FAILED', { timeoutMs: 10_000 });
    expect((await jobs.find(id))!.message).toMatch(/no longer ACTIVE/);
  });

  it('has exactly one leader, and another replica takes over within seconds when it dies', async () => {
    const first = await startCoordinator();
    const second = await startCoordinator();
    const loops = [first, second].map((c) => c.get(CoordinatorLoopService));
    await waitFor(async () => loops.filter((l) => l.isLeader()).length === 1, { timeoutMs: 10_000 });
    const leaderIndex = loops.findIndex((l) => l.isLeader());
    // Simulate a crash: stop the leader's loop without releasing its lease.
    const leaderLoop = loops[leaderIndex] as unknown as { stopped: boolean; timer: NodeJS.Timeout };
    leaderLoop.stopped = true;
    clearInterval(leaderLoop.timer);
    const started = Date.now();
    await waitFor(async () => loops[1 - leaderIndex].isLeader(), { timeoutMs: 15_000 });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('never admits two jobs on one datastore, even with replicas racing', async () => {
    const ds = await createDatastore();
    for (let i = 0; i < 6; i++) await submit(ds);
    const [x, y] = [await startCoordinator(), await startCoordinator()].map((c) => c.get(JobAdmissionService));
    await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? x : y).reconcile()));
    expect(await activeCount(ds)).toBe(1);
  });
});
