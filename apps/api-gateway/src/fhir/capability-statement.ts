import { type CapabilityStatement, FHIR_R4_RESOURCE_TYPES } from '@fhirlake/fhir';
import { SUPPORTED_SEARCH_PARAMS } from './search-params';

/** The truth about what this FHIR endpoint supports; built once per base URL. */
export function capabilityStatement(fhirBaseUrl: string, softwareVersion: string): CapabilityStatement {
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: '2026-11-23',
    publisher: 'fhirlake',
    kind: 'instance',
    software: { name: 'fhirlake', version: softwareVersion },
    implementation: { description: 'fhirlake FHIR R4 datastore', url: fhirBaseUrl },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    rest: [
      {
        mode: 'server',
        documentation: 'Resources are validated against the FHIR R4 StructureDefinitions (HL7 JSON schema plus cardinality rules). Only JSON is supported.',
        resource: FHIR_R4_RESOURCE_TYPES.map((type) => ({
          type,
          versioning: 'versioned-update',
          readHistory: true,
          updateCreate: true,
          conditionalCreate: false,
          conditionalUpdate: false,
          conditionalDelete: 'not-supported',
          interaction: ['read', 'vread', 'update', 'delete', 'history-instance', 'create', 'search-type'].map((code) => ({ code: code as 'read' })),
          searchParam: SUPPORTED_SEARCH_PARAMS.map((p) => ({ name: p.name, type: p.type, documentation: p.documentation })),
        })),
      },
    ],
  };
}
