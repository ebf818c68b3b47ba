import { isUtf8 } from 'node:buffer';

const NEWLINE = 0x0a;
const CR = 0x0d;

/** One physical line of an ndjson file. */
export interface NdjsonLine {
  /** 1-based line number. */
  number: number;
  /** Byte offset of its first byte. */
  start: number;
  /** Byte offset just past its newline: where the next line starts. */
  end: number;
  /** Its text without the line terminator (`\n` or `\r\n`) and without a leading BOM; undefined if `problem` is set. */
  text?: string;
  /** The same as UTF-8 bytes, instead of `text`, from a splitter with `decode: false` (may share memory with the chunk fed). */
  bytes?: Buffer;
  /** Why the line was not decoded: longer than the limit (its bytes were skipped, never buffered), or not UTF-8. */
  problem?: 'too-long' | 'invalid-utf8';
}

export interface NdjsonLineSplitterOptions {
  /** Number of the first line fed (resuming mid-file); default 1. */
  firstLine?: number;
  /** Byte offset of the first byte fed; default 0 (a UTF-8 BOM there is ignored). */
  startByte?: number;
  /** Longest accepted line in bytes, terminator excluded. */
  maxLineBytes: number;
  /** false: hand back lines as `bytes` (checked UTF-8) rather than decoded `text`; default true. */
  decode?: boolean;
}

/**
 * Splits a byte stream into lines, tracking each line's exact byte offsets (what lets an import
 * resume mid-file with a ranged read). Memory is bounded by `maxLineBytes`: an over-long line is
 * skipped as it streams by and reported with its number, not buffered.
 *
 * split2 would hand back decoded strings, losing byte offsets (and turning invalid UTF-8 into
 * U+FFFD, which changes lengths), and its skipOverflow mode drops an over-long line silently,
 * which would shift every later line number in the FAILURE output.
 */
export class NdjsonLineSplitter {
  private parts: Buffer[] = [];
  /** Bytes of the current line seen so far (including skipped ones). */
  private length = 0;
  private lineStart: number;
  private lineNumber: number;
  private readonly atFileStart: boolean;

  constructor(private readonly options: NdjsonLineSplitterOptions) {
    this.lineStart = options.startByte ?? 0;
    this.lineNumber = options.firstLine ?? 1;
    this.atFileStart = this.lineStart === 0;
  }

  /** Feeds a chunk; returns the lines it completes. */
  push(chunk: Buffer): NdjsonLine[] {
    const lines: NdjsonLine[] = [];
    let pos = 0;
    while (pos < chunk.length) {
      const newline = chunk.indexOf(NEWLINE, pos);
      if (newline === -1) {
        this.append(chunk.subarray(pos));
        break;
      }
      // Common case: the whole line is in this chunk; decode it without copying.
      if (this.length === 0) lines.push(this.finishLine(1, chunk.subarray(pos, newline)));
      else {
        this.append(chunk.subarray(pos, newline));
        lines.push(this.finishLine(1));
      }
      pos = newline + 1;
    }
    return lines;
  }

  /** Ends the input; returns the last line if it had no newline. */
  end(): NdjsonLine[] {
    return this.length > 0 ? [this.finishLine(0)] : [];
  }

  private append(piece: Buffer): void {
    if (piece.length === 0) return;
    this.length += piece.length;
    if (this.length > this.options.maxLineBytes) this.parts = [];
    // Copy: a subarray would pin the whole chunk until the line completes.
    else this.parts.push(Buffer.from(piece));
  }

  private finishLine(terminatorBytes: number, whole?: Buffer): NdjsonLine {
    if (whole) this.length = whole.length;
    const line: NdjsonLine = { number: this.lineNumber, start: this.lineStart, end: this.lineStart + this.length + terminatorBytes };
    if (this.length > this.options.maxLineBytes) line.problem = 'too-long';
    else {
      let bytes = whole ?? (this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts, this.length));
      if (bytes.length > 0 && bytes[bytes.length - 1] === CR) bytes = bytes.subarray(0, bytes.length - 1);
      if (this.atFileStart && this.lineNumber === 1 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
      if (!isUtf8(bytes)) line.problem = 'invalid-utf8';
      else if (this.options.decode === false) line.bytes = bytes;
      else line.text = bytes.toString('utf8');
    }
    this.lineStart = line.end;
    this.lineNumber++;
    this.parts = [];
    this.length = 0;
    return line;
  }
}
