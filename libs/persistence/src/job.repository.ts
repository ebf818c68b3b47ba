import { ACTIVE_STATUSES, type JobStatus, WAITING_STATUSES } from '@fhirlake/jobs';
import type { Pool, PoolClient } from 'pg';
import { inTransaction } from './database';
import { UNIQUE_VIOLATION } from './fhir-resource.types';
import { type JobListFilter, type JobRecord, JobFencedError, type NewJob } from './job.types';


const JOB_COLUMNS = `id, datastore_id AS "datastoreId", kind, name, status, client_token AS "clientToken",
  request_hash AS "requestHash", data_access_role_arn AS "dataAccessRoleArn", input_s3_uri AS "inputS3Uri",
  output_s3_uri AS "outputS3Uri", kms_key_id AS "kmsKeyId", validation_level AS "validationLevel",
  export_request AS "exportRequest", submit_time AS "submitTime",
  to_char(transaction_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "transactionTime",
  start_time AS "startTime", end_time AS "endTime", message, progress, result, epoch, worker_id AS "workerId", principal`;

const ACTIVE = `('${ACTIVE_STATUSES.join("','")}')`;
const WAITING = `('${WAITING_STATUSES.join("','")}')`;

/** Outcome of a cancellation request. */
export type CancelOutcome = { kind: 'cancelled' | 'cancel-submitted'; job: JobRecord } | { kind: 'not-cancellable'; job: JobRecord } | { kind: 'not-found' };

/**
 * Job rows: the source of truth for import/export jobs. Admission is serialized by the partial
 * unique index on active jobs; worker writes are fenced by `epoch`.
 */
export class JobRepository {
  constructor(private readonly pool: Pool) {}

  /** Inserts a job; with a client token already used for this datastore and kind, returns that job instead. */
  async create(job: NewJob): Promise<{ job: JobRecord; created: boolean }> {
    try {
      const { rows } = await this.pool.query<JobRecord>(
        `INSERT INTO fhir_job (id, datastore_id, kind, name, client_token, request_hash, data_access_role_arn, output_s3_uri,
           kms_key_id, input_s3_uri, validation_level, export_request, principal)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING ${JOB_COLUMNS}`,
        [job.id, job.datastoreId, job.kind, job.name, job.clientToken, job.requestHash, job.dataAccessRoleArn, job.outputS3Uri,
          job.kmsKeyId, job.inputS3Uri ?? null, job.validationLevel ?? null, job.exportRequest ?? null, job.principal ?? null],
      );
      return { job: rows[0], created: true };
    } catch (error) {
      if ((error as { code?: string }).code !== UNIQUE_VIOLATION || !job.clientToken) throw error;
      const { rows } = await this.pool.query<JobRecord>(
        `SELECT ${JOB_COLUMNS} FROM fhir_job WHERE kind = $1 AND datastore_id = $2 AND client_token = $3`,
        [job.kind, job.datastoreId, job.clientToken],
      );
      return { job: rows[0], created: false };
    }
  }

  async findByClientToken(kind: JobRecord['kind'], datastoreId: string, clientToken: string): Promise<JobRecord | undefined> {
    const { rows } = await this.pool.query<JobRecord>(
      `SELECT ${JOB_COLUMNS} FROM fhir_job WHERE kind = $1 AND datastore_id = $2 AND client_token = $3`,
      [kind, datastoreId, clientToken],
    );
    return rows[0];
  }

  async find(id: string): Promise<JobRecord | undefined> {
    const { rows } = await this.pool.query<JobRecord>(`SELECT ${JOB_COLUMNS} FROM fhir_job WHERE id = $1`, [id]);
    return rows[0];
  }

  /** Newest first. */
  async list(filter: JobListFilter, limit: number): Promise<JobRecord[]> {
    const params: unknown[] = [filter.kind];
    const bind = (v: unknown) => `$${params.push(v)}`;
    const where = ['kind = $1'];
    if (filter.datastoreId) where.push(`datastore_id = ${bind(filter.datastoreId)}`);
    if (filter.name) where.push(`name = ${bind(filter.name)}`);
    if (filter.status) where.push(`status = ${bind(filter.status)}::"JobStatus"`);
    if (filter.submittedBefore) where.push(`submit_time < ${bind(filter.submittedBefore)}`);
    if (filter.submittedAfter) where.push(`submit_time > ${bind(filter.submittedAfter)}`);
    if (filter.after) where.push(`(submit_time, id) < (${bind(filter.after.submitTime)}, ${bind(filter.after.id)})`);
    const { rows } = await this.pool.query<JobRecord>(
      `SELECT ${JOB_COLUMNS} FROM fhir_job WHERE ${where.join(' AND ')} ORDER BY submit_time DESC, id DESC LIMIT ${bind(limit)}`,
      params,
    );
    return rows;
  }

