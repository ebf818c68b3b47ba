// Pure string work, importable without the rest of the library (`@fhirlake/persistence/bulk-rows`):
// the importer's parse threads render rows here, off the thread that talks to Postgres.
import { COPY_NULL, copyJsonField, copyTextField, pieceAt } from './copy-text-format';
import type { IndexedReference } from './fhir-resource.types';

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
 * Resources rendered as COPY text rows, everything but their version and lastUpdated filled in:
 * one string per table instead of thousands of objects, cheap to hand between threads.
 */
export interface RenderedResources {
  datastoreId: string;
  types: string[];
  ids: string[];
  /** `fhir_resource` rows (RESOURCE_COPY_COLUMNS), one per resource, with the marks in place. */
  rows: string;
  /** End offset in `rows` of each resource's row. */
  rowEnds: number[];
  /** `fhir_reference` rows (REFERENCE_COPY_COLUMNS) of every resource, in resource order. */
  references: string;
  /** End offset in `references` of each resource's reference rows. */
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

/** The stored JSON with the marks: resourceType, id and meta first (as the single-resource path writes it), then the body. */
export function markedResourceJson(resource: BulkResource): string {
  const head = `{"resourceType":${JSON.stringify(resource.resourceType)},"id":${JSON.stringify(resource.id)},"meta":${markedMetaJson(resource.meta)}`;
  return resource.bodyJson === '{}' ? `${head}}` : `${head},${resource.bodyJson.slice(1)}`;
}

/** Collects resources into {@link RenderedResources}. */
export class RenderedResourcesBuilder {
  private readonly ds: string;
  private readonly rendered: RenderedResources;

  constructor(datastoreId: string) {
    this.ds = copyTextField(datastoreId);
    this.rendered = { datastoreId, types: [], ids: [], rows: '', rowEnds: [], references: '', referenceEnds: [] };
  }

  add(resource: BulkResource): void {
    const r = this.rendered;
    const type = copyTextField(resource.resourceType);
    const id = copyTextField(resource.id);
    r.types.push(resource.resourceType);
    r.ids.push(resource.id);
    r.rows += `${this.ds}\t${type}\t${id}\t${VERSION_MARK}\t${INSTANT_MARK}\tf\t${copyJsonField(markedResourceJson(resource))}\n`;
    r.rowEnds.push(r.rows.length);
    for (const ref of resource.references) {
      const targetType = ref.targetType === undefined ? COPY_NULL : copyTextField(ref.targetType);
      const targetId = ref.targetId === undefined ? COPY_NULL : copyTextField(ref.targetId);
      r.references += `${this.ds}\t${type}\t${id}\t${copyTextField(ref.path)}\t${copyTextField(ref.reference)}\t${targetType}\t${targetId}\n`;
    }
    r.referenceEnds.push(r.references.length);
  }

  get size(): number {
    return this.rendered.ids.length;
  }

  build(): RenderedResources {
    return this.rendered;
  }
}

/** Renders resources in one go (for callers that have them at hand). */
export function renderResources(datastoreId: string, resources: readonly BulkResource[]): RenderedResources {
  const builder = new RenderedResourcesBuilder(datastoreId);
  for (const resource of resources) builder.add(resource);
  return builder.build();
}

/** Resource `i` of a rendered batch, on its own (to retry resources one by one). */
export function renderedResource(batch: RenderedResources, i: number): RenderedResources {
  const rows = pieceAt(batch.rows, batch.rowEnds, i);
  const references = pieceAt(batch.references, batch.referenceEnds, i);
  return { datastoreId: batch.datastoreId, types: [batch.types[i]], ids: [batch.ids[i]], rows, rowEnds: [rows.length], references, referenceEnds: [references.length] };
}

/** Fills a rendered row (or run of rows) with its version and lastUpdated. */
export function stampRows(rows: string, version: BulkWrittenVersion): string {
  return rows.replaceAll(VERSION_MARK, String(version.versionId)).replaceAll(INSTANT_MARK, version.lastUpdated);
}
