import { formatS3Uri, joinKey, type S3Location, type S3ObjectStore } from '@fhirlake/cloud';
import type { ImportCheckpointRepository, ImportFileRecord, JobRecord } from '@fhirlake/persistence';
import { Readable } from 'node:stream';
import type { ImportManifest } from './import-report';

/** Chunks (one batch's output lines each, a few MB at most) read per query. */
const PAGE = 8;

/**
 * Writes a file's SUCCESS/FAILURE objects from the output lines committed with its batches, and
 * the job's manifest. Everything comes from Postgres, so writing again after a crash produces the
 * very same objects.
 */
export class ImportOutputWriter {
  constructor(
    private readonly store: S3ObjectStore,
    private readonly checkpoints: ImportCheckpointRepository,
  ) {}

  /** Writes the file's non-empty outputs (SSE-KMS with the job's key). */
  async writeFile(job: JobRecord, jobFolder: S3Location, file: ImportFileRecord, signal: AbortSignal): Promise<void> {
    for (const success of [true, false]) {
      if (!(await this.checkpoints.hasOutput(job.id, file.fileIndex, success))) continue;
      const key = joinKey(jobFolder.key, success ? 'SUCCESS' : 'FAILURE', file.outputName);
      await this.store.write(jobFolder.bucket, key, Readable.from(this.lines(job.id, file.fileIndex, success)), { kmsKeyId: job.kmsKeyId }, 'application/fhir+ndjson', signal);
    }
  }

  async writeManifest(job: JobRecord, jobFolder: S3Location, manifest: ImportManifest, signal: AbortSignal): Promise<string> {
    const key = joinKey(jobFolder.key, 'manifest.json');
    await this.store.write(jobFolder.bucket, key, `${JSON.stringify(manifest, null, 2)}\n`, { kmsKeyId: job.kmsKeyId }, 'application/json', signal);
    return formatS3Uri({ bucket: jobFolder.bucket, key });
  }

  private async *lines(jobId: string, fileIndex: number, success: boolean): AsyncGenerator<string> {
    for (let after = 0; ; ) {
      const page = await this.checkpoints.outputPage(jobId, fileIndex, success, after, PAGE);
      if (page.length === 0) return;
      for (const chunk of page) yield `${chunk.body}\n`;
      after = page[page.length - 1].line;
    }
  }
}
