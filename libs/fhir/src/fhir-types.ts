/**
 * FHIR R4 resource and datatype types, re-exported from the maintained `@medplum/fhirtypes` package
 * so the rest of the workspace never hand-writes FHIR shapes.
 */
export type {
  Attachment,
  Bundle,
  BundleEntry,
  BundleLink,
  CapabilityStatement,
  CodeableConcept,
  Coding,
  Condition,
  Encounter,
  Extension,
  Identifier,
  Meta,
  Observation,
  OperationOutcome,
  OperationOutcomeIssue,
  Organization,
  Patient,
  Practitioner,
  Procedure,
  Reference,
  Resource,
  ResourceType,
} from '@medplum/fhirtypes';
