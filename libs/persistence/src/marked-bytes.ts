// Rendered rows as UTF-8 bytes rather than JS strings: a parse thread writes them into one buffer
// per batch (short-lived strings die young instead of piling up in the heap), the buffer moves to
// the committing thread without a copy, and it goes to COPY without being encoded again.

/**
 * Appends strings, UTF-8 encoded, to a buffer: a region given to it (e.g. of shared memory), or
 * one of its own once that is full (never a slice of Node's shared pool, so it can be
 * transferred to another thread).
 */
export class ByteWriter {
  private buffer: Buffer;
  private length = 0;

  /** `initial`: bytes of room to allocate, or the region to write into first. */
  constructor(initial: number | Uint8Array = 64 * 1024) {
    this.buffer = typeof initial === 'number' ? Buffer.allocUnsafeSlow(Math.max(1024, initial)) : Buffer.from(initial.buffer, initial.byteOffset, initial.byteLength);
  }

  write(text: string): void {
    // A UTF-16 code unit never takes more than 3 UTF-8 bytes; count exactly only when that bound does not fit.
    if (this.length + 3 * text.length > this.buffer.length) {
      const needed = this.length + Buffer.byteLength(text);
      if (needed > this.buffer.length) this.grow(needed);
    }
    this.length += this.buffer.write(text, this.length);
  }

  /** Bytes written so far. */
  get byteLength(): number {
    return this.length;
  }

  /** What was written (a view of the writer's buffer; write nothing more after this). */
  bytes(): Uint8Array {
    return new Uint8Array(this.buffer.buffer, this.buffer.byteOffset, this.length);
  }

  private grow(needed: number): void {
    const next = Buffer.allocUnsafeSlow(Math.max(needed, 2 * this.buffer.length));
    this.buffer.copy(next, 0, 0, this.length);
    this.buffer = next;
  }
}

/** Byte range `i` of `bytes` cut at `ends` (each piece's end offset), as a view. */
export function byteRangeAt<T extends ArrayBufferLike>(bytes: Uint8Array<T>, ends: readonly number[], i: number): Uint8Array<T> {
  return bytes.subarray(i === 0 ? 0 : ends[i - 1], ends[i]);
}

const asBuffer = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/**
 * A copy of `bytes` with every two-byte mark (U+0001 then a letter) replaced by the value
 * `values` gives for that letter. U+0001 occurs in rendered rows only as a mark: JSON.stringify
 * escapes it, and the other fields are validated ids and types.
 */
export function stampMarks(bytes: Uint8Array, values: Readonly<Record<string, string>>, into?: StampBuffer): Buffer {
  const source = asBuffer(bytes);
  const fills = new Map<number, Buffer>(Object.entries(values).map(([letter, value]) => [letter.charCodeAt(0), Buffer.from(value, 'utf8')]));
  const marks: number[] = [];
  let size = source.length;
  for (let at = source.indexOf(1); at >= 0; at = source.indexOf(1, at + 2)) {
    const fill = fills.get(source[at + 1]);
    if (!fill) throw new Error(`Unknown mark U+0001 ${String.fromCharCode(source[at + 1])} at byte ${at}`);
    marks.push(at);
    size += fill.length - 2;
  }
  const out = into ? into.reserve(size) : Buffer.allocUnsafe(size);
  let from = 0;
  let to = 0;
  for (const at of marks) {
    to += source.copy(out, to, from, at);
    to += fills.get(source[at + 1])!.copy(out, to);
    from = at + 2;
  }
  source.copy(out, to, from);
  return out;
}

/**
 * One reusable output buffer for {@link stampMarks}: a batch's stamped rows are needed only until
 * its COPY completes, so a committing connection can stamp every batch into the same memory rather
 * than allocating megabytes per batch (which also drives the garbage collector).
 */
export class StampBuffer {
  private buffer = Buffer.allocUnsafeSlow(0);

  /** `bytes` of room: a view valid until the next call. */
  reserve(bytes: number): Buffer {
    if (this.buffer.length < bytes) this.buffer = Buffer.allocUnsafeSlow(Math.ceil(bytes * 1.25));
    return this.buffer.subarray(0, bytes);
  }
}
