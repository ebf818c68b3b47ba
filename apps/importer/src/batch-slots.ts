import type { RenderedResources } from '@fhirlake/persistence/bulk-rows';
import type { LineBatchText } from './line-batch-text';
import type { OutputRegions, ParsedLineBatch, ParsedResources, ResourceLineBatch } from './resource-line-batch';

/**
 * Shared memory for the bytes of batches in flight: their input lines, rendered rows, reference
 * rows and SUCCESS lines. Allocated once per process and handed to the parse threads at start, so
 * no batch allocates or transfers megabytes of ArrayBuffers. Those would be new external memory to
 * V8 in each thread they reach, freed only by full garbage collections, which then cost the
 * committing thread more than anything else it did (and peaked its RSS). Pages of shared memory
 * become resident only once written, so a slot costs what its largest batch used.
 *
 * A batch that finds no free slot, or outgrows a region, uses ordinary buffers instead.
 */
export const SLOT_REGIONS = ['input', 'rows', 'references', 'successes'] as const;
export type SlotRegion = (typeof SLOT_REGIONS)[number];

/** Bytes reserved per region (address space; only what is written becomes resident). */
export const SLOT_REGION_BYTES: Readonly<Record<SlotRegion, number>> = {
  input: 24 * 1024 * 1024,
  rows: 32 * 1024 * 1024,
  references: 16 * 1024 * 1024,
  successes: 8 * 1024 * 1024,
};

/** Bytes of a region, or their length within the region of a slot (how they cross threads). */
export type SlotBytes = Uint8Array | { region: SlotRegion; length: number };

/** The slots' memory, as either thread sees it. */
export class SlotMemory {
  private readonly offsets: Record<SlotRegion, number>;

  constructor(readonly buffers: readonly SharedArrayBuffer[]) {
    let at = 0;
    this.offsets = {} as Record<SlotRegion, number>;
    for (const region of SLOT_REGIONS) {
      this.offsets[region] = at;
      at += SLOT_REGION_BYTES[region];
    }
  }

  /** Allocates `count` slots. */
  static allocate(count: number): SlotMemory {
    const bytes = SLOT_REGIONS.reduce((sum, region) => sum + SLOT_REGION_BYTES[region], 0);
    return new SlotMemory(Array.from({ length: count }, () => new SharedArrayBuffer(bytes)));
  }

  get count(): number {
    return this.buffers.length;
  }

  /** The whole of a slot's region, to write into. */
  region(slot: number, region: SlotRegion): Uint8Array {
    return new Uint8Array(this.buffers[slot], this.offsets[region], SLOT_REGION_BYTES[region]);
  }

  /** `bytes` for a message: its length if it lies at the start of the slot's region (the memory is shared already), else itself. */
  pack(slot: number | undefined, region: SlotRegion, bytes: Uint8Array): SlotBytes {
    if (slot !== undefined && bytes.buffer === this.buffers[slot] && bytes.byteOffset === this.offsets[region]) return { region, length: bytes.byteLength };
    return bytes;
  }

  /** The bytes a packed value stands for. */
  unpack(slot: number | undefined, packed: SlotBytes): Uint8Array {
    if (packed instanceof Uint8Array) return packed;
    if (slot === undefined) throw new Error('Slot bytes without a slot');
    return this.region(slot, packed.region).subarray(0, packed.length);
  }
}

/** Which slots are free (on the thread that reads and commits). */
export class SlotPool {
  private readonly free: number[];

  constructor(readonly memory: SlotMemory) {
    this.free = Array.from({ length: memory.count }, (_, i) => i);
  }

  /** A free slot, or undefined when all are taken (the batch then uses ordinary buffers). */
  acquire(): number | undefined {
    return this.free.pop();
  }

  release(slot: number | undefined): void {
    if (slot !== undefined && !this.free.includes(slot)) this.free.push(slot);
  }

  get available(): number {
    return this.free.length;
  }
}

/** A batch as a parse thread receives it: the input lines' bytes as {@link SlotBytes}. */
export interface WireBatch extends Omit<ResourceLineBatch, 'lines'> {
  lines: Omit<LineBatchText, 'text'> & { text: SlotBytes };
  slot?: number;
}

/** A parsed batch as it comes back: rendered bytes as {@link SlotBytes}. */
export interface WireParsed extends Omit<ParsedLineBatch, 'resources'> {
  resources: Omit<ParsedResources, 'rendered' | 'successes'> & {
    rendered: Omit<RenderedResources, 'rows' | 'references'> & { rows: SlotBytes; references: SlotBytes };
    successes: SlotBytes;
  };
}

/** Buffers of their own among `values`, to move with the message (shared memory needs no moving). */
export function movableBuffers(values: readonly SlotBytes[]): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  for (const value of values) if (value instanceof Uint8Array && value.buffer instanceof ArrayBuffer && !out.includes(value.buffer)) out.push(value.buffer);
  return out;
}

export function packBatch(memory: SlotMemory, slot: number | undefined, batch: ResourceLineBatch): WireBatch {
  return { ...batch, lines: { ...batch.lines, text: memory.pack(slot, 'input', batch.lines.text) }, slot };
}

export function unpackBatch(memory: SlotMemory, wire: WireBatch): { batch: ResourceLineBatch; regions: OutputRegions } {
  const { slot, ...rest } = wire;
  const batch = { ...rest, lines: { ...wire.lines, text: memory.unpack(slot, wire.lines.text) } };
  const regions = slot === undefined ? {} : { rows: memory.region(slot, 'rows'), references: memory.region(slot, 'references'), successes: memory.region(slot, 'successes') };
  return { batch, regions };
}

export function packParsed(memory: SlotMemory, slot: number | undefined, parsed: ParsedLineBatch): WireParsed {
  const { rendered, successes } = parsed.resources;
  return {
    ...parsed,
    resources: {
      ...parsed.resources,
      rendered: { ...rendered, rows: memory.pack(slot, 'rows', rendered.rows), references: memory.pack(slot, 'references', rendered.references) },
      successes: memory.pack(slot, 'successes', successes),
    },
  };
}

export function unpackParsed(memory: SlotMemory, slot: number | undefined, wire: WireParsed): ParsedLineBatch {
  const { rendered, successes } = wire.resources;
  return {
    ...wire,
    resources: {
      ...wire.resources,
      rendered: { ...rendered, rows: memory.unpack(slot, rendered.rows), references: memory.unpack(slot, rendered.references) },
      successes: memory.unpack(slot, successes),
    },
  };
}
