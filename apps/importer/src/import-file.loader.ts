import type { S3ObjectStore } from '@fhirlake/cloud';
import { type ValidationLevel } from '@fhirlake/fhir';
import { isCancelling, type JobStatus } from '@fhirlake/jobs';
import type { ImportFileRecord } from '@fhirlake/persistence';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { newBatch, type PreparedBatch } from './import-batch';
import type { ImportBatchCommitter, ImportRunState } from './import-batch.committer';
import type { ImporterSettings } from './importer-settings';
import { NdjsonLineSplitter } from './ndjson-line-splitter';
import { assignedId, parseResourceLine } from './resource-line.parser';

export interface ImportFileRun extends ImportRunState {
  inputBucket: string;
  validationLevel: ValidationLevel;
}

/**
 * Streams one input object (S3 -> gunzip if .gz -> line splitter -> parse/validate) into batches
 * and commits them. The next batch is parsed while the previous one commits, so the CPU work and
 * Postgres overlap; at most two batches are in memory. Resumes from the file's checkpoint: a
 * ranged read from its byte offset for plain ndjson, re-skipping lines for gzip.
 */
export class ImportFileLoader {
  constructor(
    private readonly store: S3ObjectStore,
    private readonly committer: ImportBatchCommitter,
    private readonly settings: ImporterSettings,
  ) {}

  /** Loads the rest of `file`; 'cancelled' when a cancellation was seen after a commit. */
  async load(run: ImportFileRun, file: ImportFileRecord): Promise<'loaded' | 'cancelled'> {
    const { signal } = run.execution;
    const ranged = !file.gzip;
    const fromByte = ranged ? file.nextByte : 0;
    const splitter = new NdjsonLineSplitter({ firstLine: ranged ? file.nextLine : 1, startByte: fromByte, maxLineBytes: this.settings.maxLineBytes });
    let batch = newBatch(file.fileIndex, file.nextLine, file.nextByte);
    let pending: Promise<JobStatus> | undefined;
    let cancelled = false;

    const idFor = (line: number) => assignedId(run.execution.job.id, file.s3Key, line);
    const add = (lines: ReturnType<NdjsonLineSplitter['push']>) => {
      for (const line of lines) {
        if (line.number < file.nextLine) continue; // gzip resume: already committed
        const parsed = parseResourceLine(line, run.validationLevel, this.settings.maxLineBytes, idFor);
        if (parsed.kind === 'resource') batch.entries.push({ line: line.number, bytes: line.end - line.start, resource: parsed.resource });
        else if (parsed.kind === 'invalid') batch.entries.push({ line: line.number, bytes: line.end - line.start, issues: parsed.issues });
        batch.nextLine = line.number + 1;
        batch.nextByte = line.end;
        batch.byteCount += line.end - line.start;
      }
    };
    /** Waits for the batch in flight; true when the job is being cancelled. */
    const settle = async () => {
      if (pending) cancelled ||= isCancelling(await pending);
      pending = undefined;
      return cancelled;
    };
    const submit = async (endOfFile: boolean) => {
      if (await settle()) return;
      const full = { ...batch, endOfFile };
      batch = newBatch(file.fileIndex, full.nextLine, full.nextByte);
      pending = this.committer.commit(run, full);
      pending.catch(() => undefined); // awaited by the next settle(); avoid an unhandled rejection meanwhile
    };
    const isFull = (b: PreparedBatch) => b.nextLine - b.fromLine >= this.settings.batchLines || b.byteCount >= this.settings.batchBytes;

    // A plain file already read to its end (the crash came before the final commit) needs no read.
    if (!(ranged && fromByte > 0 && fromByte >= file.sizeBytes)) {
      const body = await this.store.read(run.inputBucket, file.s3Key, fromByte);
      const onAbort = () => body.destroy(signal.reason as Error);
      signal.addEventListener('abort', onAbort, { once: true });
      let source: Readable = body;
      if (file.gzip) {
        const gunzip = createGunzip();
        pipeline(body, gunzip).catch(() => undefined); // errors surface by iterating the gunzip stream
        source = gunzip;
      }
      try {
        for await (const chunk of source) {
          add(splitter.push(chunk as Buffer));
          if (isFull(batch)) {
            await submit(false);
            if (cancelled) break;
          }
        }
        if (!cancelled) add(splitter.end());
      } catch (error) {
        if (!isCorruptGzip(error)) throw error;
        // The rest of the file cannot be read: one customer error at the line where it broke.
        batch.entries.push({ line: batch.nextLine, bytes: 0, issues: [{ severity: 'error', code: 'structure', diagnostics: `The file is not a valid gzip stream (${(error as Error).message})` }] });
        batch.nextLine++;
      } finally {
        signal.removeEventListener('abort', onAbort);
        if (cancelled || signal.aborted) body.destroy();
      }
    }
    if (!cancelled) await submit(true);
    await settle();
    return cancelled ? 'cancelled' : 'loaded';
  }
}

function isCorruptGzip(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('Z_');
}
