// Pure rendering work, importable without the rest of the library (`@fhirlake/persistence/bulk-rows`):
// the importer's parse threads render rows here, off the thread that talks to Postgres.
import { COPY_NULL, copyJsonField, copyTextField } from './copy-text-format';
import type { IndexedReference } from './fhir-resource.types';
import { ByteWriter, byteRangeAt, type StampBuffer, stampMarks } from './marked-bytes';

export { ByteWriter, byteRangeAt } from './marked-bytes';

/** A validated resource ready for a bulk write, split so the stamped JSON can be built cheaply. */
export interface BulkResource {
  resourceType: string;
  id: string;
  /** The resource's own `meta` (a plain object), if any; versionId and lastUpdated get stamped over it. */
  meta?: Record<string, unknown>;
  /** JSON.stringify of the resource without resourceType, id and meta, e.g. `{"active":true}`. */
  bodyJson: string;
  /** Its references, without duplicates (same path and reference). */
  references: readonly IndexedReference[];
}

/** The version a bulk write gave one resource. */
export interface BulkWrittenVersion {
  versionId: number;
  /** FHIR instant with microseconds, as the single-resource path stamps it. */
  lastUpdated: string;
}

/**
 * Where a row's version and timestamp go until the transaction knows them. JSON.stringify escapes
 * every control character, so these raw U+0001 sequences can occur nowhere else in a row.
 */
export const VERSION_MARK = '\u0001v';
export const INSTANT_MARK = '\u0001t';

/**
 * Resources rendered as COPY text rows (UTF-8 bytes), everything but their version and lastUpdated
 * filled in: one buffer per table instead of thousands of objects, moved between threads without
 * a copy.
 */
export interface RenderedResources {
  datastoreId: string;
  types: string[];
  ids: string[];
  /** `fhir_resource` rows (RESOURCE_COPY_COLUMNS), one per resource, with the marks in place. */
  rows: Uint8Array;
  /** End byte offset in `rows` of each resource's row. */
  rowEnds: number[];
  /** `fhir_reference` rows (REFERENCE_COPY_COLUMNS) of every resource, in resource order. */
  references: Uint8Array;
  /** End byte offset in `references` of each resource's reference rows. */
  referenceEnds: number[];
}

export const RESOURCE_COPY_COLUMNS = 'datastore_id, resource_type, id, version_id, last_updated, deleted, resource';
export const REFERENCE_COPY_COLUMNS = 'datastore_id, source_type, source_id, path, reference, target_type, target_id';

const VERSION_JSON = `"${VERSION_MARK}"`;
const INSTANT_JSON = `"${INSTANT_MARK}"`;

/**
 * `meta` as the single-resource path stamps it (`{ ...meta, versionId, lastUpdated }`: the
 * resource's keys in their order, versionId and lastUpdated overwritten in place or appended), with
 * the marks for values.
 */
function markedMetaJson(meta: Record<string, unknown> | undefined): string {
  let out = '';
  let version = false;
  let instant = false;
  for (const key of Object.keys(meta ?? {})) {
    let value: string | undefined;
    if (key === 'versionId') [value, version] = [VERSION_JSON, true];
    else if (key === 'lastUpdated') [value, instant] = [INSTANT_JSON, true];
    else value = JSON.stringify(meta![key]);
    if (value !== undefined) out += `${out ? ',' : ''}${JSON.stringify(key)}:${value}`;
  }
  if (!version) out += `${out ? ',' : ''}"versionId":${VERSION_JSON}`;
  if (!instant) out += `,"lastUpdated":${INSTANT_JSON}`;
  return `{${out}}`;
}

/**
 * The stored JSON up to the body, with the marks: resourceType, id and meta first, as the
 * single-resource path writes it (the body's members follow).
 */
function markedHeadJson(resource: BulkResource): string {
  return `{"resourceType":${JSON.stringify(resource.resourceType)},"id":${JSON.stringify(resource.id)},"meta":${markedMetaJson(resource.meta)}`;
}

