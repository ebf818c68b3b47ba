import { BlockList, isIP } from 'node:net';
import { arnMatches } from './arn';
import { resolveTemplate } from './policy-variables';
import type { NormalizedContext } from './request-context';
import { compileParts, partsToText } from './wildcard-pattern';

/** Tests one request-context value against one (prepared) policy value. */
export type ValueMatcher = (contextValue: string) => boolean;

/** Set qualifier of a condition operator. */
export type SetQualifier = 'ForAnyValue' | 'ForAllValues';

/** A parsed condition operator such as `ForAllValues:StringLikeIfExists`. */
export interface ConditionOperator {
  /** Full name as written. */
  readonly name: string;
  /** Base operator, e.g. `StringLike`. */
  readonly base: BaseOperatorName;
  readonly qualifier?: SetQualifier;
  readonly ifExists: boolean;
  /** Negated operators (`StringNotEquals`, `NotIpAddress`, ...) combine values as NOR. */
  readonly negated: boolean;
}

interface BaseOperatorDef {
  readonly negated: boolean;
  /** Error text for an unacceptable policy value, checked at parse time. */
  readonly validate?: (value: string) => string | undefined;
  /** Builds the positive matcher; `undefined` when a policy variable is unresolvable. */
  readonly prepare: (value: string, context: NormalizedContext, variables: boolean) => ValueMatcher | undefined;
}

const stringOp = (negated: boolean, kind: 'exact' | 'ignoreCase' | 'like'): BaseOperatorDef => ({
  negated,
  prepare: (value, context, variables) => {
    const parts = resolveTemplate(value, context, variables);
    if (!parts) return undefined;
    if (kind === 'like') {
      const re = compileParts(parts);
      return (v) => re.test(v);
    }
    const text = partsToText(parts);
    if (kind === 'exact') return (v) => v === text;
    const lower = text.toLowerCase();
    return (v) => v.toLowerCase() === lower;
  },
});

const arnOp = (negated: boolean): BaseOperatorDef => ({
  negated,
  validate: (v) => (v === '*' || v.startsWith('arn:') || v.startsWith('${') ? undefined : 'must be an ARN'),
  prepare: (value, context, variables) => {
    const parts = resolveTemplate(value, context, variables);
    return parts && ((v) => arnMatches(parts, v));
  },
});

/** Parses a number the way IAM does: decimal text only, no empty strings. */
function toNumber(text: string): number | undefined {
  if (!/^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$/.test(text)) return undefined;
  return Number(text);
}

const numericOp = (negated: boolean, cmp: (a: number, b: number) => boolean): BaseOperatorDef => ({
  negated,
  validate: (v) => (toNumber(v) === undefined ? 'must be a number' : undefined),
  prepare: (value) => {
    const expected = toNumber(value)!;
    return (v) => {
      const actual = toNumber(v);
      return actual !== undefined && cmp(actual, expected);
    };
  },
});

/** ISO 8601 date/time or epoch seconds → epoch milliseconds. */
export function parseIamDate(text: string): number | undefined {
  const trimmed = text.trim();
  if (/^-?\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(trimmed)) return undefined;
  const ms = Date.parse(trimmed);
  return Number.isNaN(ms) ? undefined : ms;
}

const dateOp = (negated: boolean, cmp: (a: number, b: number) => boolean): BaseOperatorDef => ({
  negated,
  validate: (v) => (parseIamDate(v) === undefined ? 'must be an ISO 8601 date or epoch seconds' : undefined),
  prepare: (value) => {
    const expected = parseIamDate(value)!;
    return (v) => {
      const actual = parseIamDate(v);
      return actual !== undefined && cmp(actual, expected);
    };
  },
});

/** Builds a matcher for one IP address or CIDR block; `undefined` if malformed. */
export function ipMatcher(cidr: string): ValueMatcher | undefined {
  const [address = '', prefixText, ...extra] = cidr.trim().split('/');
  const family = isIP(address);
  if (family === 0 || extra.length > 0) return undefined;
  const max = family === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (!(prefix >= 0 && prefix <= max)) return undefined;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  const list = new BlockList();
  list.addSubnet(address, prefix, type);
  return (v) => {
    const candidate = v.trim();
    const candidateFamily = isIP(candidate);
    if (candidateFamily === 0) return false;
    return list.check(candidate, candidateFamily === 4 ? 'ipv4' : 'ipv6');
  };
}

