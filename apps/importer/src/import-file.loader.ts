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
  /** The slot its bytes live in until it is committed (none when all were taken). */
  slot?: number;
}

/**
 * Streams one input object (S3 -> gunzip if .gz -> line splitter) into batches of lines, which the
 * parse pool parses and validates (on other threads) while earlier batches commit, in input
 * order. At most `parseThreads + 1` batches are parsing or committing (two commits may overlap,
 * each on its own connection) and one is being read, so memory stays bounded. Resumes from the
 * file's checkpoint: a ranged read from its byte offset for plain ndjson, re-skipping lines for
 * gzip.
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
    const { slots } = this.parser;
    /** Slots this load holds (given back as its batches commit, and all of them when it ends). */
    const held = new Set<number>();
    const startBatch = (fromLine: number, fromByte: number): ReadLines => {
      const slot = slots.acquire();
      if (slot !== undefined) held.add(slot);
      return { batch: newBatch(datastoreId, file.fileIndex, fromLine, fromByte), lines: new LineBatchTextBuilder(slot === undefined ? undefined : slots.memory.region(slot, 'input')), slot };
    };
    const releaseSlot = (slot: number | undefined) => {
      if (slot === undefined) return;
      held.delete(slot);
      slots.release(slot);
    };
    let read = startBatch(file.nextLine, file.nextByte);
    const inFlight: ScheduledBatch[] = [];
    /** The cancelling status a commit saw: nothing commits after it. */
    let cancelledWith: JobStatus | undefined;

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
    const parse = async ({ batch, lines, slot }: ReadLines, endOfFile: boolean): Promise<PreparedBatch> => {
      const parsed = await this.parser.parse({ lines: lines.build(), level: run.validationLevel, maxLineBytes: this.settings.maxLineBytes, jobId: run.execution.job.id, datastoreId, s3Key: file.s3Key }, slot);
      // A gzip error found while reading comes after the lines read before it.
      return { ...batch, resources: parsed.resources, invalid: [...parsed.invalid, ...batch.invalid], endOfFile };
    };
    /**
     * Commits a batch once parsed, in input order. Two commits may overlap (the second writes its
     * resources while the first finishes, and records its checkpoint after), unless they share a
     * resource: their row locks could then wait on each other.
     */
    const schedule = (parsed: Promise<PreparedBatch>, slot: number | undefined): ScheduledBatch => {
      const previous = inFlight.at(-1);
      const beforePrevious = inFlight.at(-2);
      const committed = (async (): Promise<JobStatus> => {
        const batch = await parsed;
        if (beforePrevious) await beforePrevious.committed;
        if (previous && sharesResources(batch, await previous.parsed)) await previous.committed;
        if (cancelledWith) return cancelledWith;
        const status = await this.committer.commit(run, batch, previous?.committed);
        if (isCancelling(status)) cancelledWith = status;
        return status;
      })();
      // Once committed (or skipped), nothing reads its bytes again.
      committed.then(() => releaseSlot(slot), () => undefined);
      committed.catch(() => undefined); // awaited in order by the reading loop
      return { parsed, committed };
    };
    const submit = async (endOfFile: boolean) => {
      const parsed = parse(read, endOfFile);
      parsed.catch(() => undefined); // awaited through its commit
      inFlight.push(schedule(parsed, read.slot));
      const { nextLine, nextByte } = read.batch;
      // Bounded memory: one batch per parse thread and one more, parsing or committing (and so
      // parseThreads + 2 slots in use with the next one read).
      while (inFlight.length > this.settings.parseThreads + 1 && !cancelledWith) await inFlight.shift()!.committed;
      read = startBatch(nextLine, nextByte);
    };
    const isFull = (b: PreparedBatch) => b.nextLine - b.fromLine >= this.settings.batchLines || b.byteCount >= this.settings.batchBytes;

    const readToEnd = async () => {
      // A plain file already read to its end (the crash came before the final commit) needs no read.
      if (ranged && fromByte > 0 && fromByte >= file.sizeBytes) return;
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
            if (cancelledWith) break;
          }
        }
        if (!cancelledWith) add(splitter.end());
      } catch (error) {
        if (!isCorruptGzip(error)) throw error;
        // The rest of the file cannot be read: one customer error at the line where it broke.
        const { batch } = read;
        batch.invalid.push({ line: batch.nextLine, bytes: 0, issues: [{ severity: 'error', code: 'structure', diagnostics: `The file is not a valid gzip stream (${(error as Error).message})` }] });
        batch.nextLine++;
      } finally {
        signal.removeEventListener('abort', onAbort);
        if (cancelledWith || signal.aborted) body.destroy();
      }
    };

    try {
      await readToEnd();
      if (!cancelledWith) await submit(true);
      while (inFlight.length > 0) await inFlight.shift()!.committed;
    } catch (error) {
      // Leave no commit running behind the caller's back.
      await Promise.allSettled(inFlight.map((b) => b.committed));
      throw error;
    } finally {
      for (const slot of [...held]) releaseSlot(slot);
    }
    return cancelledWith ? 'cancelled' : 'loaded';
  }
}

interface ScheduledBatch {
  parsed: Promise<PreparedBatch>;
  /** The job status seen at its commit (a cancelling status if it was skipped for a cancellation). */
  committed: Promise<JobStatus>;
}

/** Whether two batches write a resource in common. */
function sharesResources(a: PreparedBatch, b: PreparedBatch): boolean {
  const keys = new Set<string>();
  const { types, ids } = b.resources.rendered;
  for (let i = 0; i < ids.length; i++) keys.add(`${types[i]}/${ids[i]}`);
  const other = a.resources.rendered;
  for (let i = 0; i < other.ids.length; i++) if (keys.has(`${other.types[i]}/${other.ids[i]}`)) return true;
  return false;
}

function isCorruptGzip(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('Z_');
}
