// Entry point of a parse thread (see ResourceParsePool): one task is one batch of lines.
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { type ParsedLineBatch, parseResourceLineBatch, type ResourceLineBatch } from './resource-line-batch';

/** Parses a batch and moves its rendered buffers back to the caller (no copy). */
export default function parseResourceLineBatchInThread(batch: ResourceLineBatch): ParsedLineBatch {
  const parsed = parseResourceLineBatch(batch);
  const { rendered, successes } = parsed.resources;
  const transferable = { [transferableSymbol]: [rendered.rows.buffer, rendered.references.buffer, successes.buffer], [valueSymbol]: parsed };
  return move(transferable) as unknown as ParsedLineBatch;
}
