import type { S3ObjectStore } from '@fhirlake/cloud';
import type { ValidationLevel } from '@fhirlake/fhir';
import { isCancelling, type JobStatus } from '@fhirlake/jobs';
import type { ImportFileRecord } from '@fhirlake/persistence';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { newBatch, type PreparedBatch } from './import-batch';
import type { ImportBatchCommitter, ImportRunState } from './import-batch.committer';
import type { ImporterSettings } from './importer-settings';
import { LineBatchTextBuilder } from './line-batch-text';
import { NdjsonLineSplitter } from './ndjson-line-splitter';
import type { ResourceParsePool } from './resource-parse.pool';

export interface ImportFileRun extends ImportRunState {
  inputBucket: string;
  validationLevel: ValidationLevel;
}

/** Lines read for the next batch, not yet parsed; `batch` tracks the checkpoint they move to. */
interface ReadLines {
  batch: PreparedBatch;
  lines: LineBatchTextBuilder;
}

/**
 * Streams one input object (S3 -> gunzip if .gz -> line splitter) into batches of lines, which the
 * parse pool parses and validates (on other threads) while earlier batches commit, in input
 * order. At most `parseThreads` batches are parsing, one is committing and one is being read, so
 * memory stays bounded. Resumes from the file's checkpoint: a ranged read from its byte offset for
 * plain ndjson, re-skipping lines for gzip.
 */
export class ImportFileLoader {
  constructor(
    private readonly store: S3ObjectStore,
    private readonly committer: ImportBatchCommitter,
    private readonly parser: ResourceParsePool,
    private readonly settings: ImporterSettings,
  ) {}

  /** Loads the rest of `file`; 'cancelled' when a cancellation was seen after a commit. */
  async load(run: ImportFileRun, file: ImportFileRecord): Promise<'loaded' | 'cancelled'> {
    const { signal } = run.execution;
    const ranged = !file.gzip;
    const fromByte = ranged ? file.nextByte : 0;
    // Lines stay bytes here: they are decoded on the parse thread.
    const splitter = new NdjsonLineSplitter({ firstLine: ranged ? file.nextLine : 1, startByte: fromByte, maxLineBytes: this.settings.maxLineBytes, decode: false });
    const { datastoreId } = run.execution.job;
    let read: ReadLines = { batch: newBatch(datastoreId, file.fileIndex, file.nextLine, file.nextByte), lines: new LineBatchTextBuilder() };
    const parsing: Array<Promise<PreparedBatch>> = [];
    let pending: Promise<JobStatus> | undefined;
    let cancelled = false;

    const add = (lines: ReturnType<NdjsonLineSplitter['push']>) => {
      const { batch } = read;
      for (const line of lines) {
        if (line.number < file.nextLine) continue; // gzip resume: already committed
        read.lines.add(line);
        batch.nextLine = line.number + 1;
        batch.nextByte = line.end;
        batch.byteCount += line.end - line.start;
      }
    };
    const parse = async ({ batch, lines }: ReadLines, endOfFile: boolean): Promise<PreparedBatch> => {
      const parsed = await this.parser.parse({ lines: lines.build(), level: run.validationLevel, maxLineBytes: this.settings.maxLineBytes, jobId: run.execution.job.id, datastoreId, s3Key: file.s3Key });
      // A gzip error found while reading comes after the lines read before it.
      return { ...batch, resources: parsed.resources, invalid: [...parsed.invalid, ...batch.invalid], endOfFile };
    };
    /** Waits for the commit in flight; true when the job is being cancelled. */
    const settle = async () => {
      if (pending) cancelled ||= isCancelling(await pending);
      pending = undefined;
      return cancelled;
    };
    /** Starts committing the oldest parsed batch once the previous commit is done. */
    const commitNext = async () => {
      const batch = await parsing.shift()!;
      if (await settle()) return;
      pending = this.committer.commit(run, batch);
      pending.catch(() => undefined); // awaited by the next settle(); avoid an unhandled rejection meanwhile
    };
    const submit = async (endOfFile: boolean) => {
      const next = parse(read, endOfFile);
      next.catch(() => undefined); // awaited in order by commitNext()
      parsing.push(next);
      read = { batch: newBatch(datastoreId, file.fileIndex, read.batch.nextLine, read.batch.nextByte), lines: new LineBatchTextBuilder() };
      while (parsing.length > this.settings.parseThreads && !cancelled) await commitNext();
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
          if (isFull(read.batch)) {
            await submit(false);
            if (cancelled) break;
          }
        }
        if (!cancelled) add(splitter.end());
      } catch (error) {
        if (!isCorruptGzip(error)) throw error;
        // The rest of the file cannot be read: one customer error at the line where it broke.
        const { batch } = read;
        batch.invalid.push({ line: batch.nextLine, bytes: 0, issues: [{ severity: 'error', code: 'structure', diagnostics: `The file is not a valid gzip stream (${(error as Error).message})` }] });
        batch.nextLine++;
      } finally {
        signal.removeEventListener('abort', onAbort);
        if (cancelled || signal.aborted) body.destroy();
      }
    }
    if (!cancelled) await submit(true);
    while (parsing.length > 0 && !cancelled) await commitNext();
    await settle();
    return cancelled ? 'cancelled' : 'loaded';
  }
}

function isCorruptGzip(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('Z_');
}
