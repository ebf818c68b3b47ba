import { Logger } from '@nestjs/common';
import type { JobExecution } from '@fhirlake/coordination';
import { isCancelling, type JobStatus } from '@fhirlake/jobs';
import {
  type BulkWrittenVersion,
  type ImportCheckpointRepository,
  type ImportFileRecord,
  type JobRepository,
  byteRangeAt,
  renderedResource,
  stampVersion,
  writeRenderedBatch,
} from '@fhirlake/persistence';
import type { PoolClient } from 'pg';
import { failureLine, type PreparedBatch, SERVER_ERROR_ISSUES } from './import-batch';
import { importProgress } from './import-report';
import type { ParsedResources } from './resource-line-batch';

/** What a commit needs to know about the running import. */
export interface ImportRunState {
  execution: JobExecution;
  /** The job's files; the committed batch's file is updated in place. */
  files: ImportFileRecord[];
  /** s3:// URI of each file, for FAILURE lines. */
  inputUri(file: ImportFileRecord): string;
  /** Job start (ms since epoch), for throughput. */
  startedAt: number;
  /**
   * Whether the last batch met only new ids, so the next one is written without looking up
   * current versions first (see writeRenderedBatch's assumeNew); starts true.
   */
  freshIds?: boolean;
}

const MAX_ATTEMPTS = 5;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const pgCode = (error: unknown): string | undefined => (error as { code?: unknown }).code as string | undefined;

/**
 * Errors caused by one resource's content on the server side (a value Postgres refuses, an index
 * entry too large): the resource is reported as a server error and the batch goes on without it.
 */
export function isResourceDataError(error: unknown): boolean {
  const code = pgCode(error);
  return typeof code === 'string' && code.length === 5 && (code.startsWith('22') || code.startsWith('54') || (code.startsWith('23') && code !== '23505'));
}

const FINAL_ERRORS = new Set(['JobFencedError', 'DatastoreUnavailableError', 'ImportCheckpointMismatchError', 'AbortError', 'PreviousBatchFailedError']);

/** The batch before failed to commit: this one cannot either (its checkpoint would not follow on). */
class PreviousBatchFailedError extends Error {
  constructor(readonly reason: unknown) {
    super(`The previous batch failed to commit: ${(reason as Error | undefined)?.message ?? String(reason)}`);
    this.name = 'PreviousBatchFailedError';
  }
}

/** The batch before saw the job being cancelled: this one is rolled back (nothing commits after a cancellation is seen). */
class CancelledBeforeCommitError extends Error {
  constructor(readonly status: JobStatus) {
    super('Cancelled before this batch committed');
    this.name = 'CancelledBeforeCommitError';
  }
}
const TRANSIENT_SQLSTATES = new Set(['23505', '40001', '40P01', '55P03', '57P01', '57P02', '57P03', '53300']);

/**
 * Worth retrying the whole batch: a race with a concurrent write of the same new id (unique
 * violation), a deadlock, a dropped connection. Postgres errors carry `routine`.
 */
function isTransient(error: unknown): boolean {
  if (typeof error === 'object' && error !== null && 'routine' in error) {
    const code = pgCode(error) ?? '';
    return TRANSIENT_SQLSTATES.has(code) || code.startsWith('08');
  }
  return !FINAL_ERRORS.has((error as Error | undefined)?.name ?? '');
}

/**
 * Commits one batch in a single fenced transaction: the resources (bulk write path), the file's
 * checkpoint, its SUCCESS/FAILURE lines and the job's progress. Either all of it lands or none.
 */
export class ImportBatchCommitter {
  private readonly logger = new Logger('ImportBatchCommitter');

  constructor(
    private readonly jobs: JobRepository,
    private readonly checkpoints: ImportCheckpointRepository,
  ) {}

  /**
   * Returns the job status seen when the batch committed (to notice a cancellation). With
   * `previous` (the commit of the batch before, still running), the batch's resources are written
   * meanwhile, on another connection, and its checkpoint only once that commit is done; if it saw a
   * cancellation, this batch is rolled back and that status returned.
   */
  async commit(run: ImportRunState, batch: PreparedBatch, previous?: Promise<JobStatus>): Promise<JobStatus> {
    let isolate = false;
    for (let attempt = 1; ; attempt++) {
      if (run.execution.signal.aborted) throw run.execution.signal.reason;
      try {
        const { status, file, freshIds } = await run.execution.fencedLate((client, fence) => this.write(run, batch, client, fence, previous, isolate));
        // Committed: now the in-memory view may move on.
        run.files[run.files.findIndex((f) => f.fileIndex === file.fileIndex)] = file;
        run.freshIds = freshIds;
        return status;
      } catch (error) {
        if (error instanceof CancelledBeforeCommitError) return error.status;
        if (!isolate && isResourceDataError(error)) {
          // Some resource in the batch is refused: redo it resource by resource to find which.
          isolate = true;
          attempt--;
          continue;
        }
        if (attempt >= MAX_ATTEMPTS || !isTransient(error) || run.execution.signal.aborted) throw error;
        await sleep(100 * 2 ** attempt);
      }
    }
  }

