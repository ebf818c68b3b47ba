import { packBatch, packParsed, SLOT_REGION_BYTES, SlotMemory, SlotPool, unpackBatch, unpackParsed } from './batch-slots';
import { LineBatchTextBuilder } from './line-batch-text';
import { parseResourceLineBatch, type ResourceLineBatch } from './resource-line-batch';

const batchOf = (lines: LineBatchTextBuilder): ResourceLineBatch => ({ lines: lines.build(), level: 'strict', maxLineBytes: 1 << 20, jobId: 'j'.repeat(32), datastoreId: 'd'.repeat(32), s3Key: 'k' });
const text = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');

describe('batch slots', () => {
  const memory = SlotMemory.allocate(2);

  it('hands out each slot once until it is given back', () => {
    const pool = new SlotPool(memory);
    const taken = [pool.acquire(), pool.acquire()];
    expect(taken.sort()).toEqual([0, 1]);
    expect(pool.acquire()).toBeUndefined();
    pool.release(taken[0]);
    pool.release(taken[0]);
    expect(pool.available).toBe(1);
  });

  it('sends bytes in a slot as their length, and a batch parsed into its slot reads back the same as one parsed in ordinary buffers', () => {
    const add = (builder: LineBatchTextBuilder) => {
      builder.add({ number: 1, start: 0, end: 40, text: '{"resourceType":"Patient","id":"p1","name":[{"family":"Żółć"}]}' });
      builder.add({ number: 2, start: 40, end: 90, text: '{"resourceType":"Observation","id":"o1","status":"final","code":{"text":"x"},"subject":{"reference":"Patient/p1"}}' });
      return builder;
    };
    const wire = packBatch(memory, 1, batchOf(add(new LineBatchTextBuilder(memory.region(1, 'input')))));
    expect(wire.lines.text).toEqual({ region: 'input', length: expect.any(Number) });
    const { batch, regions } = unpackBatch(memory, structuredClone(wire));
    const inSlot = parseResourceLineBatch(batch, regions);
    expect(inSlot.resources.rendered.rows.buffer).toBe(memory.buffers[1]);
    const packed = packParsed(memory, 1, inSlot);
    expect(packed.resources.rendered.rows).toEqual({ region: 'rows', length: inSlot.resources.rendered.rows.byteLength });
    const back = unpackParsed(memory, 1, structuredClone(packed));

    const plain = parseResourceLineBatch(batchOf(add(new LineBatchTextBuilder())));
    expect(text(back.resources.rendered.rows)).toBe(text(plain.resources.rendered.rows));
    expect(text(back.resources.rendered.references)).toBe(text(plain.resources.rendered.references));
    expect(text(back.resources.successes)).toBe(text(plain.resources.successes));
    expect(back.resources.rendered.ids).toEqual(['p1', 'o1']);
  });

  it('falls back to buffers of their own when a batch outgrows a region', () => {
    const small = new SlotMemory([new SharedArrayBuffer(Object.values(SLOT_REGION_BYTES).reduce((a, b) => a + b, 0))]);
    const builder = new LineBatchTextBuilder(small.region(0, 'input').subarray(0, 16));
    builder.add({ number: 1, start: 0, end: 40, text: '{"resourceType":"Patient","id":"p1"}' });
    const lines = builder.build();
    expect(lines.text.buffer).not.toBe(small.buffers[0]);
    expect(text(lines.text)).toBe('{"resourceType":"Patient","id":"p1"}');
    expect(small.pack(0, 'input', lines.text)).toBe(lines.text); // sent as itself, not as a length
  });
});
