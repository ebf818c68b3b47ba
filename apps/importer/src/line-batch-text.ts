import type { NdjsonLine } from './ndjson-line-splitter';

/**
 * A batch's input lines in transfer form: their bytes back to back in one buffer of its own (moved,
 * not copied, to a parse thread, and never JS strings on the thread that reads S3 and commits),
 * with each line's number, input byte range and any problem.
 */
export interface LineBatchText {
  /** UTF-8 text of the lines without terminators, CRs or BOM, back to back. */
  text: Uint8Array<ArrayBuffer>;
  numbers: number[];
  starts: number[];
  ends: number[];
  /** End offset of each line's text in `text`. */
  textEnds: number[];
  /** Problems by line index (lines with a problem have no text). */
  problems: Record<number, NonNullable<NdjsonLine['problem']>>;
}

/** Collects lines (as `bytes` or `text`) into a {@link LineBatchText}. */
export class LineBatchTextBuilder {
  private parts: Uint8Array[] = [];
  private length = 0;
  private readonly numbers: number[] = [];
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  private readonly textEnds: number[] = [];
  private readonly problems: LineBatchText['problems'] = {};

  add(line: NdjsonLine): void {
    if (line.problem) this.problems[this.numbers.length] = line.problem;
    else {
      const bytes = line.bytes ?? Buffer.from(line.text ?? '', 'utf8');
      this.parts.push(bytes);
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

  build(): LineBatchText {
    // A buffer of its own (never a slice of Node's shared pool), so it can be transferred.
    const text = new Uint8Array(this.length);
    let at = 0;
    for (const part of this.parts) {
      text.set(part, at);
      at += part.length;
    }
    this.parts = [];
    return { text, numbers: this.numbers, starts: this.starts, ends: this.ends, textEnds: this.textEnds, problems: this.problems };
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
