import { Inject, Injectable } from '@nestjs/common';
import { type createKmsClient, kmsKeyProblem, S3ObjectStore } from '@fhirlake/cloud';
import { WORKER_PG_POOL } from '@fhirlake/coordination';
import type { JobRecord } from '@fhirlake/persistence';
import type { Pool } from 'pg';
import { ExportOutputLocation } from './export-output';
import { EXPORTER_KMS } from './exporter.tokens';

/**
 * Checks that must pass before an export writes anything: the datastore is ACTIVE, the KMS key
 * can encrypt, and the output bucket exists and is reachable. Each problem is named exactly.
 */
@Injectable()
export class ExportPreflightService {
  constructor(
    @Inject(WORKER_PG_POOL) private readonly pool: Pool,
    @Inject(EXPORTER_KMS) private readonly kms: ReturnType<typeof createKmsClient>,
    private readonly store: S3ObjectStore,
  ) {}

  /** Undefined when the export may start; otherwise why not. */
  async problem(job: JobRecord): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ status: string }>('SELECT status FROM datastore WHERE id = $1', [job.datastoreId]);
    if (!rows[0]) return `Datastore ${job.datastoreId} does not exist`;
    if (rows[0].status !== 'ACTIVE') return `Datastore ${job.datastoreId} is ${rows[0].status}, not ACTIVE`;
    const output = ExportOutputLocation.of(job.outputS3Uri, job.datastoreId, job.id);
    if (!output) return `Output location ${job.outputS3Uri} is not a valid S3 URI`;
    const kmsProblem = await kmsKeyProblem(this.kms, job.kmsKeyId);
    if (kmsProblem) return kmsProblem;
    return this.bucketProblem(output);
  }

  /**
   * Lists one page under the job's folder: fails for a missing bucket or missing access without
   * leaving any object behind (a marker write would). Write permission itself is proven by the
   * first part's upload; a part that keeps failing is reported in the job's errors.
   */
  private async bucketProblem(output: ExportOutputLocation): Promise<string | undefined> {
    try {
      await this.store.list(output.bucket, `${output.folder}/`).next();
      return undefined;
    } catch (error) {
      const name = (error as { name?: string }).name ?? 'Error';
      if (name === 'NoSuchBucket') return `Output bucket ${output.bucket} does not exist`;
      if (name === 'AccessDenied') return `Access denied to output bucket ${output.bucket}`;
      return `Output bucket ${output.bucket} cannot be reached (${name}: ${(error as Error).message})`;
    }
  }
}
