import { syntheaFixtureDir } from '@fhirlake/testing';
import { INSTANT_MARK, VERSION_MARK } from '@fhirlake/persistence/bulk-rows';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { lineBatchText } from './line-batch-text';
import type { NdjsonLine } from './ndjson-line-splitter';
import { assignedId } from './resource-line.parser';
import { parseResourceLineBatch, type ResourceLineBatch } from './resource-line-batch';
import { ResourceParsePool } from './resource-parse.pool';

const FIXTURE = syntheaFixtureDir();

function batchOf(texts: Array<string | undefined>, firstLine = 1): ResourceLineBatch {
  let offset = 0;
  const lines: NdjsonLine[] = texts.map((text, i) => {
    const start = offset;
    offset += Buffer.byteLength(text ?? 'x'.repeat(40)) + 1;
    return { number: firstLine + i, start, end: offset, ...(text === undefined ? { problem: 'too-long' as const } : { text }) };
  });
  return { lines: lineBatchText(lines), level: 'strict', maxLineBytes: 1024 * 1024, jobId: 'a'.repeat(32), datastoreId: 'd'.repeat(32), s3Key: 'in/file.ndjson' };
}

describe('ResourceParsePool (a real worker thread)', () => {
  const pool = new ResourceParsePool(1);
  afterAll(() => pool.close());

  it('parses in a thread exactly as inline, in line order, including bad lines and assigned ids', async () => {
    const synthea = readFileSync(path.join(FIXTURE, 'Encounter.000.ndjson'), 'utf8').split('\n').filter(Boolean).slice(0, 200);
    const texts = [...synthea, '', '{"resourceType":"Patient"}', 'not json', '{"resourceType":"Patient","id":"bad id"}', undefined];
    const batch = batchOf(texts);
    const inline = parseResourceLineBatch(batchOf(texts));
    const threaded = await pool.parse(batch);
    // The lines' bytes were moved to the thread, not copied.
    expect(batch.lines.text.byteLength).toBe(0);
    expect(threaded).toEqual(inline);
    // The rendered rows came back moved too: views of buffers of their own, not copies into Node's pool.
    expect(Buffer.from(threaded.resources.rendered.rows).toString()).toBe(Buffer.from(inline.resources.rendered.rows).toString());
    expect(threaded.resources.rendered.rows.byteLength).toBeGreaterThan(200 * 500);
    // 200 Encounters and the id-less Patient (line 202, given its derived id); the blank line is dropped.
    expect(threaded.resources.lines).toEqual([...Array.from({ length: 200 }, (_, i) => i + 1), 202]);
    expect(threaded.resources.rendered.ids.slice(0, 200)).toEqual(synthea.map((l) => (JSON.parse(l) as { id: string }).id));
    expect(threaded.resources.rendered.ids[200]).toBe(assignedId(batch.jobId, batch.s3Key, 202));
    expect(threaded.resources.rendered.rowEnds).toHaveLength(201);
    expect(threaded.invalid.map((i) => i.line)).toEqual([203, 204, 205]);
  });

  it('keeps each batch its own result when batches are submitted together', async () => {
    const batches = [0, 1, 2, 3].map((n) => batchOf([`{"resourceType":"Patient","id":"p${n}"}`, `{"resourceType":"Patient","id":"q${n}"}`], n * 10 + 1));
    const results = await Promise.all(batches.map((b) => pool.parse(b)));
    expect(results.map((r) => r.resources.rendered.ids)).toEqual([0, 1, 2, 3].map((n) => [`p${n}`, `q${n}`]));
  });

  it('parses inline with no threads', async () => {
    const inline = new ResourceParsePool(0);
    const batch = batchOf(['{"resourceType":"Patient","id":"p1","active":true}']);
    const success = `{"line":1,"resourceType":"Patient","id":"p1","versionId":"${VERSION_MARK}"}\n`;
    const row = `${'d'.repeat(32)}\tPatient\tp1\t${VERSION_MARK}\t${INSTANT_MARK}\tf\t{"resourceType":"Patient","id":"p1","meta":{"versionId":"${VERSION_MARK}","lastUpdated":"${INSTANT_MARK}"},"active":true}\n`;
    const parsed = await inline.parse(batch);
    const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');
    expect(parsed).toMatchObject({
      resources: { rendered: { datastoreId: 'd'.repeat(32), types: ['Patient'], ids: ['p1'], rowEnds: [row.length], referenceEnds: [0] }, lines: [1], bytes: [batch.lines.ends[0]], successEnds: [success.length] },
      invalid: [],
    });
    expect(text(parsed.resources.rendered.rows)).toBe(row);
    expect(parsed.resources.rendered.references).toHaveLength(0);
    expect(text(parsed.resources.successes)).toBe(success);
    await inline.close();
  });
});
