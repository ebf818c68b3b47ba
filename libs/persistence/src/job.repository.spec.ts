import { useTestDatabase } from '@fhirlake/testing';
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { createPgPool } from './database';
import { JobRepository } from './job.repository';
import { JobFencedError } from './job.types';

const hex = () => randomUUID().replace(/-/g, '');

describe('JobRepository (real Postgres)', () => {
  const db = useTestDatabase();
  let pool: Pool;
  let jobs: JobRepository;
  let datastoreId: string;

  const submit = async (clientToken: string | null = null) =>
    (
      await jobs.create({
        id: hex(), datastoreId, kind: 'EXPORT', name: 'j', clientToken, requestHash: 'h'.repeat(64),
        dataAccessRoleArn: 'arn:aws:iam::000000000000:role/r', outputS3Uri: 's3://b/p', kmsKeyId: 'k',
      })
    ).job;

  beforeAll(async () => {
    pool = createPgPool(db.url, 4);
    jobs = new JobRepository(pool);
  });
  beforeEach(async () => {
    datastoreId = hex();
    await pool.query(`INSERT INTO datastore (id, status) VALUES ($1, 'ACTIVE')`, [datastoreId]);
  });
  afterAll(() => pool.end());

  it('returns the existing job for a reused client token instead of a second row', async () => {
    const first = await submit('tok');
    const { job, created } = await jobs.create({ ...first, id: hex(), clientToken: 'tok' });
    expect(created).toBe(false);
    expect(job.id).toBe(first.id);
  });

  it('admits FIFO and only one job per datastore', async () => {
    const [a, b] = [await submit(), await submit()];
    expect((await jobs.admitNext(datastoreId))?.id).toBe(a.id);
    expect(await jobs.admitNext(datastoreId)).toBeUndefined();
    expect((await jobs.find(b.id))?.status).toBe('QUEUED');
    // The partial unique index refuses a second active job even if code tried.
    await expect(pool.query(`UPDATE fhir_job SET status = 'IN_PROGRESS' WHERE id = $1`, [b.id])).rejects.toMatchObject({ code: '23505' });
  });

  it('fences out an earlier claim: its commits fail once another worker claims the job', async () => {
    const job = await submit();
    await jobs.admitNext(datastoreId);
    const first = (await jobs.claim(job.id, 'worker-1'))!;
    await jobs.updateProgress(job.id, first.epoch, { step: 1 });
    const second = (await jobs.claim(job.id, 'worker-2'))!;
    expect(second.epoch).toBe(first.epoch + 1);
    await expect(jobs.updateProgress(job.id, first.epoch, { step: 2 })).rejects.toBeInstanceOf(JobFencedError);
    await expect(jobs.fenced(job.id, first.epoch, async () => 'written')).rejects.toBeInstanceOf(JobFencedError);
    await jobs.transition(job.id, second.epoch, 'COMPLETED', { message: 'done' });
    const done = (await jobs.find(job.id))!;
    expect(done).toMatchObject({ status: 'COMPLETED', message: 'done', progress: { step: 1 }, workerId: 'worker-2' });
    expect(done.endTime).toBeInstanceOf(Date);
    // A finished job cannot be claimed or written by anyone.
    expect(await jobs.claim(job.id, 'worker-3')).toBeUndefined();
    await expect(jobs.fenced(job.id, second.epoch, async () => 'late')).rejects.toBeInstanceOf(JobFencedError);
  });

  it('blocks a claim until a fenced transaction in flight commits (no write slips past an epoch bump)', async () => {
    const job = await submit();
    await jobs.admitNext(datastoreId);
    const held = (await jobs.claim(job.id, 'worker-1'))!;
    let claimedAt = 0;
    let committedAt = 0;
    const writer = jobs.fenced(job.id, held.epoch, async () => {
      await new Promise((r) => setTimeout(r, 300));
      committedAt = Date.now();
    });
    await new Promise((r) => setTimeout(r, 50));
    const claim = jobs.claim(job.id, 'worker-2').then(() => (claimedAt = Date.now()));
    await Promise.all([writer, claim]);
    expect(claimedAt).toBeGreaterThanOrEqual(committedAt);
  });

  it('cancels waiting jobs at once, running jobs by request, and refuses finished ones', async () => {
    const [running, waiting] = [await submit(), await submit()];
    await jobs.admitNext(datastoreId);
    expect(await jobs.requestCancel(waiting.id)).toMatchObject({ kind: 'cancelled', job: { status: 'CANCEL_COMPLETED' } });
    expect(await jobs.requestCancel(running.id)).toMatchObject({ kind: 'cancel-submitted', job: { status: 'CANCEL_SUBMITTED' } });
    expect(await jobs.requestCancel(running.id)).toMatchObject({ kind: 'not-cancellable' });
    expect(await jobs.requestCancel(hex())).toEqual({ kind: 'not-found' });
  });
});
