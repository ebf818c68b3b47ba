import { fhirJsonSchema } from './definitions-loader';
import type { ResourceType } from './fhir-types';

/**
 * Every FHIR R4 resource type, taken from the `resourceType` discriminator of HL7's R4 JSON schema
 * (a maintained source, so the list is never hand-typed). Sorted, frozen.
 */
export const FHIR_R4_RESOURCE_TYPES: readonly ResourceType[] = Object.freeze(
  Object.keys(fhirJsonSchema().discriminator.mapping).sort() as ResourceType[],
);

const resourceTypeSet: ReadonlySet<string> = new Set(FHIR_R4_RESOURCE_TYPES);

/** True if `s` is the name of a FHIR R4 resource type (case-sensitive, e.g. `Patient`). */
export function isResourceType(s: unknown): s is ResourceType {
  return typeof s === 'string' && resourceTypeSet.has(s);
}
