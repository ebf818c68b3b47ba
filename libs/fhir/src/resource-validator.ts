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
 * validators are compiled on first use and cached. `json`, the text `input` was parsed from, lets
 * the control-character check skip its walk over every string when the text cannot hold one.
 */
export function validateResource(input: unknown, level: ValidationLevel = 'strict', json?: string): ValidationIssue[] {
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
  const badCharacter = json !== undefined && !CONTROL_ESCAPE.test(json) ? undefined : forbiddenCharacter(input, resourceType, level === 'minimal' ? NUL : CONTROL_CHARACTERS);
  if (badCharacter) return [badCharacter];
  if (level === 'minimal') return [];
  const validate = schemaValidator(level, resourceType);
  if (validate(input)) return [];
  return schemaIssues(resourceType, validate.errors ?? []);
}

/** FHIR strings SHALL NOT contain characters below U+0020 other than tab, LF and CR. */
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/;
/**
 * JSON text holds control characters inside strings only as escapes (raw ones are invalid JSON):
 * text without `\u0000`-`\u001F`, `\b` or `\f` escapes parses to strings free of forbidden ones.
 * (A match may be a false alarm, e.g. an escaped backslash before "b": the walk then decides.)
 */
const CONTROL_ESCAPE = /\\(?:u00[01][0-9A-Fa-f]|[bf])/;
/** Even at `minimal`: Postgres cannot store U+0000 in text or json. */
const NUL = /\u0000/;

/** The first string (or property name) holding a `forbidden` character, as an issue naming where. */
function forbiddenCharacter(value: unknown, path: string, forbidden: RegExp): ValidationIssue | undefined {
  if (typeof value === 'string') {
    if (!forbidden.test(value)) return undefined;
    const code = value.codePointAt(value.search(forbidden))!.toString(16).toUpperCase().padStart(4, '0');
    return { severity: 'error', code: 'invalid', diagnostics: `${path} contains the control character U+${code}, which FHIR strings may not hold`, expression: path };
  }
  if (typeof value !== 'object' || value === null) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const issue = forbiddenCharacter(value[i], `${path}[${i}]`, forbidden);
      if (issue) return issue;
    }
    return undefined;
  }
  for (const key in value) {
    if (forbidden.test(key)) return { severity: 'error', code: 'invalid', diagnostics: `${path} has a property name containing a control character`, expression: path };
    const issue = forbiddenCharacter((value as Record<string, unknown>)[key], `${path}.${key}`, forbidden);
    if (issue) return issue;
  }
  return undefined;
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
