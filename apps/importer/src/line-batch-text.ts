import type { NdjsonLine } from './ndjson-line-splitter';

/**
 * A batch's input lines in transfer form: their bytes back to back in one buffer of its own (moved,
 * not copied, to a parse thread, and never JS strings on the thread that reads S3 and commits),
 * with each line's number, input byte range and any problem.
 */
export interface LineBatchText {
  /** UTF-8 text of the lines without terminators, CRs or BOM, back to back (a slot's region, or a buffer of its own). */
  text: Uint8Array;
  numbers: number[];
  starts: number[];
  ends: number[];
  /** End offset of each line's text in `text`. */
  textEnds: number[];
  /** Problems by line index (lines with a problem have no text). */
  problems: Record<number, NonNullable<NdjsonLine['problem']>>;
}

/**
 * Collects lines (as `bytes` or `text`) into a {@link LineBatchText}, copying each line as it
 * comes (so the chunks read from S3 are garbage at once, not held until the batch is full) into
 * `region` (a slot's shared memory), or into a buffer of its own once that is full.
 */
export class LineBatchTextBuilder {
  private buffer: Uint8Array;
  private length = 0;
  private readonly numbers: number[] = [];
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  private readonly textEnds: number[] = [];
  private readonly problems: LineBatchText['problems'] = {};

  constructor(region?: Uint8Array) {
    this.buffer = region ?? new Uint8Array(64 * 1024);
  }

  add(line: NdjsonLine): void {
    if (line.problem) this.problems[this.numbers.length] = line.problem;
    else {
      const bytes = line.bytes ?? Buffer.from(line.text ?? '', 'utf8');
      if (this.length + bytes.length > this.buffer.length) this.grow(this.length + bytes.length);
      this.buffer.set(bytes, this.length);
      this.length += bytes.length;
    }
    this.numbers.push(line.number);
    this.starts.push(line.start);
    this.ends.push(line.end);
    this.textEnds.push(this.length);
  }

  get lineCount(): number {
    return this.numbers.length;
  }

  /** The batch (add nothing more after this); its text starts its buffer, which is never a slice of Node's shared pool, so it can be transferred. */
  build(): LineBatchText {
    return { text: this.buffer.subarray(0, this.length), numbers: this.numbers, starts: this.starts, ends: this.ends, textEnds: this.textEnds, problems: this.problems };
  }

  private grow(needed: number): void {
    const next = new Uint8Array(Math.max(needed, 2 * this.buffer.length));
    next.set(this.buffer.subarray(0, this.length));
    this.buffer = next;
  }
}

/** Lines as a {@link LineBatchText} (for callers holding decoded lines, e.g. tests). */
export function lineBatchText(lines: readonly NdjsonLine[]): LineBatchText {
  const builder = new LineBatchTextBuilder();
  for (const line of lines) builder.add(line);
  return builder.build();
}

/** The lines back, decoded, one at a time. */
export function* decodeLines(batch: LineBatchText): Generator<NdjsonLine> {
  const text = Buffer.from(batch.text.buffer, batch.text.byteOffset, batch.text.byteLength);
  for (let i = 0; i < batch.numbers.length; i++) {
    const line: NdjsonLine = { number: batch.numbers[i], start: batch.starts[i], end: batch.ends[i] };
    const problem = batch.problems[i];
    if (problem) line.problem = problem;
    else line.text = text.toString('utf8', i === 0 ? 0 : batch.textEnds[i - 1], batch.textEnds[i]);
    yield line;
  }
}
