import { isValidFhirId } from './fhir-primitives';
import type { Resource } from './fhir-types';
import { invalidResource, unprocessable, type ValidationIssue } from './operation-outcome';
import { isResourceType } from './resource-types';
import { schemaIssues } from './schema-issues';
import { schemaValidator } from './schema-validators';

/**
 * How thoroughly to validate:
 * - `minimal`: a JSON object with a known R4 `resourceType` and, if present, a valid `id`.
 * - `structure-only`: minimal + HL7's R4 JSON schema (unknown elements, JSON types, primitive
 *   formats, required-binding codes, array vs single).
 * - `strict`: structure-only + what the schema cannot express, derived from the R4
 *   StructureDefinitions: required primitive/choice elements, one type per choice element,
 *   no empty arrays.
 */
export type ValidationLevel = 'strict' | 'structure-only' | 'minimal';

/**
 * Validates a parsed JSON value as a FHIR R4 resource. Returns the issues found; empty means valid.
 * Shared by the REST API and the bulk importer, so it is built for throughput: per-type ajv
 * validators are compiled on first use and cached.
 */
export function validateResource(input: unknown, level: ValidationLevel = 'strict'): ValidationIssue[] {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return [{ severity: 'error', code: 'structure', diagnostics: 'A resource must be a JSON object' }];
  }
  const { resourceType, id } = input as { resourceType?: unknown; id?: unknown };
  if (resourceType === undefined) {
    return [{ severity: 'error', code: 'required', diagnostics: 'Missing resourceType', expression: 'resourceType' }];
  }
  if (!isResourceType(resourceType)) {
    const diagnostics = `Unknown resourceType ${JSON.stringify(resourceType)}`;
    return [{ severity: 'error', code: 'structure', diagnostics, expression: 'resourceType' }];
  }
  if (id !== undefined && !isValidFhirId(id)) {
    const diagnostics = `Invalid id ${JSON.stringify(id)?.slice(0, 100)}; expected [A-Za-z0-9-.]{1,64}`;
    return [{ severity: 'error', code: 'value', diagnostics, expression: `${resourceType}.id` }];
  }
  if (level === 'minimal') return [];
  const validate = schemaValidator(level, resourceType);
  if (validate(input)) return [];
  return schemaIssues(resourceType, validate.errors ?? []);
}

/**
 * Validates and narrows `input` to a Resource, or throws a FhirError: 400 when the input is not
 * structurally FHIR (not an object, unknown type/elements, wrong JSON types), 422 when it is
 * well-formed but breaks FHIR rules (bad values or codes, missing required elements, choice rules).
 */
export function assertValidResource(input: unknown, level: ValidationLevel = 'strict'): asserts input is Resource {
  const issues = validateResource(input, level);
  if (issues.length === 0) return;
  throw issues.some((i) => i.code === 'structure' || i.code === 'invalid') ? invalidResource(issues) : unprocessable(issues);
}
