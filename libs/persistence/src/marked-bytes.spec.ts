import { ByteWriter, byteRangeAt, StampBuffer, stampMarks } from './marked-bytes';

const text = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');

describe('ByteWriter', () => {
  it('appends UTF-8 and grows past its first size, keeping what was written', () => {
    const writer = new ByteWriter(1024);
    const pieces = ['plain ', 'é ü ', '漢字 ', '𝄞 emoji 👩‍⚕️ ', 'x'.repeat(5000)];
    for (let n = 0; n < 50; n++) for (const piece of pieces) writer.write(piece);
    const expected = pieces.join('').repeat(50);
    expect(writer.byteLength).toBe(Buffer.byteLength(expected));
    expect(text(writer.bytes())).toBe(expected);
  });

  it('gives a buffer of its own, which can be transferred', () => {
    const writer = new ByteWriter();
    writer.write('abc');
    const bytes = writer.bytes();
    const { port1, port2 } = new MessageChannel();
    port1.postMessage(bytes, [bytes.buffer as ArrayBuffer]);
    port1.close();
    port2.close();
    expect(bytes.byteLength).toBe(0); // detached: moved, not copied
  });
});

describe('stampMarks', () => {
  it('replaces every mark by its value, whatever the lengths, and leaves the rest as it was', () => {
    const source = Buffer.from('\u0001vA\u0001t\u0001v-é-\u0001t\n');
    expect(stampMarks(source, { v: '12', t: '2026-12-01T00:00:00.000001Z' }).toString()).toBe('12A2026-12-01T00:00:00.000001Z12-é-2026-12-01T00:00:00.000001Z\n');
    expect(stampMarks(Buffer.from('no marks'), { v: '1' }).toString()).toBe('no marks');
    expect(source.toString()).toBe('\u0001vA\u0001t\u0001v-é-\u0001t\n');
  });

  it('stamps a range of a larger buffer without reading outside it', () => {
    const rows = Buffer.from('a\u0001v\nb\u0001v\nc\u0001v\n');
    expect(stampMarks(byteRangeAt(rows, [4, 8, 12], 1), { v: '3' }).toString()).toBe('b3\n');
  });

  it('stamps batch after batch into one reused buffer', () => {
    const into = new StampBuffer();
    const first = stampMarks(Buffer.from('x'.repeat(100) + '\u0001v'), { v: '1' }, into);
    expect(first.toString()).toBe(`${'x'.repeat(100)}1`);
    const second = stampMarks(Buffer.from('\u0001vy'), { v: '22' }, into);
    expect(second.toString()).toBe('22y');
    expect(second.buffer).toBe(first.buffer); // the same memory, not a new allocation
    expect(stampMarks(Buffer.from('z'.repeat(500)), {}, into).toString()).toBe('z'.repeat(500)); // grows when it must
  });

  it('refuses a mark it has no value for', () => {
    expect(() => stampMarks(Buffer.from('x\u0001qy'), { v: '1' })).toThrow(/Unknown mark/);
  });
});
