import { Piscina } from 'piscina';
import path from 'node:path';
import { movableBuffers, packBatch, SlotMemory, SlotPool, unpackBatch, unpackParsed, type WireBatch, type WireParsed } from './batch-slots';
import { type ParsedLineBatch, parseResourceLineBatch, type ResourceLineBatch } from './resource-line-batch';

/**
 * Parses and validates line batches off the main thread, so JSON parsing and validation (most of
 * an import's CPU) run on other cores while the main thread streams S3 and talks to Postgres.
 * With 0 threads batches are parsed inline. Results come back per batch, so the caller keeps input
 * order by awaiting batches in the order it submitted them. Batches' bytes live in `slots`, shared
 * memory the threads get once at start (see batch-slots.ts).
 */
export class ResourceParsePool {
  private readonly pool: Piscina<WireBatch, WireParsed> | undefined;
  /** Slots for the batches of a load (see ImportFileLoader): one per thread, one more in flight, one being read. */
  readonly slots: SlotPool;

  /** `heapMb`: each thread's old-generation limit (compiling the FHIR schema validators needs ~150 MB). */
  constructor(threads: number, heapMb = 256, slotCount = threads + 2) {
    const memory = SlotMemory.allocate(slotCount);
    this.slots = new SlotPool(memory);
    if (threads === 0) return;
    // From the build, the compiled .js next to this file; from source (tests, dev) the .ts file,
    // loaded through the swc-node hook.
    const fromSource = path.extname(__filename) === '.ts';
    const filename = path.join(__dirname, `resource-parse.worker${fromSource ? '.ts' : '.js'}`);
    // Otherwise the threads inherit the process's options (passing them explicitly would refuse V8 flags such as --trace-gc).
    const execArgv = fromSource && !process.execArgv.includes('@swc-node/register') ? [...process.execArgv, '-r', '@swc-node/register'] : undefined;
    this.pool = new Piscina({
      filename,
      execArgv,
      minThreads: threads,
      maxThreads: threads,
      idleTimeout: Number.POSITIVE_INFINITY,
      workerData: { slots: memory.buffers },
      // A cap where no heap flags are given: --max-old-space-size (e.g. in NODE_OPTIONS) overrides it
      // for every thread, so it must leave room for the validators (compiling all 146 types fits in 160 MB).
      resourceLimits: { maxOldGenerationSizeMb: heapMb },
    });
  }

  /** Parses `batch`, whose lines were read into `slot` (if any); its rendered bytes come back there too, as far as they fit. */
  async parse(batch: ResourceLineBatch, slot?: number): Promise<ParsedLineBatch> {
    const { memory } = this.slots;
    const wire = packBatch(memory, slot, batch);
    if (!this.pool) {
      await Promise.resolve();
      const local = unpackBatch(memory, wire);
      return parseResourceLineBatch(local.batch, local.regions);
    }
    // Lines outside the slot move to the thread (the caller never touches them again).
    return unpackParsed(memory, slot, await this.pool.run(wire, { transferList: movableBuffers([wire.lines.text]) }));
  }

  async close(): Promise<void> {
    await this.pool?.close({ force: true });
  }
}
