export * from './fhir-types';
export { FHIR_R4_RESOURCE_TYPES, isResourceType } from './resource-types';
export * from './operation-outcome';
export { isValidFhirId, parseFhirInstant } from './fhir-primitives';
export { stampMeta, type MetaStamp } from './meta-stamp';
export { validateResource, assertValidResource, type ValidationLevel } from './resource-validator';
export { extractReferences, isReferencePath, parseReference, type ExtractedReference, type ReferenceKind } from './reference-extractor';
export { isInPatientCompartment, patientCompartmentPaths, patientCompartmentResourceTypes } from './patient-compartment';
