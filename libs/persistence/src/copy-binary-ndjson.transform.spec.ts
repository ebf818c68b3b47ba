import { Readable } from 'node:stream';
import { CopyBinaryNdjsonTransform } from './copy-binary-ndjson.transform';

/** A binary COPY stream of one text column. */
function binaryCopy(values: string[]): Buffer {
  const parts = [Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)];
  for (const v of values) {
    const body = Buffer.from(v, 'utf8');
    const header = Buffer.alloc(6);
    header.writeInt16BE(1, 0);
    header.writeInt32BE(body.length, 2);
    parts.push(header, body);
  }
  const trailer = Buffer.alloc(2);
  trailer.writeInt16BE(-1, 0);
  parts.push(trailer);
  return Buffer.concat(parts);
}

async function run(input: Buffer, chunkSize: number, expected?: number): Promise<string> {
  const chunks: Buffer[] = [];
  for (let i = 0; i < input.length; i += chunkSize) chunks.push(input.subarray(i, i + chunkSize));
  const out: Buffer[] = [];
  for await (const c of Readable.from(chunks).pipe(new CopyBinaryNdjsonTransform(expected))) out.push(c as Buffer);
  return Buffer.concat(out).toString('utf8');
}

describe('CopyBinaryNdjsonTransform', () => {
  const rows = ['{"a":"x\\\\y \\"q\\""}', '{"b":"é ✓"}', '{}'];

  it.each([1, 2, 5, 7, 1000])('emits each row verbatim plus a newline, whatever the chunking (%i bytes)', async (size) => {
    expect(await run(binaryCopy(rows), size, 3)).toBe(rows.map((r) => `${r}\n`).join(''));
  });

  it('fails when the row count differs from the plan, or the stream is cut', async () => {
    await expect(run(binaryCopy(rows), 10, 4)).rejects.toThrow('snapshot part has 3 resources, 4 were planned');
    const full = binaryCopy(rows);
    await expect(run(full.subarray(0, full.length - 5), 10)).rejects.toThrow('ended mid-row');
  });
});
