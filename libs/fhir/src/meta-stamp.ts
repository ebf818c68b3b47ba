import type { Meta, Resource } from './fhir-types';

/** Server-assigned version metadata. */
export interface MetaStamp {
  versionId: string;
  /** FHIR instant, e.g. `2024-05-01T12:00:00.000Z`; a Date is converted with toISOString(). */
  lastUpdated: string | Date;
}

/**
 * Returns a shallow copy of `resource` with `meta.versionId` and `meta.lastUpdated` set by the server,
 * keeping the rest of `meta` (profile, tag, security, source). The input is not modified.
 */
export function stampMeta<T extends Resource>(resource: T, stamp: MetaStamp): T & { meta: Meta } {
  const lastUpdated = typeof stamp.lastUpdated === 'string' ? stamp.lastUpdated : stamp.lastUpdated.toISOString();
  return { ...resource, meta: { ...resource.meta, versionId: stamp.versionId, lastUpdated } };
}
