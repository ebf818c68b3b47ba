import { parseConditionOperator, validateConditionValue } from './condition-operators';
import { parsePrincipal } from './principal';
import { PolicyValidationError } from './policy-validation.error';
import type { ConditionClause, Effect, PolicyDocument, PolicyInput, PolicyStatement, PolicyVersion } from './policy-types';

/** Which kind of policy is being parsed; enables kind-specific element rules. */
export type PolicyKind = 'identity' | 'resource' | 'trust';

/** Options for {@link parsePolicyDocument}. */
export interface ParsePolicyOptions {
  /**
   * `identity`: no Principal, Resource required. `resource`: Principal required.
   * `trust`: Principal required, no Resource. Unset: only the generic rules apply.
   */
  readonly kind?: PolicyKind;
}

const VERSIONS: readonly PolicyVersion[] = ['2012-10-17', '2008-10-17'];
const TOP_LEVEL_KEYS = new Set(['Version', 'Id', 'Statement']);
const STATEMENT_KEYS = new Set(['Sid', 'Effect', 'Principal', 'NotPrincipal', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition']);
const ACTION = /^(\*|[A-Za-z0-9*?-]+:[A-Za-z0-9_*?-]+)$/;
const SID = /^[A-Za-z0-9 _.-]*$/;

const fail = (message: string, path: string): never => {
  throw new PolicyValidationError(message, path);
};

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringList(value: unknown, path: string, check: (item: string) => string | undefined): string[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) fail(`${path} must not be empty`, path);
  return list.map((item, i) => {
    const at = Array.isArray(value) ? `${path}[${i}]` : path;
    if (typeof item !== 'string' || item === '') return fail(`${at} must be a non-empty string`, at);
    const problem = check(item);
    return problem ? fail(`${at} ${problem}`, at) : item;
  });
}

const checkAction = (a: string): string | undefined => (ACTION.test(a) ? undefined : 'must be "*" or "service:action"');
const checkResource = (r: string): string | undefined => (r === '*' || r.startsWith('arn:') ? undefined : 'must be "*" or an ARN');

function parseConditionBlock(raw: unknown, path: string): ConditionClause[] {
  if (!isPlainObject(raw)) return fail(`${path} must be an object`, path);
  const clauses: ConditionClause[] = [];
  for (const [operatorName, block] of Object.entries(raw)) {
    const opPath = `${path}.${operatorName}`;
    const operator = parseConditionOperator(operatorName);
    if (!operator) return fail(`${path}: unknown condition operator "${operatorName}"`, opPath);
    if (!isPlainObject(block) || Object.keys(block).length === 0) {
      return fail(`${opPath} must be a non-empty object of condition keys`, opPath);
    }
    for (const [key, rawValues] of Object.entries(block)) {
      const keyPath = `${opPath}["${key}"]`;
      const list = Array.isArray(rawValues) ? rawValues : [rawValues];
      if (list.length === 0) fail(`${keyPath} must have at least one value`, keyPath);
      const values = list.map((v, i) => {
        const at = Array.isArray(rawValues) ? `${keyPath}[${i}]` : keyPath;
        if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
          return fail(`${at} must be a string, number or boolean`, at);
        }
        const text = String(v);
        const problem = validateConditionValue(operator, text);
        return problem ? fail(`${at} ${problem} for ${operator.base}`, at) : text;
      });
      clauses.push({ operator, key, keyLower: key.toLowerCase(), values });
    }
  }
  return clauses;
}

function exclusive(raw: Record<string, unknown>, a: string, b: string, path: string): void {
  if (a in raw && b in raw) fail(`${path}: ${a} and ${b} are mutually exclusive`, path);
}