  private async write(
    run: ImportRunState,
    batch: PreparedBatch,
    client: PoolClient,
    fence: () => Promise<JobStatus>,
    previous: Promise<JobStatus> | undefined,
    isolate: boolean,
  ): Promise<{ status: JobStatus; file: ImportFileRecord; freshIds: boolean }> {
    const { job } = run.execution;
    const { resources } = batch;
    const versions = isolate
      ? await this.writeOneByOne(client, job.id, batch.fileIndex, resources)
      : await writeRenderedBatch(client, resources.rendered, { assumeNew: run.freshIds !== false });
    // The job and file rows are locked (and the checkpoint checked) in batch order: only once the
    // previous batch has committed.
    if (previous) {
      const before = await previous.catch((error: unknown) => {
        throw new PreviousBatchFailedError(error);
      });
      if (isCancelling(before)) throw new CancelledBeforeCommitError(before);
    }
    const status = await fence();
    const file = run.files.find((f) => f.fileIndex === batch.fileIndex)!;

    const counts = { resourcesScanned: resources.lines.length + batch.invalid.length, resourcesImported: 0, customerErrors: batch.invalid.length, serverErrors: 0, importedBytes: 0 };
    const serverErrors: number[] = [];
    for (let i = 0; i < versions.length; i++) {
      if (versions[i]) {
        counts.resourcesImported++;
        counts.importedBytes += resources.bytes[i];
      } else {
        counts.serverErrors++;
        serverErrors.push(resources.lines[i]);
      }
    }
    const outputs = { success: successOutput(resources, versions), failure: this.failureOutput(run.inputUri(file), batch, serverErrors) };
    await this.checkpoints.recordBatch(client, job.id, { ...batch, ...counts }, outputs);

    const updated: ImportFileRecord = {
      ...file,
      state: batch.endOfFile ? 'LOADED' : 'READING',
      nextLine: batch.nextLine,
      nextByte: batch.nextByte,
      resourcesScanned: file.resourcesScanned + counts.resourcesScanned,
      resourcesImported: file.resourcesImported + counts.resourcesImported,
      customerErrors: file.customerErrors + counts.customerErrors,
      serverErrors: file.serverErrors + counts.serverErrors,
      importedBytes: file.importedBytes + counts.importedBytes,
    };
    const files = run.files.map((f) => (f === file ? updated : f));
    await this.jobs.updateProgress(job.id, run.execution.epoch, { ...importProgress(files, (Date.now() - run.startedAt) / 1000) }, client);
    // Lease lost or shutting down while we worked: roll back rather than commit.
    if (run.execution.signal.aborted) throw run.execution.signal.reason;
    return { status, file: updated, freshIds: versions.every((v) => v === undefined || v.versionId === 1) };
  }

  /** Stores the batch's resources one by one, each in a savepoint: the versions of those stored, undefined for those refused. */
  private async writeOneByOne(client: PoolClient, jobId: string, fileIndex: number, resources: ParsedResources): Promise<Array<BulkWrittenVersion | undefined>> {
    const versions: Array<BulkWrittenVersion | undefined> = [];
    for (let i = 0; i < resources.lines.length; i++) {
      await client.query('SAVEPOINT import_resource');
      try {
        versions.push((await writeRenderedBatch(client, renderedResource(resources.rendered, i)))[0]);
        await client.query('RELEASE SAVEPOINT import_resource');
      } catch (error) {
        if (!isResourceDataError(error)) throw error;
        await client.query('ROLLBACK TO SAVEPOINT import_resource');
        versions.push(undefined);
        // No PHI: where and which SQLSTATE only.
        this.logger.warn(`Job ${jobId}: server error storing line ${resources.lines[i]} of file ${fileIndex} (SQLSTATE ${pgCode(error)})`);
      }
    }
    return versions;
  }

  /** The batch's FAILURE lines, customer and server errors merged in line order, joined by newlines. */
  private failureOutput(inputUri: string, batch: PreparedBatch, serverErrors: readonly number[]): string {
    const lines: string[] = [];
    let s = 0;
    for (const bad of batch.invalid) {
      while (s < serverErrors.length && serverErrors[s] < bad.line) lines.push(failureLine(inputUri, serverErrors[s++], SERVER_ERROR_ISSUES));
      lines.push(failureLine(inputUri, bad.line, bad.issues));
    }
    while (s < serverErrors.length) lines.push(failureLine(inputUri, serverErrors[s++], SERVER_ERROR_ISSUES));
    return lines.join('\n');
  }
}

/**
 * The batch's SUCCESS lines joined by newlines: the rendered lines with their versions filled in,
 * in one pass when every resource got version 1 (a fresh load).
 */
function successOutput(resources: ParsedResources, versions: ReadonlyArray<BulkWrittenVersion | undefined>): string {
  const text = (bytes: Buffer) => bytes.toString('utf8', 0, Math.max(0, bytes.length - 1)); // without the last newline
  if (versions.length === 0) return '';
  if (versions.every((v) => v?.versionId === 1)) return text(stampVersion(resources.successes, 1));
  const lines: Buffer[] = [];
  for (let i = 0; i < versions.length; i++) {
    const version = versions[i];
    if (version) lines.push(stampVersion(byteRangeAt(resources.successes, resources.successEnds, i), version.versionId));
  }
  return text(Buffer.concat(lines));
}
