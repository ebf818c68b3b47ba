import { fhirJsonSchema, refName } from './definitions-loader';
import { isValidFhirId } from './fhir-primitives';
import { isResourceType } from './resource-types';

/**
 * How a reference string identifies its target:
 * - `literal`: relative `Type/id` (or `Type/id/_history/v`)
 * - `conditional`: `Type?search` (resolved by the server at write time)
 * - `absolute`: a URL or URN (`https://x/fhir/Patient/1`, `urn:uuid:...`)
 * - `contained`: `#id` (a resource in `contained`, or `#` for the container)
 */
export type ReferenceKind = 'literal' | 'conditional' | 'absolute' | 'contained';

/** One `Reference.reference` found in a resource. */
export interface ExtractedReference {
  /** Dot path of element names from the resource root, without indices (e.g. `participant.individual`). */
  path: string;
  reference: string;
  kind: ReferenceKind;
  targetType?: string;
  targetId?: string;
  /** Version for `.../_history/<v>` references. */
  targetVersion?: string;
  /** Search query of a conditional reference (text after `?`). */
  query?: string;
}

/** Per schema definition: the properties whose values may hold a Reference, and their definition. */
type ReferencePlan = ReadonlyMap<string, ReadonlyMap<string, string>>;
let plan: ReferencePlan | undefined;

/**
 * Every `Reference.reference` in `resource`, with the element path where it was found and its
 * parsed target. Schema-aware: only elements typed `Reference` (per HL7's R4 JSON schema) count,
 * including references inside extensions, identifiers' `assigner`, Bundle entries and contained
 * resources. References inside contained resources get paths prefixed with `contained`
 * (e.g. `contained.subject`), so they never count as the container's own (e.g. for compartments).
 * `canonical` elements are not references and are not returned.
 */
export function extractReferences(resource: unknown): ExtractedReference[] {
  const out: ExtractedReference[] = [];
  if (typeof resource !== 'object' || resource === null) return out;
  const root = resource as Record<string, unknown>;
  if (!isResourceType(root.resourceType)) return out;
  plan ??= buildPlan();
  walk(plan, root, root.resourceType, '', out);
  if (Array.isArray(root.contained)) resolveContainedTypes(root, out);
  return out;
}

function walk(p: ReferencePlan, obj: Record<string, unknown>, defName: string, path: string, out: ExtractedReference[]): void {
  const props = p.get(defName);
  if (props === undefined) return;
  for (const key in obj) {
    const child = props.get(key);
    if (child === undefined) continue;
    const value = obj[key];
    const childPath = path === '' ? key : `${path}.${key}`;
    if (Array.isArray(value)) {
      for (const item of value) visit(p, item, child, childPath, out);
    } else {
      visit(p, value, child, childPath, out);
    }
  }
}

function visit(p: ReferencePlan, value: unknown, defName: string, path: string, out: ExtractedReference[]): void {
  if (typeof value !== 'object' || value === null) return;
  const obj = value as Record<string, unknown>;
  if (defName === 'ResourceList') {
    if (isResourceType(obj.resourceType)) walk(p, obj, obj.resourceType, path, out);
    return;
  }
  if (defName === 'Reference' && typeof obj.reference === 'string') out.push(parseReference(obj.reference, path));
  walk(p, obj, defName, path, out);
}

/**
 * True if `path` (dot path as returned by extractReferences) names a Reference-typed element of
 * `resourceType`, e.g. (`Encounter`, `participant.individual`).
 */
export function isReferencePath(resourceType: string, path: string): boolean {
  plan ??= buildPlan();
  let def: string | undefined = resourceType;
  for (const seg of path.split('.')) {
    def = def === undefined ? undefined : plan.get(def)?.get(seg);
    if (def === undefined || def === 'ResourceList') return false;
  }
  return def === 'Reference';
}

/**
 * Parses a reference string into its kind and target. Absolute URLs yield a target when they end in
 * `<ResourceType>/<id>` (optionally `/_history/<v>`), as FHIR server URLs do.
 */
export function parseReference(reference: string, path = ''): ExtractedReference {
  if (reference.startsWith('#')) {
    const id = reference.slice(1);
    return id === '' ? { path, reference, kind: 'contained' } : { path, reference, kind: 'contained', targetId: id };
  }
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:/.test(reference);
  const q = reference.indexOf('?');
  if (!scheme && q > 0) {
    const type = reference.slice(0, q);
    const ref: ExtractedReference = { path, reference, kind: 'conditional', query: reference.slice(q + 1) };
    if (isResourceType(type)) ref.targetType = type;
    return ref;
  }
  const ref: ExtractedReference = { path, reference, kind: scheme ? 'absolute' : 'literal' };
  const segs = (q >= 0 ? reference.slice(0, q) : reference).split('/');
  let end = segs.length;
  if (end >= 4 && segs[end - 2] === '_history') {
    ref.targetVersion = segs[end - 1];
    end -= 2;
  }
  const type = segs[end - 2];
  const id = segs[end - 1];
  if (end >= 2 && isResourceType(type) && isValidFhirId(id) && (scheme || end === 2)) {
    ref.targetType = type;
    ref.targetId = id;
  } else {
    delete ref.targetVersion;
  }
  return ref;
}

function resolveContainedTypes(root: Record<string, unknown>, refs: ExtractedReference[]): void {
  const types = new Map<string, string>();
  for (const c of root.contained as unknown[]) {
    const r = c as { id?: unknown; resourceType?: unknown } | null;
    if (typeof r?.id === 'string' && typeof r.resourceType === 'string') types.set(r.id, r.resourceType);
  }
  for (const ref of refs) {
    if (ref.kind === 'contained' && ref.targetId !== undefined) {
      const t = types.get(ref.targetId);
      if (t !== undefined) ref.targetType = t;
    }
  }
}

/**
 * For each schema definition, the properties that can (transitively) hold a Reference, found by a
 * fixed point over the schema, so the walk skips subtrees (codings, narrative, ...) that cannot.
 */
function buildPlan(): ReferencePlan {
  const defs = fhirJsonSchema().definitions;
  const reaches = new Set<string>(['Reference', 'ResourceList']);
  for (let changed = true; changed; ) {
    changed = false;
    for (const [name, def] of Object.entries(defs)) {
      if (reaches.has(name)) continue;
      if (Object.values(def.properties ?? {}).some((n) => reaches.has(refName(n) ?? ''))) {
        reaches.add(name);
        changed = true;
      }
    }
  }
  const result = new Map<string, Map<string, string>>();
  for (const [name, def] of Object.entries(defs)) {
    const props = new Map<string, string>();
    for (const [prop, node] of Object.entries(def.properties ?? {})) {
      const target = refName(node);
      if (target !== undefined && reaches.has(target)) props.set(prop, target);
    }
    if (props.size > 0) result.set(name, props);
  }
  return result;
}
