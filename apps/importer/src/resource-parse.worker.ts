// Entry point of a parse thread (see ResourceParsePool): one task is one batch of lines.
import { move, transferableSymbol, valueSymbol, workerData } from 'piscina';
import { movableBuffers, packParsed, SlotMemory, unpackBatch, type WireBatch, type WireParsed } from './batch-slots';
import { parseResourceLineBatch } from './resource-line-batch';

/** The batch slots' shared memory, given once when the thread starts. */
const memory = new SlotMemory((workerData as { slots: SharedArrayBuffer[] }).slots);

/** Parses a batch into its slot's memory; bytes that outgrew it (buffers of their own) move back without a copy. */
export default function parseResourceLineBatchInThread(wire: WireBatch): WireParsed {
  const { batch, regions } = unpackBatch(memory, wire);
  const parsed = packParsed(memory, wire.slot, parseResourceLineBatch(batch, regions));
  const { rendered, successes } = parsed.resources;
  const transferable = { [transferableSymbol]: movableBuffers([rendered.rows, rendered.references, successes]), [valueSymbol]: parsed };
  return move(transferable) as unknown as WireParsed;
}
