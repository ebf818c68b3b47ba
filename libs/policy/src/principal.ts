import { parseArn } from './arn';
import { PolicyValidationError } from './policy-validation.error';
import type { PrincipalSpec } from './policy-types';

/** The caller a request is evaluated for. */
export type RequestPrincipal =
  | { readonly type: 'Service'; readonly id: string }
  | { readonly type: 'AWS'; readonly arn?: string; readonly account?: string }
  | { readonly type: 'Federated'; readonly id: string }
  | { readonly type: 'CanonicalUser'; readonly id: string }
  | { readonly type: 'Anonymous' };

const PRINCIPAL_TYPES = { AWS: 'aws', Service: 'service', Federated: 'federated', CanonicalUser: 'canonicalUser' } as const;
const ACCOUNT_ID = /^\d{12}$/;
const AWS_PRINCIPAL = /^(\*|\d{12}|arn:aws[a-z-]*:(iam|sts)::(\d{12}|aws):.+|A[A-Z0-9]{15,})$/;

function toStringList(value: unknown, path: string): string[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) throw new PolicyValidationError(`${path} must not be empty`, path);
  return list.map((item, i) => {
    if (typeof item !== 'string' || item === '') {
      const at = Array.isArray(value) ? `${path}[${i}]` : path;
      throw new PolicyValidationError(`${at} must be a non-empty string`, at);
    }
    return item;
  });
}

/** Parses a `Principal`/`NotPrincipal` element; `path` names it in error messages. */
export function parsePrincipal(raw: unknown, path: string): PrincipalSpec {
  const spec = { wildcard: false, aws: [] as string[], service: [] as string[], federated: [] as string[], canonicalUser: [] as string[] };
  if (raw === '*') return { ...spec, wildcard: true };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new PolicyValidationError(`${path} must be "*" or an object with AWS, Service, Federated or CanonicalUser`, path);
  }
  const entries = Object.entries(raw);
  if (entries.length === 0) throw new PolicyValidationError(`${path} must not be empty`, path);
  for (const [type, value] of entries) {
    const field = PRINCIPAL_TYPES[type as keyof typeof PRINCIPAL_TYPES];
    if (!Object.prototype.hasOwnProperty.call(PRINCIPAL_TYPES, type) || field === undefined) {
      throw new PolicyValidationError(`${path}: unknown principal type "${type}"`, `${path}.${type}`);
    }
    const values = toStringList(value, `${path}.${type}`);
    if (type === 'AWS') {
      values.forEach((v, i) => {
        if (!AWS_PRINCIPAL.test(v)) {
          const at = Array.isArray(value) ? `${path}.AWS[${i}]` : `${path}.AWS`;
          throw new PolicyValidationError(`${at} must be "*", an account id or an IAM/STS ARN`, at);
        }
      });
      if (values.includes('*')) spec.wildcard = true;
    }
    spec[field].push(...values);
  }
  return spec;
}

/** Account of an AWS principal: explicit, or taken from its ARN. */
function accountOf(principal: { readonly arn?: string; readonly account?: string }): string | undefined {
  return principal.account ?? (principal.arn ? parseArn(principal.arn)?.account : undefined);
}

/** `arn:aws:sts::1:assumed-role/R/s` → `arn:aws:iam::1:role/R` (sessions match their role). */
function roleOfSession(arn: string): string | undefined {
  const parsed = parseArn(arn);
  const m = parsed && /^assumed-role\/([^/]+)\//.exec(parsed.resource);
  return parsed && m ? `arn:${parsed.partition}:iam::${parsed.account}:role/${m[1]}` : undefined;
}

function awsEntryMatches(entry: string, principal: { readonly arn?: string; readonly account?: string }): boolean {
  if (entry === '*') return true;
  const account = accountOf(principal);
  if (ACCOUNT_ID.test(entry)) return account === entry;
  const parsed = parseArn(entry);
  // An account root ARN stands for every principal of that account, as in IAM.
  if (parsed && parsed.resource === 'root') return account === parsed.account;
  if (!principal.arn) return false;
  return entry === principal.arn || entry === roleOfSession(principal.arn);
}

/**
 * True when the caller is one of the principals in `spec`. `"*"` matches everyone;
 * `Principal.AWS` account ids and `...:root` ARNs match every principal in that account;
 * service principals compare case-insensitively.
 */
export function principalMatches(spec: PrincipalSpec, principal: RequestPrincipal | undefined): boolean {
  if (spec.wildcard) return true;
  if (!principal) return false;
  switch (principal.type) {
    case 'AWS':
      return spec.aws.some((entry) => awsEntryMatches(entry, principal));
    case 'Service':
      return spec.service.some((s) => s.toLowerCase() === principal.id.toLowerCase());
    case 'Federated':
      return spec.federated.includes(principal.id);
    case 'CanonicalUser':
      return spec.canonicalUser.includes(principal.id);
    case 'Anonymous':
      return false;
    default:
      return principal satisfies never;
  }
}

/** Context keys IAM derives from the caller, used when the request does not supply them. */
export function principalContextDefaults(principal: RequestPrincipal | undefined): Record<string, string | undefined> {
  if (!principal) return {};
  switch (principal.type) {
    case 'AWS':
      return { 'aws:PrincipalArn': principal.arn, 'aws:PrincipalAccount': accountOf(principal) };
    case 'Service':
      return { 'aws:PrincipalServiceName': principal.id, 'aws:PrincipalIsAWSService': 'true' };
    case 'Federated':
    case 'CanonicalUser':
    case 'Anonymous':
      return {};
    default:
      return principal satisfies never;
  }
}
