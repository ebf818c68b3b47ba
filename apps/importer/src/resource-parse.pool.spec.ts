import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { NdjsonLine } from './ndjson-line-splitter';
import { assignedId } from './resource-line.parser';
import { parseResourceLineBatch, type ResourceLineBatch } from './resource-line-batch';
import { ResourceParsePool } from './resource-parse.pool';

const FIXTURE = path.resolve(__dirname, '../../../../shared/fixtures/synthea-10');

function batchOf(texts: Array<string | undefined>, firstLine = 1): ResourceLineBatch {
  let offset = 0;
  const lines: NdjsonLine[] = texts.map((text, i) => {
    const start = offset;
    offset += Buffer.byteLength(text ?? 'x'.repeat(40)) + 1;
    return { number: firstLine + i, start, end: offset, ...(text === undefined ? { problem: 'too-long' as const } : { text }) };
  });
  return { lines, level: 'strict', maxLineBytes: 1024 * 1024, jobId: 'a'.repeat(32), s3Key: 'in/file.ndjson' };
}

describe('ResourceParsePool (a real worker thread)', () => {
  const pool = new ResourceParsePool(1);
  afterAll(() => pool.close());

  it('parses in a thread exactly as inline, in line order, including bad lines and assigned ids', async () => {
    const synthea = readFileSync(path.join(FIXTURE, 'Encounter.000.ndjson'), 'utf8').split('\n').filter(Boolean).slice(0, 200);
    const batch = batchOf([...synthea, '', '{"resourceType":"Patient"}', 'not json', '{"resourceType":"Patient","id":"bad id"}', undefined]);
    const threaded = await pool.parse(batch);
    expect(threaded).toEqual(parseResourceLineBatch(batch));
    expect(threaded.slice(0, 200).every((p) => p.kind === 'resource')).toBe(true);
    expect(threaded[200]).toEqual({ kind: 'blank' });
    expect(threaded[201]).toMatchObject({ kind: 'resource', resource: { id: assignedId(batch.jobId, batch.s3Key, 202) } });
    expect(threaded.slice(202).map((p) => p.kind)).toEqual(['invalid', 'invalid', 'invalid']);
  });

  it('keeps each batch its own result when batches are submitted together', async () => {
    const batches = [0, 1, 2, 3].map((n) => batchOf([`{"resourceType":"Patient","id":"p${n}"}`, `{"resourceType":"Patient","id":"q${n}"}`], n * 10 + 1));
    const results = await Promise.all(batches.map((b) => pool.parse(b)));
    expect(results.map((r) => r.map((p) => (p.kind === 'resource' ? p.resource.id : p.kind)))).toEqual([0, 1, 2, 3].map((n) => [`p${n}`, `q${n}`]));
  });

  it('parses inline with no threads', async () => {
    const inline = new ResourceParsePool(0);
    const batch = batchOf(['{"resourceType":"Patient","id":"p1","active":true}']);
    expect(await inline.parse(batch)).toEqual([{ kind: 'resource', resource: { resourceType: 'Patient', id: 'p1', bodyJson: '{"active":true}', references: [] } }]);
    await inline.close();
  });
});
