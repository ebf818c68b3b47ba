import { Inject, Injectable } from '@nestjs/common';
import { exportPartPayload, JOB_NAMES, QUEUES } from '@fhirlake/jobs';
import type { Job } from 'bullmq';
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

  handle(job: Job): Promise<string> {
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    return this.parts.process(exportPartPayload.parse(job.data), { lastAttempt, shutdown: this.shutdown.signal });
  }
}