/** Collects resources into {@link RenderedResources}. */
export class RenderedResourcesBuilder {
  private readonly ds: string;
  private readonly types: string[] = [];
  private readonly ids: string[] = [];
  private readonly rows: ByteWriter;
  private readonly rowEnds: number[] = [];
  private readonly references: ByteWriter;
  private readonly referenceEnds: number[] = [];

  /**
   * `expectedBytes`: about how large the rows will be (e.g. the input's size), to size the buffer
   * once; `regions`: memory to write the rows and reference rows into instead (see ByteWriter).
   */
  constructor(
    private readonly datastoreId: string,
    expectedBytes = 64 * 1024,
    regions: { rows?: Uint8Array; references?: Uint8Array } = {},
  ) {
    this.ds = copyTextField(datastoreId);
    this.rows = new ByteWriter(regions.rows ?? expectedBytes);
    this.references = new ByteWriter(regions.references ?? 16 * 1024);
  }

  add(resource: BulkResource): void {
    const type = copyTextField(resource.resourceType);
    const id = copyTextField(resource.id);
    this.types.push(resource.resourceType);
    this.ids.push(resource.id);
    // Written piece by piece: no row-sized string is ever built.
    const { rows } = this;
    rows.write(`${this.ds}\t${type}\t${id}\t${VERSION_MARK}\t${INSTANT_MARK}\tf\t`);
    rows.write(copyJsonField(markedHeadJson(resource)));
    if (resource.bodyJson === '{}') rows.write('}\n');
    else {
      rows.write(',');
      rows.write(copyJsonField(resource.bodyJson).slice(1)); // a slice is a view: nothing copied before the write
      rows.write('\n');
    }
    this.rowEnds.push(rows.byteLength);
    for (const ref of resource.references) {
      const targetType = ref.targetType === undefined ? COPY_NULL : copyTextField(ref.targetType);
      const targetId = ref.targetId === undefined ? COPY_NULL : copyTextField(ref.targetId);
      this.references.write(`${this.ds}\t${type}\t${id}\t${copyTextField(ref.path)}\t${copyTextField(ref.reference)}\t${targetType}\t${targetId}\n`);
    }
    this.referenceEnds.push(this.references.byteLength);
  }

  get size(): number {
    return this.ids.length;
  }

  /** The rendered batch (add nothing more after this). */
  build(): RenderedResources {
    const { datastoreId, types, ids, rowEnds, referenceEnds } = this;
    return { datastoreId, types, ids, rows: this.rows.bytes(), rowEnds, references: this.references.bytes(), referenceEnds };
  }
}

/** Renders resources in one go (for callers that have them at hand). */
export function renderResources(datastoreId: string, resources: readonly BulkResource[]): RenderedResources {
  const builder = new RenderedResourcesBuilder(datastoreId);
  for (const resource of resources) builder.add(resource);
  return builder.build();
}

/** Resource `i` of a rendered batch, on its own (to retry resources one by one); views, not copies. */
export function renderedResource(batch: RenderedResources, i: number): RenderedResources {
  const rows = byteRangeAt(batch.rows, batch.rowEnds, i);
  const references = byteRangeAt(batch.references, batch.referenceEnds, i);
  return { datastoreId: batch.datastoreId, types: [batch.types[i]], ids: [batch.ids[i]], rows, rowEnds: [rows.length], references, referenceEnds: [references.length] };
}

const VERSION_LETTER = VERSION_MARK[1];
const INSTANT_LETTER = INSTANT_MARK[1];

/** A rendered row (or run of rows) filled in with its version and lastUpdated: a new buffer, or a view of `into`. */
export function stampRows(rows: Uint8Array, version: BulkWrittenVersion, into?: StampBuffer): Buffer {
  return stampMarks(rows, { [VERSION_LETTER]: String(version.versionId), [INSTANT_LETTER]: version.lastUpdated }, into);
}

/** Bytes with only VERSION_MARK in them (e.g. SUCCESS lines) filled in with `versionId`: a new buffer. */
export function stampVersion(bytes: Uint8Array, versionId: number): Buffer {
  return stampMarks(bytes, { [VERSION_LETTER]: String(versionId) });
}

/** Empty rendered rows. */
export const NO_BYTES: Uint8Array<ArrayBuffer> = new Uint8Array(0);
