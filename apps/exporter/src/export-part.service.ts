import { Inject, Injectable, Logger } from '@nestjs/common';
import { JobAwsClients } from '@fhirlake/cloud';
import type { ExportPartPayload } from '@fhirlake/jobs';
import { ExportPlanRepository, ExportSnapshotReader, JobFencedError, JobRepository } from '@fhirlake/persistence';
import { setTimeout as sleep } from 'node:timers/promises';
import { ExportOutputLocation } from './export-output';
import { exportSnapshot } from './export-planner.service';
import { parseExportRequest } from './export-request';
import { EXPORTER_ENV } from './exporter.tokens';
import type { ExporterEnv } from './exporter-env';

/** The part must not be written (any more): its job was cancelled, finished, or re-claimed at another epoch. */
export class PartStoppedError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'PartStoppedError';
  }
}

export interface PartAttempt {
  /** True on the last attempt BullMQ will make: a failure is then recorded on the part. */
  lastAttempt: boolean;
  /** Aborted when this process shuts down. */
  shutdown: AbortSignal;
}

/**
 * Streams one planned part (a type's id range of the job's snapshot) to its S3 object and commits
 * it DONE fenced at the epoch that planned it. Parts are idempotent: the object's key and bytes
 * depend only on the plan, so a retried or duplicated part rewrites the same object.
 */
@Injectable()
export class ExportPartService {
  private readonly logger = new Logger('ExportPart');

  constructor(
    private readonly jobs: JobRepository,
    private readonly plans: ExportPlanRepository,
    private readonly reader: ExportSnapshotReader,
    private readonly aws: JobAwsClients,
    @Inject(EXPORTER_ENV) private readonly env: ExporterEnv,
  ) {}

  async process(payload: ExportPartPayload, attempt: PartAttempt): Promise<'done' | 'dropped' | 'failed'> {
    const job = await this.jobs.find(payload.jobId);
    if (!job || job.status !== 'IN_PROGRESS' || job.epoch !== payload.epoch) return 'dropped';
    const part = await this.plans.part(payload.jobId, payload.partId);
    if (!part || part.status !== 'PENDING') return 'dropped';
    const parsed = parseExportRequest(job.exportRequest);
    const output = ExportOutputLocation.of(job.outputS3Uri, job.datastoreId, job.id);
    const transactionTime = await this.plans.snapshotTime(job.id);
    if ('problem' in parsed || !output || !transactionTime) return 'dropped'; // the run fails the job for these

    const stop = new AbortController();
    const onShutdown = () => stop.abort(attempt.shutdown.reason);
    attempt.shutdown.addEventListener('abort', onShutdown, { once: true });
    const watcher = this.watchJob(payload, stop);
    // The job's own clients: as its data access role in assume-role mode.
    const lease = this.aws.acquire(job);
    let stream: { destroy(): void } | undefined;
    try {
      if (this.env.EXPORTER_PART_DELAY_MS > 0) await sleep(this.env.EXPORTER_PART_DELAY_MS, undefined, { signal: stop.signal });
      const snapshot = exportSnapshot(job.id, job.datastoreId, transactionTime, parsed.request);
      const opened = await this.reader.openPart(snapshot, part);
      stream = opened.stream;
      await lease.store.write(output.bucket, part.objectKey, opened.stream, { kmsKeyId: job.kmsKeyId }, 'application/fhir+ndjson', stop.signal);
      stop.signal.throwIfAborted();
      await this.jobs.fenced(payload.jobId, payload.epoch, async (client, status) => {
        if (status !== 'IN_PROGRESS') throw new PartStoppedError(`job is ${status}`);
        await this.plans.markDone(client, payload.jobId, payload.partId, payload.epoch, opened.counters.bytes);
      });
      this.logger.debug(`job ${payload.jobId} part ${payload.partId} done at epoch ${payload.epoch} (${opened.counters.rows} resources)`);
      return 'done';
    } catch (error) {
      const reason = stop.signal.aborted ? stop.signal.reason : error;
      if (reason instanceof PartStoppedError || reason instanceof JobFencedError) return 'dropped';
      if (attempt.shutdown.aborted) throw reason; // retried by another replica
      if (!attempt.lastAttempt) throw reason;
      const message = `${part.resourceType} part ${part.partNumber} could not be written: ${errorSummary(reason)}`;
      this.logger.warn(`job ${payload.jobId}: ${message}`);
      await this.jobs
        .fenced(payload.jobId, payload.epoch, (client) => this.plans.markFailed(client, payload.jobId, payload.partId, payload.epoch, message))
        .catch(() => undefined); // fenced out: the new epoch retries the part
      return 'failed';
    } finally {
      clearInterval(watcher);
      attempt.shutdown.removeEventListener('abort', onShutdown);
      stream?.destroy();
      lease.release();
    }
  }

  /** Aborts the part as soon as its job is cancelled, finished or re-claimed. */
  private watchJob(payload: ExportPartPayload, stop: AbortController): NodeJS.Timeout {
    let checking = false;
    const timer = setInterval(() => {
      if (checking || stop.signal.aborted) return;
      checking = true;
      this.jobs
        .find(payload.jobId)
        .then((job) => {
          if (!job || job.status !== 'IN_PROGRESS' || job.epoch !== payload.epoch) stop.abort(new PartStoppedError(job ? `job is ${job.status} at epoch ${job.epoch}` : 'job is gone'));
        })
        .catch(() => undefined)
        .finally(() => (checking = false));
    }, this.env.EXPORTER_POLL_MS);
    timer.unref();
    return timer;
  }
}

/** Error name and message (S3/Postgres messages carry no resource contents). */
function errorSummary(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`.slice(0, 500);
  return String(error).slice(0, 500);
}
