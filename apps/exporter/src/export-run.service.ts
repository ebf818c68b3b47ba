import { Inject, Injectable, Logger } from '@nestjs/common';
import { JobAwsClients } from '@fhirlake/cloud';
import type { JobExecution } from '@fhirlake/coordination';
import type { JobStatus } from '@fhirlake/jobs';
import { type ExportPart, ExportPlanRepository, type ExportPlanSummary, JobRepository } from '@fhirlake/persistence';
import { setTimeout as sleep } from 'node:timers/promises';
import { ExportOutputLocation } from './export-output';
import { ExportPartQueue } from './export-part.queue';
import { ExportPlannerService } from './export-planner.service';
import { ExportPreflightService } from './export-preflight.service';
import { type ExportRequest, parseExportRequest } from './export-request';
import { EXPORTER_ENV } from './exporter.tokens';
import type { ExporterEnv } from './exporter-env';

/** How long a cancellation waits for running parts to notice it (they check every poll interval). */
const CANCEL_GRACE_POLLS = 4;


/** The job's result, HealthLake/Bulk Data style. */
export interface ExportResult {
  output: Array<{ type: string; url: string; count: number }>;
  error: Array<{ type: string; url?: string; message: string }>;
}

/**
 * The coordinating run of an export job: checks, snapshot time, plan, then enqueues the
 * unfinished parts at its epoch and waits for them (progress, cancellation), and finally writes
 * the result. Re-run after a crash, it keeps the snapshot time, the plan and every finished part.
 */
@Injectable()
export class ExportRunService {
  private readonly logger = new Logger('ExportRun');

  constructor(
    private readonly jobs: JobRepository,
    private readonly plans: ExportPlanRepository,
    private readonly preflight: ExportPreflightService,
    private readonly planner: ExportPlannerService,
    private readonly partQueue: ExportPartQueue,
    private readonly aws: JobAwsClients,
    @Inject(EXPORTER_ENV) private readonly env: ExporterEnv,
  ) {}

  async run(execution: JobExecution): Promise<void> {
    const { job } = execution;
    if (await execution.cancelRequested()) return this.cancel(execution, []);
    const parsed = parseExportRequest(job.exportRequest);
    if ('problem' in parsed) return this.finish(execution, 'FAILED', parsed.problem);
    // The job's clients, held while the job runs here: this replica's parts of the job share them,
    // and (assume-role mode) they are destroyed once the job ends and its last part here is done.
    const lease = this.aws.acquire(job);
    try {
      // Nothing moves before the checks pass, on the first run and on every resume.
      const problem = await this.preflight.problem(job, lease.store);
      if (problem) return await this.finish(execution, 'FAILED', problem);
      await this.runChecked(execution, parsed.request);
    } finally {
      lease.release();
    }
  }

  private async runChecked(execution: JobExecution, request: ExportRequest): Promise<void> {
    const { job, epoch } = execution;
    const output = ExportOutputLocation.of(job.outputS3Uri, job.datastoreId, job.id)!;

    const transactionTime = await this.planner.snapshotTime(execution);
    if (job.progress.planned !== true) {
      const planned = await this.planner.plan(execution, transactionTime, request, output);
      if (planned.kind === 'failed') return this.finish(execution, 'FAILED', planned.message);
      if (request.scope !== 'SYSTEM') await this.plans.analyzeMembers();
      this.logger.log(`job ${job.id} planned: ${planned.partsTotal} parts, ${planned.resourcesTotal} resources as of ${transactionTime}`);
    }
    const pending = (await this.plans.parts(job.id)).filter((p) => p.status === 'PENDING').map((p) => p.partId);
    await this.partQueue.enqueue({ jobId: job.id, datastoreId: job.datastoreId, epoch }, pending);

    let reported = '';
    let changedAt = Date.now();
    for (;;) {
      execution.signal.throwIfAborted();
      if (await execution.cancelRequested()) return this.cancel(execution, pending);
      const summary = await this.plans.summary(job.id);
      const progress = JSON.stringify(summary);
      if (progress !== reported) {
        await this.jobs.updateProgress(job.id, epoch, { ...summary });
        reported = progress;
        changedAt = Date.now();
      } else if (Date.now() - changedAt > this.env.EXPORTER_STALL_CHECK_MS) {
        // No part finished for a while: make sure every unfinished part still has a queue entry.
        const unfinished = (await this.plans.parts(job.id)).filter((p) => p.status === 'PENDING').map((p) => p.partId);
        const readded = await this.partQueue.ensureQueued({ jobId: job.id, datastoreId: job.datastoreId, epoch }, unfinished);
        if (readded > 0) this.logger.warn(`job ${job.id}: re-enqueued ${readded} parts whose queue entries were lost`);
        changedAt = Date.now();
      }
      if (summary.partsDone + summary.partsFailed === summary.partsTotal) return this.complete(execution, output, summary);
      await sleep(this.env.EXPORTER_POLL_MS, undefined, { signal: execution.signal }).catch(() => undefined);
    }
  }

