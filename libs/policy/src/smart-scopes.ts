/** Launch context a SMART resource scope applies to. */
export type SmartContextKind = 'patient' | 'user' | 'system';

/** SMART v2 interaction letters: create, read, update, delete, search. */
export type SmartInteraction = 'c' | 'r' | 'u' | 'd' | 's';

/** A SMART resource scope (v1 or v2) in one model. */
export interface SmartScope {
  /** The scope string as granted. */
  readonly raw: string;
  readonly version: 'v1' | 'v2';
  readonly context: SmartContextKind;
  /** A FHIR resource type or `*`. */
  readonly resourceType: string;
  /** v1 `.read` = {r,s}, `.write` = {c,u,d}, `.*` = all five. */
  readonly interactions: ReadonlySet<SmartInteraction>;
  /** v2 `?param=value` pairs (URL-decoded), all of which must hold. */
  readonly constraints: ReadonlyArray<readonly [string, string]>;
}

/** A scope string that could not be parsed, with why. */
export interface InvalidScope {
  readonly scope: string;
  readonly reason: string;
}

/** Result of {@link parseSmartScopes}. */
export interface ParsedSmartScopes {
  readonly resourceScopes: readonly SmartScope[];
  /** `launch`, `launch/patient`, `launch/encounter`... (no authorization meaning here). */
  readonly launch: readonly string[];
  /** Well-formed scopes without authorization meaning here: `openid`, `fhirUser`, `offline_access`, custom ones. */
  readonly other: readonly string[];
  /** Malformed scopes; reported rather than dropped. */
  readonly invalid: readonly InvalidScope[];
}

const ALL: readonly SmartInteraction[] = ['c', 'r', 'u', 'd', 's'];
const V1_PERMISSIONS: Readonly<Record<string, readonly SmartInteraction[]>> = { read: ['r', 's'], write: ['c', 'u', 'd'], '*': ALL };
const RESOURCE_SCOPE = /^(patient|user|system)\/([^.?]*)\.([^?]*)(?:\?(.*))?$/;
const RESOURCE_TYPE = /^(\*|[A-Z][A-Za-z]*)$/;
const V2_PERMISSIONS = /^c?r?u?d?s?$/;
// RFC 6749 scope-token: printable ASCII except space, `"` and `\`.
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

type ScopeParse = { scope: SmartScope } | { reason: string };

function parseConstraints(query: string): Array<[string, string]> | string {
  const pairs: Array<[string, string]> = [];
  for (const piece of query.split('&')) {
    const eq = piece.indexOf('=');
    if (eq <= 0 || eq === piece.length - 1) return `constraint "${piece}" must be param=value`;
    try {
      pairs.push([decodeURIComponent(piece.slice(0, eq)), decodeURIComponent(piece.slice(eq + 1))]);
    } catch {
      return `constraint "${piece}" is not valid percent-encoding`;
    }
  }
  return pairs;
}

/** Parses one resource scope such as `patient/Observation.read` or `user/Observation.rs?category=laboratory`. */
export function parseResourceScope(raw: string): ScopeParse {
  const m = RESOURCE_SCOPE.exec(raw);
  if (!m) return { reason: 'expected context/ResourceType.permissions' };
  const [, context, resourceType = '', permissions = '', query] = m;
  if (!RESOURCE_TYPE.test(resourceType)) return { reason: `"${resourceType}" is not a resource type or "*"` };
  const v1 = V1_PERMISSIONS[permissions];
  if (v1 && query !== undefined) return { reason: 'constraints need SMART v2 permissions (e.g. .rs)' };
  if (!v1 && (permissions === '' || !V2_PERMISSIONS.test(permissions))) {
    return { reason: `"${permissions}" is neither read/write/* nor SMART v2 letters in c,r,u,d,s order` };
  }
  const constraints = query === undefined ? [] : parseConstraints(query);
  if (typeof constraints === 'string') return { reason: constraints };
  const interactions = new Set<SmartInteraction>(v1 ?? (permissions.split('') as SmartInteraction[]));
  return {
    scope: { raw, version: v1 ? 'v1' : 'v2', context: context as SmartContextKind, resourceType, interactions, constraints },
  };
}

/**
 * Parses a space-separated scope string (or a list of scopes) into SMART resource scopes
 * (v1 and v2 in one model), launch scopes, other well-formed scopes, and invalid ones.
 * Anything that starts like a resource scope (`patient/`, `user/`, `system/`) but does not
 * parse is reported in `invalid`, never dropped.
 */
export function parseSmartScopes(input: string | readonly string[]): ParsedSmartScopes {
  const tokens = (typeof input === 'string' ? input.split(/\s+/) : input.flatMap((s) => s.split(/\s+/))).filter((t) => t !== '');
  const resourceScopes: SmartScope[] = [];
  const launch: string[] = [];
  const other: string[] = [];
  const invalid: InvalidScope[] = [];
  for (const token of tokens) {
    if (!SCOPE_TOKEN.test(token)) {
      invalid.push({ scope: token, reason: 'contains characters not allowed in a scope' });
    } else if (/^(patient|user|system)\//.test(token)) {
      const parsed = parseResourceScope(token);
      if ('scope' in parsed) resourceScopes.push(parsed.scope);
      else invalid.push({ scope: token, reason: parsed.reason });
    } else if (token === 'launch' || token.startsWith('launch/')) {
      launch.push(token);
    } else {
      other.push(token);
    }
  }
  return { resourceScopes, launch, other, invalid };
}