  /** Datastores that have waiting jobs, oldest waiting job first. */
  async datastoresWithWaitingJobs(): Promise<string[]> {
    const { rows } = await this.pool.query<{ datastore_id: string }>(
      `SELECT datastore_id FROM fhir_job WHERE status IN ${WAITING} GROUP BY datastore_id ORDER BY min(queue_seq)`,
    );
    return rows.map((r) => r.datastore_id);
  }

  async activeJobs(): Promise<JobRecord[]> {
    const { rows } = await this.pool.query<JobRecord>(`SELECT ${JOB_COLUMNS} FROM fhir_job WHERE status IN ${ACTIVE} ORDER BY queue_seq`);
    return rows;
  }

  /**
   * Admits the datastore's oldest waiting job if no job is active there (FIFO); marks the others
   * QUEUED. Returns the admitted job, or undefined. Safe to call from several replicas at once.
   */
  async admitNext(datastoreId: string): Promise<JobRecord | undefined> {
    return this.inTransaction(async (client) => {
      const active = await client.query(`SELECT 1 FROM fhir_job WHERE datastore_id = $1 AND status IN ${ACTIVE} LIMIT 1`, [datastoreId]);
      let admitted: JobRecord | undefined;
      if (active.rowCount === 0) {
        const { rows } = await client.query<JobRecord>(
          `UPDATE fhir_job SET status = 'IN_PROGRESS', start_time = now(), updated_at = now()
            WHERE id = (SELECT id FROM fhir_job WHERE datastore_id = $1 AND status IN ${WAITING} ORDER BY queue_seq LIMIT 1 FOR UPDATE)
            RETURNING ${JOB_COLUMNS}`,
          [datastoreId],
        );
        admitted = rows[0];
      }
      await client.query(`UPDATE fhir_job SET status = 'QUEUED', updated_at = now() WHERE datastore_id = $1 AND status = 'SUBMITTED'`, [datastoreId]);
      return admitted;
    }).catch((error: unknown) => {
      // Another replica admitted a job for this datastore first: the index kept the invariant.
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) return undefined;
      throw error;
    });
  }

  /**
   * A worker takes over a running job: bumps the epoch, which fences out every earlier holder.
   * Returns the job with its new epoch, or undefined if it is not active any more.
   */
  async claim(jobId: string, workerId: string): Promise<JobRecord | undefined> {
    const { rows } = await this.pool.query<JobRecord>(
      `UPDATE fhir_job SET epoch = epoch + 1, worker_id = $2, updated_at = now()
        WHERE id = $1 AND status IN ${ACTIVE} RETURNING ${JOB_COLUMNS}`,
      [jobId, workerId],
    );
    return rows[0];
  }

  /**
   * Call first inside every worker transaction: locks the job row in share mode so no claim can
   * bump the epoch before this transaction commits; throws JobFencedError if the epoch moved or
   * the job is no longer active. Returns the current status (e.g. to notice a cancellation).
   */
  async assertHeld(client: PoolClient, jobId: string, epoch: number): Promise<JobStatus> {
    const { rows } = await client.query<{ status: JobStatus }>(`SELECT status FROM fhir_job WHERE id = $1 AND epoch = $2 AND status IN ${ACTIVE} FOR SHARE`, [jobId, epoch]);
    if (!rows[0]) throw new JobFencedError(jobId, epoch);
    return rows[0].status;
  }

  /** Runs `work` in a transaction fenced at `epoch`. */
  async fenced<T>(jobId: string, epoch: number, work: (client: PoolClient, status: JobStatus) => Promise<T>): Promise<T> {
    return this.inTransaction(async (client) => work(client, await this.assertHeld(client, jobId, epoch)));
  }

  /**
   * Runs `work` in a transaction that may commit only once `work` has taken the fence by calling
   * `fence()` (the check {@link assertHeld} makes, held until commit); throws if it never did. For
   * work that writes before it may lock the job row, e.g. a batch that overlaps the previous one's
   * commit (which updates that row).
   */
  async fencedLate<T>(jobId: string, epoch: number, work: (client: PoolClient, fence: () => Promise<JobStatus>) => Promise<T>): Promise<T> {
    return this.inTransaction(async (client) => {
      let fenced = false;
      const result = await work(client, async () => {
        const status = await this.assertHeld(client, jobId, epoch);
        fenced = true;
        return status;
      });
      if (!fenced) throw new Error(`Job ${jobId}: a fenced transaction ended without taking its fence`);
      return result;
    });
  }

  /** Records progress (merged into `progress`) under the fence. */
  async updateProgress(jobId: string, epoch: number, progress: Record<string, unknown>, client?: PoolClient): Promise<void> {
    const run = (c: PoolClient | Pool) => c.query(`UPDATE fhir_job SET progress = progress || $3::jsonb, updated_at = now() WHERE id = $1 AND epoch = $2`, [jobId, epoch, JSON.stringify(progress)]);
    if (client) await run(client);
    else await this.fenced(jobId, epoch, (c) => run(c));
  }

  /** Moves a running job to a new active or final status under the fence. */
  async transition(jobId: string, epoch: number, status: JobStatus, fields: { message?: string | null; result?: Record<string, unknown>; progress?: Record<string, unknown>; transactionTime?: string } = {}, client?: PoolClient): Promise<void> {
    const final = !(ACTIVE_STATUSES as readonly string[]).includes(status);
    const run = (c: PoolClient | Pool) =>
      c.query(
        `UPDATE fhir_job SET status = $3, message = COALESCE($4, message), result = COALESCE($5::jsonb, result),
           progress = progress || COALESCE($6::jsonb, '{}'::jsonb), transaction_time = COALESCE($7::timestamptz, transaction_time),
           end_time = CASE WHEN $8 THEN now() ELSE end_time END, updated_at = now()
         WHERE id = $1 AND epoch = $2`,
        [jobId, epoch, status, fields.message ?? null, fields.result ? JSON.stringify(fields.result) : null, fields.progress ? JSON.stringify(fields.progress) : null, fields.transactionTime ?? null, final],
      );
    if (client) await run(client);
    else await this.fenced(jobId, epoch, (c) => run(c));
  }

  /** Cancels a waiting job at once, or asks the worker of a running one to stop. */
  async requestCancel(jobId: string): Promise<CancelOutcome> {
    return this.inTransaction(async (client) => {
      const { rows } = await client.query<JobRecord>(`SELECT ${JOB_COLUMNS} FROM fhir_job WHERE id = $1 FOR UPDATE`, [jobId]);
      const job = rows[0];
      if (!job) return { kind: 'not-found' } as const;
      const next: Partial<Record<JobStatus, JobStatus>> = { SUBMITTED: 'CANCEL_COMPLETED', QUEUED: 'CANCEL_COMPLETED', IN_PROGRESS: 'CANCEL_SUBMITTED' };
      const status = next[job.status];
      if (!status) return { kind: 'not-cancellable', job } as const;
      const updated = await client.query<JobRecord>(
        `UPDATE fhir_job SET status = $2::"JobStatus", end_time = CASE WHEN $3 THEN now() ELSE end_time END,
           message = CASE WHEN $3 THEN 'Cancelled before it started' ELSE message END, updated_at = now()
         WHERE id = $1 RETURNING ${JOB_COLUMNS}`,
        [jobId, status, status === 'CANCEL_COMPLETED'],
      );
      return { kind: status === 'CANCEL_COMPLETED' ? 'cancelled' : 'cancel-submitted', job: updated.rows[0] } as const;
    });
  }

  /** Fails a job that cannot run (e.g. its datastore vanished), whatever its epoch. */
  async failUnconditionally(jobId: string, message: string): Promise<void> {
    await this.pool.query(
      `UPDATE fhir_job SET status = 'FAILED', message = $2, end_time = now(), updated_at = now(), epoch = epoch + 1
        WHERE id = $1 AND status NOT IN ('COMPLETED', 'COMPLETED_WITH_ERRORS', 'FAILED', 'CANCEL_COMPLETED', 'CANCEL_FAILED')`,
      [jobId, message],
    );
  }

  private inTransaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, work);
  }

}
