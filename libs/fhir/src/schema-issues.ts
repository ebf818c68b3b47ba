import type { ErrorObject } from 'ajv';
import type { ValidationIssue } from './operation-outcome';
import { patternTypeNames, type FhirKeywordParams } from './schema-validators';

/** Converts ajv errors for a resource of `resourceType` into FHIR validation issues. */
export function schemaIssues(resourceType: string, errors: readonly ErrorObject[]): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    const issue = toIssue(resourceType, e);
    const key = `${issue.expression}|${issue.diagnostics}`;
    if (!seen.has(key)) {
      seen.add(key);
      issues.push(issue);
    }
  }
  return issues;
}

function toIssue(resourceType: string, e: ErrorObject): ValidationIssue {
  const at = (child?: string): string => fhirPath(resourceType, e.instancePath, child);
  const value = JSON.stringify(e.data)?.slice(0, 100);
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'fhirRules':
    case 'fhirResource': {
      const fp = e.params as FhirKeywordParams;
      return issue(fp.issueCode, fp.message, at(fp.property));
    }
    case 'additionalProperties':
      return issue('structure', `Unknown element '${String(p.additionalProperty)}'`, at(String(p.additionalProperty)));
    case 'required':
      return issue('required', `Missing required element '${String(p.missingProperty)}'`, at(String(p.missingProperty)));
    case 'type': {
      const expected = String(p.type);
      const msg =
        expected === 'array'
          ? 'Element repeats and must be a JSON array'
          : expected === 'object'
            ? `Element must be a JSON object, got ${value}`
            : `Expected a JSON ${expected}, got ${value}`;
      return issue('structure', msg, at());
    }
    case 'pattern': {
      const typeName = patternTypeNames().get(String(p.pattern)) ?? 'value';
      return issue('value', `Invalid ${typeName} ${value}`, at());
    }
    case 'enum':
      return issue('value', `Invalid code ${value}; expected one of: ${(p.allowedValues as unknown[]).join(', ')}`, at());
    case 'const':
      return issue('value', `Expected ${JSON.stringify(p.allowedValue)}, got ${value}`, at());
    case 'minItems':
      return issue('structure', 'Arrays must not be empty', at());
    default:
      return issue('structure', `Invalid element (${e.keyword})`, at());
  }
}

function issue(code: ValidationIssue['code'], diagnostics: string, expression: string): ValidationIssue {
  return { severity: 'error', code, diagnostics, expression };
}

/** `/name/0/given` -> `Patient.name[0].given` (FHIRPath-style). */
function fhirPath(resourceType: string, instancePath: string, child?: string): string {
  let out = resourceType;
  if (instancePath) {
    for (const raw of instancePath.slice(1).split('/')) {
      const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
      out += /^\d+$/.test(seg) ? `[${seg}]` : `.${seg}`;
    }
  }
  return child === undefined ? out : `${out}.${child}`;
}
