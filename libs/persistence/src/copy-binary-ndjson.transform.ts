import { Transform, type TransformCallback } from 'node:stream';

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const HEADER_FIXED = SIGNATURE.length + 8; // signature, flags (int32), header extension length (int32)
const NEWLINE = 0x0a;

/**
 * Turns `COPY (SELECT <one json column> ...) TO STDOUT (FORMAT binary)` into ndjson: each row's
 * field bytes (the json text exactly as stored: json_send is the text itself) followed by `\n`.
 * Binary format rather than text or CSV: those escape backslashes and quotes, which JSON is full of.
 * Optionally fails at the end when the row count differs from `expectedRows`, so a consumer
 * (an S3 upload) aborts instead of publishing an incomplete file.
 */
export class CopyBinaryNdjsonTransform extends Transform {
  /** Rows emitted so far. */
  rows = 0;
  /** Bytes emitted so far (ndjson, newlines included). */
  bytes = 0;
  private pending: Buffer = Buffer.alloc(0);
  private headerDone = false;
  private trailerSeen = false;

  constructor(private readonly expectedRows?: number) {
    super({ readableHighWaterMark: 1024 * 1024 });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const buf = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    let pos = 0;
    try {
      if (!this.headerDone) {
        if (buf.length < HEADER_FIXED) return this.keep(buf, 0, callback);
        if (!buf.subarray(0, SIGNATURE.length).equals(SIGNATURE)) throw new Error('not a binary COPY stream');
        const extension = buf.readInt32BE(SIGNATURE.length + 4);
        if (buf.length < HEADER_FIXED + extension) return this.keep(buf, 0, callback);
        pos = HEADER_FIXED + extension;
        this.headerDone = true;
      }
      const out: Buffer[] = [];
      while (!this.trailerSeen && buf.length - pos >= 2) {
        const fields = buf.readInt16BE(pos);
        if (fields === -1) {
          this.trailerSeen = true;
          pos += 2;
          break;
        }
        if (fields !== 1) throw new Error(`expected 1 column per row, got ${fields}`);
        if (buf.length - pos < 6) break;
        const length = buf.readInt32BE(pos + 2);
        if (length < 0) throw new Error('NULL resource in export snapshot');
        if (buf.length - pos < 6 + length) break;
        out.push(buf.subarray(pos + 6, pos + 6 + length), NEWLINE_BUFFER);
        this.rows++;
        this.bytes += length + 1;
        pos += 6 + length;
      }
      if (out.length > 0) this.push(Buffer.concat(out));
      this.keep(buf, pos, callback);
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    if (this.pending.length > 0 || !this.trailerSeen) return callback(new Error('binary COPY stream ended mid-row'));
    if (this.expectedRows !== undefined && this.rows !== this.expectedRows) {
      return callback(new Error(`snapshot part has ${this.rows} resources, ${this.expectedRows} were planned`));
    }
    callback();
  }

  private keep(buf: Buffer, from: number, callback: TransformCallback): void {
    // Copy the partial row: keeping a subarray would pin the whole (possibly large) chunk.
    this.pending = from >= buf.length ? Buffer.alloc(0) : Buffer.from(buf.subarray(from));
    callback();
  }
}

const NEWLINE_BUFFER = Buffer.from([NEWLINE]);
