import { Logger } from '@nestjs/common';
import { runClaimedJob, type JobRuntimeDeps } from '@fhirlake/coordination';
import { JOB_NAMES, type RunJobPayload } from '@fhirlake/jobs';
import { JobFencedError } from '@fhirlake/persistence';
import type { ImportJobService } from './import-job.service';
import type { QueueJobHandler } from './queue-job-handler';

/** `import.run`: take the datastore lease, claim the job (new epoch), run the import. */
export class RunImportHandler implements QueueJobHandler {
  readonly jobName = JOB_NAMES.runImport;
  private readonly logger = new Logger('RunImportHandler');

  constructor(
    private readonly runtime: Omit<JobRuntimeDeps, 'shutdownSignal'>,
    private readonly imports: ImportJobService,
  ) {}

  async handle(payload: RunJobPayload, shutdown: AbortSignal): Promise<void> {
    try {
      const outcome = await runClaimedJob({ ...this.runtime, shutdownSignal: shutdown }, payload, (execution) => this.imports.run(execution));
      if (outcome === 'skipped') this.logger.log(`Job ${payload.jobId} is no longer active; nothing to do`);
    } catch (error) {
      // Another worker holds the job now (or it finished): its run is the one that counts.
      if (error instanceof JobFencedError) this.logger.warn(`Job ${payload.jobId}: fenced out (${error.message}); leaving it to its new holder`);
      else throw error;
    }
  }
}
