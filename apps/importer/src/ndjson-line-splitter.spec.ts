import fc from 'fast-check';
import { type NdjsonLine, NdjsonLineSplitter } from './ndjson-line-splitter';

function splitAll(input: Buffer, chunkSizes: number[], options = { maxLineBytes: 1 << 20 }, startByte = 0, firstLine = 1): NdjsonLine[] {
  const splitter = new NdjsonLineSplitter({ ...options, startByte, firstLine });
  const lines: NdjsonLine[] = [];
  let pos = 0;
  let i = 0;
  while (pos < input.length) {
    const size = Math.max(1, chunkSizes.length ? chunkSizes[i++ % chunkSizes.length] : input.length);
    lines.push(...splitter.push(input.subarray(pos, pos + size)));
    pos += size;
  }
  return [...lines, ...splitter.end()];
}

describe('NdjsonLineSplitter', () => {
  it('splits on \\n and \\r\\n, keeps blank lines, numbers lines and tracks byte offsets', () => {
    const input = Buffer.from('{"a":1}\r\n\n  \n{"b":"é"}\n{"c":3}');
    const lines = splitAll(input, [3]);
    expect(lines.map((l) => [l.number, l.text, l.start, l.end])).toEqual([
      [1, '{"a":1}', 0, 9],
      [2, '', 9, 10],
      [3, '  ', 10, 13],
      [4, '{"b":"é"}', 13, 24],
      [5, '{"c":3}', 24, 31],
    ]);
  });

  it('ignores a UTF-8 BOM at the start of the file only', () => {
    const input = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":1}\n\ufeff{"b":2}\n')]);
    const lines = splitAll(input, [1, 2]);
    expect(lines.map((l) => l.text)).toEqual(['{"a":1}', '\ufeff{"b":2}']);
    expect(lines[0]).toMatchObject({ start: 0, end: 11 });
  });

  it('does not strip a BOM-like prefix when resuming mid-file', () => {
    const lines = splitAll(Buffer.from('\ufeffx\n'), [], undefined, 100, 7);
    expect(lines).toEqual([{ number: 7, start: 100, end: 105, text: '\ufeffx' }]);
  });

  it('reports an over-long line by number without buffering it, and goes on', () => {
    const input = Buffer.from(`short\n${'x'.repeat(50)}\nnext\n${'y'.repeat(11)}`);
    const lines = splitAll(input, [7], { maxLineBytes: 10 });
    expect(lines.map((l) => [l.number, l.text, l.problem])).toEqual([
      [1, 'short', undefined],
      [2, undefined, 'too-long'],
      [3, 'next', undefined],
      [4, undefined, 'too-long'],
    ]);
    expect(lines[1]).toMatchObject({ start: 6, end: 57 });
    expect(lines[3].end).toBe(input.length);
  });

  it('flags invalid UTF-8', () => {
    const lines = splitAll(Buffer.from([0x61, 0xff, 0x0a, 0x62]), []);
    expect(lines.map((l) => [l.text, l.problem])).toEqual([[undefined, 'invalid-utf8'], ['b', undefined]]);
  });

  it('gives the same lines and offsets however the input is chunked', () => {
    const line = fc.oneof(fc.string({ maxLength: 30 }), fc.constant(''), fc.constant('\r'));
    fc.assert(
      fc.property(fc.array(line, { maxLength: 20 }), fc.array(fc.integer({ min: 1, max: 17 }), { maxLength: 5 }), fc.boolean(), (texts, chunks, trailingNewline) => {
        const clean = texts.map((t) => t.replace(/\n/g, ''));
        const input = Buffer.from(clean.join('\n') + (trailingNewline && clean.length ? '\n' : ''));
        const lines = splitAll(input, chunks);
        const whole = splitAll(input, []);
        expect(lines).toEqual(whole);
        // Offsets tile the input exactly.
        let offset = 0;
        for (const l of lines) {
          expect(l.start).toBe(offset);
          offset = l.end;
        }
        expect(offset).toBe(input.length);
        // Resuming at any line boundary yields the rest.
        for (const l of lines) {
          expect(splitAll(input.subarray(l.start), chunks, undefined, l.start, l.number)).toEqual(lines.slice(l.number - 1));
        }
      }),
    );
  });
});
