import { decodeLines, lineBatchText, LineBatchTextBuilder } from './line-batch-text';
import { type NdjsonLine, NdjsonLineSplitter } from './ndjson-line-splitter';

describe('line batches in transfer form', () => {
  const lines: NdjsonLine[] = [
    { number: 7, start: 100, end: 112, text: '{"a":"é"}' },
    { number: 8, start: 112, end: 113, text: '' },
    { number: 9, start: 113, end: 20_000_113, problem: 'too-long' },
    { number: 10, start: 20_000_113, end: 20_000_130, text: '{"b":"日本"}' },
    { number: 11, start: 20_000_130, end: 20_000_135, problem: 'invalid-utf8' },
  ];

  it('gives back every line, its number, byte range, text or problem', () => {
    const batch = lineBatchText(lines);
    expect(batch.text.byteLength).toBe(Buffer.byteLength('{"a":"é"}{"b":"日本"}'));
    expect([...decodeLines(batch)]).toEqual(lines);
  });

  it('takes the bytes of a splitter that does not decode, the same as its decoded text', () => {
    const input = Buffer.from('\ufeff{"x":"ü"}\r\n\n{"y":2}\n\xff\n{"z":3}', 'utf8');
    input[input.indexOf('\n\xff') + 1] = 0xff; // a byte that is not UTF-8
    const split = (decode: boolean) => {
      const splitter = new NdjsonLineSplitter({ maxLineBytes: 1000, decode });
      return [...splitter.push(input.subarray(0, 9)), ...splitter.push(input.subarray(9)), ...splitter.end()];
    };
    const builder = new LineBatchTextBuilder();
    for (const line of split(false)) {
      expect(line.text).toBeUndefined();
      builder.add(line);
    }
    expect(builder.lineCount).toBe(5);
    expect([...decodeLines(builder.build())]).toEqual(split(true));
  });
});
