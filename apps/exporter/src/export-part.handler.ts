import { Inject, Injectable } from '@nestjs/common';
import { exportPartPayload, JOB_NAMES, QUEUES } from '@fhirlake/jobs';
import { DelayedError, type Job } from 'bullmq';
import { ExportPartService } from './export-part.service';
import { EXPORTER_SHUTDOWN } from './exporter.tokens';
import type { JobHandler } from './job-handler-registry';

/** `export.part`: one output file of an export, processed by any exporter replica. */
@Injectable()
export class ExportPartHandler implements JobHandler {
  readonly queue = QUEUES.exportPart;
  readonly jobName = JOB_NAMES.exportPart;

  constructor(
    private readonly parts: ExportPartService,
    @Inject(EXPORTER_SHUTDOWN) private readonly shutdown: AbortController,
  ) {}

  async handle(job: Job, token?: string): Promise<string> {
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    try {
      return await this.parts.process(exportPartPayload.parse(job.data), { lastAttempt, shutdown: this.shutdown.signal });
    } catch (error) {
      // Interrupted by shutdown, not failed: hand the part back without spending an attempt.
      if (!this.shutdown.signal.aborted || !token) throw error;
      await job.moveToDelayed(Date.now() + 500, token);
      throw new DelayedError();
    }
  }
}