function parseStatement(raw: unknown, index: number, path: string, kind: PolicyKind | undefined): PolicyStatement {
  if (!isPlainObject(raw)) return fail(`${path} must be an object`, path);
  for (const key of Object.keys(raw)) {
    if (!STATEMENT_KEYS.has(key)) fail(`${path}: unknown key "${key}"`, `${path}.${key}`);
  }
  const { Sid, Effect: effect } = raw;
  if (Sid !== undefined && (typeof Sid !== 'string' || !SID.test(Sid))) {
    fail(`${path}.Sid must be a string of letters, digits, spaces, "_", "." or "-"`, `${path}.Sid`);
  }
  if (effect !== 'Allow' && effect !== 'Deny') fail(`${path}.Effect must be "Allow" or "Deny"`, `${path}.Effect`);
  exclusive(raw, 'Action', 'NotAction', path);
  exclusive(raw, 'Resource', 'NotResource', path);
  exclusive(raw, 'Principal', 'NotPrincipal', path);
  if (!('Action' in raw) && !('NotAction' in raw)) fail(`${path}: one of Action or NotAction is required`, path);

  const hasResource = 'Resource' in raw || 'NotResource' in raw;
  const hasPrincipal = 'Principal' in raw || 'NotPrincipal' in raw;
  if (kind === 'identity' && hasPrincipal) fail(`${path}: Principal is not allowed in an identity-based policy`, path);
  if (kind === 'identity' && !hasResource) fail(`${path}: one of Resource or NotResource is required`, path);
  if (kind === 'trust' && hasResource) fail(`${path}: Resource is not allowed in a trust policy`, path);
  if ((kind === 'trust' || kind === 'resource') && !hasPrincipal) {
    fail(`${path}: one of Principal or NotPrincipal is required in a ${kind} policy`, path);
  }

  const opt = <T>(key: string, parse: (value: unknown, at: string) => T): T | undefined =>
    key in raw ? parse(raw[key], `${path}.${key}`) : undefined;
  const statement: PolicyStatement = {
    index,
    ...(typeof Sid === 'string' ? { sid: Sid } : {}),
    effect: effect as Effect,
    action: opt('Action', (v, at) => stringList(v, at, checkAction)),
    notAction: opt('NotAction', (v, at) => stringList(v, at, checkAction)),
    resource: opt('Resource', (v, at) => stringList(v, at, checkResource)),
    notResource: opt('NotResource', (v, at) => stringList(v, at, checkResource)),
    principal: opt('Principal', parsePrincipal),
    notPrincipal: opt('NotPrincipal', parsePrincipal),
    conditions: opt('Condition', parseConditionBlock) ?? [],
  };
  // Drop absent optional elements so the model only carries what the document said.
  return Object.fromEntries(Object.entries(statement).filter(([, v]) => v !== undefined)) as unknown as PolicyStatement;
}

/**
 * Parses and validates an IAM policy document given as JSON text or an already-parsed
 * object. `Version` may be `2012-10-17` or `2008-10-17` (the IAM default when omitted);
 * `Statement` may be one object or an array. Throws {@link PolicyValidationError} naming the
 * offending part. A document that is already parsed is returned unchanged.
 */
export function parsePolicyDocument(input: PolicyInput, options: ParsePolicyOptions = {}): PolicyDocument {
  if (isParsedPolicy(input)) return input;
  let raw: unknown = input;
  if (typeof input === 'string') {
    try {
      raw = JSON.parse(input);
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      return fail(`Policy document is not valid JSON: ${detail}`, '');
    }
  }
  if (!isPlainObject(raw)) return fail('Policy document must be a JSON object', '');
  for (const key of Object.keys(raw)) {
    if (!TOP_LEVEL_KEYS.has(key)) fail(`Unknown top-level key "${key}"`, key);
  }
  const version = raw['Version'] ?? '2008-10-17';
  if (!VERSIONS.includes(version as PolicyVersion)) fail(`Version must be "2012-10-17" or "2008-10-17"`, 'Version');
  const id = raw['Id'];
  if (id !== undefined && typeof id !== 'string') fail('Id must be a string', 'Id');
  if (!('Statement' in raw)) fail('Statement is required', 'Statement');
  const rawStatements = raw['Statement'];
  const list = Array.isArray(rawStatements) ? rawStatements : [rawStatements];
  if (list.length === 0) fail('Statement must not be empty', 'Statement');
  const statements = list.map((s, i) => parseStatement(s, i, Array.isArray(rawStatements) ? `Statement[${i}]` : 'Statement', options.kind));
  const sids = new Set<string>();
  for (const s of statements) {
    if (s.sid === undefined || s.sid === '') continue;
    if (sids.has(s.sid)) fail(`Statement[${s.index}]: duplicate Sid "${s.sid}"`, `Statement[${s.index}].Sid`);
    sids.add(s.sid);
  }
  return { kind: 'PolicyDocument', version: version as PolicyVersion, ...(typeof id === 'string' ? { id } : {}), statements };
}

/** True for the output of {@link parsePolicyDocument}. */
export function isParsedPolicy(input: unknown): input is PolicyDocument {
  return isPlainObject(input) && input['kind'] === 'PolicyDocument' && Array.isArray(input['statements']);
}
