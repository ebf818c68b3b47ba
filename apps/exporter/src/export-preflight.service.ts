import { Inject, Injectable } from '@nestjs/common';
import { formatPreflightProblems, JobAwsClients, type S3ObjectStore } from '@fhirlake/cloud';
import { WORKER_PG_POOL } from '@fhirlake/coordination';
import type { JobRecord } from '@fhirlake/persistence';
import type { Pool } from 'pg';
import { ExportOutputLocation } from './export-output';

/**
 * Checks that must pass before an export writes anything, on every start and resume of its run:
 * the datastore is ACTIVE, the job preflight (data access role trust and permissions, output
 * bucket protections, KMS key) passes, and the output bucket can be listed with the job's own
 * S3 client. Each problem is named exactly.
 */
@Injectable()
export class ExportPreflightService {
  constructor(
    @Inject(WORKER_PG_POOL) private readonly pool: Pool,
    private readonly aws: JobAwsClients,
  ) {}

  /** Undefined when the export may start; otherwise why not. `store`: the job's own (see JobAwsClients.acquire). */
  async problem(job: JobRecord, store: S3ObjectStore): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ status: string }>('SELECT status FROM datastore WHERE id = $1', [job.datastoreId]);
    if (!rows[0]) return `Datastore ${job.datastoreId} does not exist`;
    if (rows[0].status !== 'ACTIVE') return `Datastore ${job.datastoreId} is ${rows[0].status}, not ACTIVE`;
    const problems = await this.aws.preflight(job);
    if (problems.length > 0) return formatPreflightProblems(problems);
    const output = ExportOutputLocation.of(job.outputS3Uri, job.datastoreId, job.id);
    if (!output) return `Output location ${job.outputS3Uri} is not a valid S3 URI`;
    return this.bucketProblem(store, output);
  }

  /**
   * Lists one page under the job's folder: fails for a missing bucket or missing access without
   * leaving any object behind (a marker write would). Write permission itself is proven by the
   * first part's upload; a part that keeps failing is reported in the job's errors.
   */
  private async bucketProblem(store: S3ObjectStore, output: ExportOutputLocation): Promise<string | undefined> {
    try {
      await store.list(output.bucket, `${output.folder}/`).next();
      return undefined;
    } catch (error) {
      const name = (error as { name?: string }).name ?? 'Error';
      if (name === 'NoSuchBucket') return `Output bucket ${output.bucket} does not exist`;
      if (name === 'AccessDenied') return `Access denied to output bucket ${output.bucket}`;
      return `Output bucket ${output.bucket} cannot be reached (${name}: ${(error as Error).message})`;
    }
  }
}
