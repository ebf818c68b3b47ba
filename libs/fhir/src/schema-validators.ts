import Ajv, { type ErrorObject, type SchemaValidateFunction, type ValidateFunction } from 'ajv';
import type { DataValidateFunction } from 'ajv/dist/types';
import { fhirJsonSchema, type SchemaNode } from './definitions-loader';
import { isResourceType } from './resource-types';
import { structureRules, type DefinitionRules } from './structure-rules';

/** Whether to add the StructureDefinition-derived rules (`strict`) or use the bare HL7 schema. */
export type SchemaFlavor = 'strict' | 'structure-only';

/** Extra error params our custom keywords attach, read back by the issue mapper. */
export interface FhirKeywordParams {
  issueCode: 'required' | 'invariant' | 'structure';
  message: string;
  /** Property name to append to the error's instancePath, when the issue is about a child. */
  property?: string;
}

const SCHEMA_ID = 'fhir-r4';
const registries = new Map<SchemaFlavor, SchemaRegistry>();

/**
 * The compiled schema validator for one resource type, created on first use and cached.
 * Compiles `fhir-r4#/definitions/<Type>` rather than the schema's `oneOf` over all 146 types,
 * which is both slow and yields useless errors.
 */
export function schemaValidator(flavor: SchemaFlavor, resourceType: string): ValidateFunction {
  let registry = registries.get(flavor);
  if (registry === undefined) {
    registry = new SchemaRegistry(flavor);
    registries.set(flavor, registry);
  }
  return registry.get(resourceType);
}

class SchemaRegistry {
  private readonly ajv: Ajv;
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(flavor: SchemaFlavor) {
    // strict:false because the HL7 schema puts `pattern` on number/boolean types; verbose keeps the
    // offending value on errors so diagnostics can quote it.
    this.ajv = new Ajv({ strict: false, allErrors: true, verbose: true, messages: false });
    const rules = flavor === 'strict' ? structureRules() : undefined;
    this.ajv.addKeyword({ keyword: 'fhirResource', errors: true, validate: this.nestedResourceKeyword() });
    if (rules) this.ajv.addKeyword({ keyword: 'fhirRules', errors: true, compile: compileRules });
    this.ajv.addSchema({ $id: SCHEMA_ID, definitions: prepareDefinitions(rules) });
  }

  get(resourceType: string): ValidateFunction {
    let validate = this.validators.get(resourceType);
    if (validate === undefined) {
      validate = this.ajv.compile({ $ref: `${SCHEMA_ID}#/definitions/${resourceType}` });
      this.validators.set(resourceType, validate);
    }
    return validate;
  }

  /**
   * Validates contained / Bundle.entry.resource / Parameters resources against their own type's
   * validator (dispatching on resourceType), instead of the schema's 146-way `oneOf`.
   */
  private nestedResourceKeyword(): SchemaValidateFunction {
    const validateNested: SchemaValidateFunction = (
      _schema: unknown,
      data: unknown,
      _parent?: unknown,
      cxt?: { instancePath: string },
    ): boolean => {
      const base = cxt?.instancePath ?? '';
      const fail = (message: string, property?: string): false => {
        const params: FhirKeywordParams = { issueCode: 'structure', message, property };
        validateNested.errors = [{ keyword: 'fhirResource', instancePath: base, schemaPath: '', params }];
        return false;
      };
      if (typeof data !== 'object' || data === null || Array.isArray(data)) return fail('Must be a resource (JSON object)');
      const type = (data as { resourceType?: unknown }).resourceType;
      if (!isResourceType(type)) return fail(`Unknown resourceType ${JSON.stringify(type)}`, 'resourceType');
      const validate = this.get(type);
      if (validate(data)) return true;
      validateNested.errors = (validate.errors ?? []).map((e) => ({ ...e, instancePath: base + e.instancePath }));
      return false;
    };
    return validateNested;
  }
}

/** Copies the schema definitions, swapping in our keywords (and, when strict, the extra rules). */
function prepareDefinitions(rules: ReadonlyMap<string, DefinitionRules> | undefined): Record<string, SchemaNode> {
  const out: Record<string, SchemaNode> = {};
  for (const [name, def] of Object.entries(fhirJsonSchema().definitions)) {
    if (name === 'ResourceList') {
      out[name] = { fhirResource: true };
      continue;
    }
    const copy = cleanNode(def);
    if (def.properties) {
      // The HL7 schema omits `type: object`, so an array would pass where one element is expected.
      copy.type = 'object';
      copy.properties = {};
      for (const [prop, node] of Object.entries(def.properties)) {
        const clean = cleanNode(node);
        // FHIR forbids empty arrays; the HL7 schema does not say so.
        if (rules && clean.type === 'array') clean.minItems = 1;
        copy.properties[prop] = clean;
      }
    }
    const extra = rules?.get(name);
    if (extra) copy.fhirRules = extra;
    out[name] = copy;
  }
  return out;
}

/**
 * Drops descriptions, and `pattern` on non-string types: ajv applies `pattern` to any string
 * value, so `"active": "yes"` would get a second, confusing "invalid boolean" error.
 */
function cleanNode(node: SchemaNode): SchemaNode {
  const { description: _d, ...rest } = node;
  if (rest.pattern !== undefined && rest.type !== 'string') delete rest.pattern;
  if (rest.items) rest.items = cleanNode(rest.items);
  return rest;
}

/** ajv keyword: required primitive/choice elements and choice-type exclusivity. */
function compileRules(rules: DefinitionRules): DataValidateFunction {
  const check: DataValidateFunction = (data: unknown): boolean => {
    if (typeof data !== 'object' || data === null) return true;
    const obj = data as Record<string, unknown>;
    let errors: ErrorObject[] | undefined;
    for (const rule of rules.required) {
      if (rule.keys.some((k) => obj[k] !== undefined)) continue;
      const property = rule.element.endsWith('[x]') ? rule.element.slice(0, -3) : rule.element;
      (errors ??= []).push(ruleError('required', `Missing required element '${rule.element}'`, property));
    }
    for (const rule of rules.choices) {
      let present: string[] | undefined;
      for (const [k, ext] of rule.alternatives) {
        if (obj[k] !== undefined || obj[ext] !== undefined) (present ??= []).push(k);
      }
      if (present !== undefined && present.length > 1) {
        const msg = `Only one of ${present.join(', ')} is allowed (choice element '${rule.element}')`;
        (errors ??= []).push(ruleError('invariant', msg, rule.element.slice(0, -3)));
      }
    }
    check.errors = errors;
    return errors === undefined;
  };
  return check;
}

function ruleError(issueCode: FhirKeywordParams['issueCode'], message: string, property?: string): ErrorObject {
  const params: FhirKeywordParams = { issueCode, message, property };
  return { keyword: 'fhirRules', instancePath: undefined as unknown as string, schemaPath: '', params };
}

/** Primitive type name for each `pattern` in the schema, so diagnostics can say "invalid date". */
export function patternTypeNames(): ReadonlyMap<string, string> {
  if (patternNames === undefined) {
    const names = new Map<string, string>();
    for (const [name, d] of Object.entries(fhirJsonSchema().definitions)) {
      if (typeof d.pattern !== 'string' || d.properties !== undefined) continue;
      // Several types share a pattern (uri/url/canonical, string/markdown): name the base one.
      if (!names.has(d.pattern) || name === 'string' || name === 'uri') names.set(d.pattern, name);
    }
    patternNames = names;
  }
  return patternNames;
}
let patternNames: ReadonlyMap<string, string> | undefined;