  private async complete(execution: JobExecution, output: ExportOutputLocation, summary: ExportPlanSummary): Promise<void> {
    const parts = await this.plans.parts(execution.job.id);
    const result = exportResult(parts, output);
    const { status, message } = finalOutcome(summary, result);
    await this.finish(execution, status, message, { ...result }, { ...summary });
  }

  /** CANCEL_IN_PROGRESS, drop queued parts, give running parts time to abort, CANCEL_COMPLETED. */
  private async cancel(execution: JobExecution, pending: number[]): Promise<void> {
    const { job, epoch } = execution;
    await this.jobs.transition(job.id, epoch, 'CANCEL_IN_PROGRESS');
    await this.partQueue.discard({ jobId: job.id, epoch }, pending);
    await sleep(this.env.EXPORTER_POLL_MS * CANCEL_GRACE_POLLS);
    const summary = await this.plans.summary(job.id);
    await this.finish(execution, 'CANCEL_COMPLETED', `Export cancelled after ${summary.partsDone} of ${summary.partsTotal} files`, undefined, { ...summary });
  }

  /** Final status, fenced; the compartment members are dropped with it. */
  private async finish(execution: JobExecution, status: JobStatus, message: string, result?: Record<string, unknown>, progress?: Record<string, unknown>): Promise<void> {
    const { job, epoch } = execution;
    await execution.fenced(async (client) => {
      await this.jobs.transition(job.id, epoch, status, { message, result, progress }, client);
      await this.plans.clearMembers(client, job.id);
    });
    this.logger.log(`job ${job.id} ${status}: ${message}`);
  }
}

/** Output files (DONE parts) and errors (FAILED parts), in type and part order. */
export function exportResult(parts: ExportPart[], output: ExportOutputLocation): ExportResult {
  const ordered = [...parts].sort((a, b) => (a.resourceType < b.resourceType ? -1 : a.resourceType > b.resourceType ? 1 : a.partNumber - b.partNumber));
  return {
    output: ordered.filter((p) => p.status === 'DONE').map((p) => ({ type: p.resourceType, url: output.url(p.objectKey), count: p.resourceCount })),
    error: ordered.filter((p) => p.status === 'FAILED').map((p) => ({ type: p.resourceType, url: output.url(p.objectKey), message: p.error ?? 'unknown error' })),
  };
}

/** COMPLETED when every file was written, COMPLETED_WITH_ERRORS when some were, FAILED when none could be. */
export function finalOutcome(summary: ExportPlanSummary, result: ExportResult): { status: JobStatus; message: string } {
  if (summary.partsFailed === 0) return { status: 'COMPLETED', message: `Exported ${summary.resourcesExported} resources in ${summary.partsDone} files` };
  const failedTypes = [...new Set(result.error.map((e) => e.type))].join(', ');
  if (summary.partsDone > 0) {
    return {
      status: 'COMPLETED_WITH_ERRORS',
      message: `Exported ${summary.resourcesExported} of ${summary.resourcesTotal} resources; ${summary.partsFailed} files could not be written (types ${failedTypes})`,
    };
  }
  return { status: 'FAILED', message: `No file could be written: ${result.error[0]?.message ?? 'unknown error'}` };
}