const ipOp = (negated: boolean): BaseOperatorDef => ({
  negated,
  validate: (v) => (ipMatcher(v) ? undefined : 'must be an IP address or CIDR block'),
  prepare: (value) => ipMatcher(value),
});

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

const BASE_OPERATORS = {
  StringEquals: stringOp(false, 'exact'),
  StringNotEquals: stringOp(true, 'exact'),
  StringEqualsIgnoreCase: stringOp(false, 'ignoreCase'),
  StringNotEqualsIgnoreCase: stringOp(true, 'ignoreCase'),
  StringLike: stringOp(false, 'like'),
  StringNotLike: stringOp(true, 'like'),
  ArnEquals: arnOp(false),
  ArnLike: arnOp(false),
  ArnNotEquals: arnOp(true),
  ArnNotLike: arnOp(true),
  NumericEquals: numericOp(false, (a, b) => a === b),
  NumericNotEquals: numericOp(true, (a, b) => a === b),
  NumericLessThan: numericOp(false, (a, b) => a < b),
  NumericLessThanEquals: numericOp(false, (a, b) => a <= b),
  NumericGreaterThan: numericOp(false, (a, b) => a > b),
  NumericGreaterThanEquals: numericOp(false, (a, b) => a >= b),
  DateEquals: dateOp(false, (a, b) => a === b),
  DateNotEquals: dateOp(true, (a, b) => a === b),
  DateLessThan: dateOp(false, (a, b) => a < b),
  DateLessThanEquals: dateOp(false, (a, b) => a <= b),
  DateGreaterThan: dateOp(false, (a, b) => a > b),
  DateGreaterThanEquals: dateOp(false, (a, b) => a >= b),
  Bool: {
    negated: false,
    validate: (v: string) => (/^(true|false)$/i.test(v) ? undefined : 'must be "true" or "false"'),
    prepare: (value: string) => (v: string) => v.toLowerCase() === value.toLowerCase(),
  },
  BinaryEquals: {
    negated: false,
    validate: (v: string) => (BASE64.test(v) ? undefined : 'must be base64'),
    prepare: (value: string) => {
      const expected = Buffer.from(value, 'base64');
      return (v: string) => BASE64.test(v) && Buffer.from(v, 'base64').equals(expected);
    },
  },
  IpAddress: ipOp(false),
  NotIpAddress: ipOp(true),
  Null: {
    negated: false,
    validate: (v: string) => (/^(true|false)$/i.test(v) ? undefined : 'must be "true" or "false"'),
    // Null is evaluated on key presence by the condition evaluator, never per value.
    prepare: () => () => false,
  },
} satisfies Record<string, BaseOperatorDef>;

/** Names of the supported base condition operators. */
export type BaseOperatorName = keyof typeof BASE_OPERATORS;

function isBaseOperator(name: string): name is BaseOperatorName {
  return Object.prototype.hasOwnProperty.call(BASE_OPERATORS, name);
}

/**
 * Parses an operator name such as `ForAnyValue:StringLikeIfExists`. Operator names are
 * case-sensitive, as in IAM. Returns `undefined` for unknown operators; `Null` takes neither
 * a set qualifier nor `IfExists`.
 */
export function parseConditionOperator(name: string): ConditionOperator | undefined {
  const match = /^(?:(ForAnyValue|ForAllValues):)?(\w+?)(IfExists)?$/.exec(name);
  if (!match) return undefined;
  const [, qualifier, baseName = '', ifExists] = match;
  if (!isBaseOperator(baseName)) return undefined;
  if (baseName === 'Null' && (qualifier || ifExists)) return undefined;
  return {
    name,
    base: baseName,
    ...(qualifier ? { qualifier: qualifier as SetQualifier } : {}),
    ifExists: ifExists !== undefined,
    negated: BASE_OPERATORS[baseName].negated,
  };
}

/** Returns a description of why `value` is unacceptable for the operator, or `undefined`. */
export function validateConditionValue(operator: ConditionOperator, value: string): string | undefined {
  const def: BaseOperatorDef = BASE_OPERATORS[operator.base];
  return def.validate?.(value);
}

/** Prepares the positive matcher for one policy value (see {@link BaseOperatorDef.prepare}). */
export function prepareMatcher(
  operator: ConditionOperator,
  value: string,
  context: NormalizedContext,
  variables: boolean,
): ValueMatcher | undefined {
  const def: BaseOperatorDef = BASE_OPERATORS[operator.base];
  return def.prepare(value, context, variables);
}
