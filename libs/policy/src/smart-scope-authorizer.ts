import { parseSmartScopes, type ParsedSmartScopes, type SmartContextKind, type SmartInteraction, type SmartScope } from './smart-scopes';

/** FHIR REST interactions, mapped onto SMART letters. */
export type FhirInteraction = 'create' | 'read' | 'vread' | 'update' | 'patch' | 'delete' | 'search' | 'history-instance' | 'history-type';

const INTERACTION_LETTER: Readonly<Record<FhirInteraction, SmartInteraction>> = {
  create: 'c',
  read: 'r',
  vread: 'r',
  'history-instance': 'r',
  update: 'u',
  patch: 'u',
  delete: 'd',
  search: 's',
  'history-type': 's',
};

/** Search parameters as pairs (repeats allowed) or a record. */
export type SearchParams = ReadonlyArray<readonly [string, string]> | Readonly<Record<string, string | readonly string[]>>;

/** What the caller wants to do. */
export interface SmartAccessRequest {
  readonly resourceType: string;
  readonly interaction: FhirInteraction | SmartInteraction;
  /** Query of a search; compared against scope constraints. */
  readonly searchParams?: SearchParams;
  /** Scope contexts acceptable for this request (default: all). */
  readonly contexts?: readonly SmartContextKind[];
}

/** Outcome of {@link authorizeSmartAccess}. */
export interface SmartAccessDecision {
  readonly decision: 'allow' | 'deny' | 'allow-with-constraints';
  /** Scopes that grant (or would grant, if constrained) the interaction. */
  readonly grantedBy: readonly SmartScope[];
  /**
   * Alternatives (OR-ed), each a list of `param=value` pairs that must all hold. Set for
   * `allow-with-constraints`, and for a `deny` that a constrained search could turn into an allow.
   */
  readonly constraints: ReadonlyArray<ReadonlyArray<readonly [string, string]>>;
  readonly reason: string;
}

function toPairs(params: SearchParams | undefined): Array<readonly [string, string]> {
  if (!params) return [];
  if (Array.isArray(params)) return [...(params as ReadonlyArray<readonly [string, string]>)];
  return Object.entries(params as Record<string, string | readonly string[]>).flatMap(([k, v]) =>
    (typeof v === 'string' ? [v] : v).map((value) => [k, value] as const),
  );
}

/** Every constraint appears verbatim (same parameter name, same single value) in the query. */
function carries(query: ReadonlyArray<readonly [string, string]>, constraints: SmartScope['constraints']): boolean {
  return constraints.every(([param, value]) => query.some(([p, v]) => p === param && v === value));
}

const fmt = (constraints: SmartScope['constraints']): string => constraints.map(([p, v]) => `${p}=${v}`).join('&');

/**
 * Decides whether granted SMART scopes permit an interaction on a resource type. Launch-context
 * checks (which patient, which user) are the caller's job. Constraint semantics, kept simple:
 * - an unconstrained scope with the right context, type (or `*`) and letter → `allow`;
 * - a search is allowed by a constrained scope only when its query carries every constraint
 *   as the same `param=value` (modifiers, comma-OR values and other spellings do not count);
 *   otherwise `deny`, with the constraints that would make it acceptable;
 * - any other interaction permitted only by constrained scopes → `allow-with-constraints`:
 *   the caller must prove the resource satisfies one of the returned alternatives;
 * - otherwise `deny`.
 */
export function authorizeSmartAccess(
  scopes: ParsedSmartScopes | string | readonly string[],
  request: SmartAccessRequest,
): SmartAccessDecision {
  const parsed = typeof scopes === 'string' || Array.isArray(scopes) ? parseSmartScopes(scopes as string | readonly string[]) : (scopes as ParsedSmartScopes);
  const letter = (INTERACTION_LETTER as Record<string, SmartInteraction>)[request.interaction] ?? (request.interaction as SmartInteraction);
  const candidates = parsed.resourceScopes.filter(
    (s) =>
      (s.resourceType === '*' || s.resourceType === request.resourceType) &&
      s.interactions.has(letter) &&
      (request.contexts === undefined || request.contexts.includes(s.context)),
  );
  const what = `${request.interaction} on ${request.resourceType}`;
  const unconstrained = candidates.filter((s) => s.constraints.length === 0);
  if (unconstrained.length > 0) {
    return { decision: 'allow', grantedBy: unconstrained, constraints: [], reason: `${what} granted by ${unconstrained[0]!.raw}` };
  }
  if (candidates.length === 0) {
    return { decision: 'deny', grantedBy: [], constraints: [], reason: `no granted scope permits ${what}` };
  }
  const constraints = candidates.map((s) => s.constraints);
  if (letter === 's') {
    const query = toPairs(request.searchParams);
    const satisfied = candidates.filter((s) => carries(query, s.constraints));
    if (satisfied.length > 0) {
      return { decision: 'allow', grantedBy: satisfied, constraints: [], reason: `${what} granted by ${satisfied[0]!.raw}` };
    }
    const options = constraints.map(fmt).join(' or ');
    return { decision: 'deny', grantedBy: candidates, constraints, reason: `${what} must be restricted to ${options}` };
  }
  return {
    decision: 'allow-with-constraints',
    grantedBy: candidates,
    constraints,
    reason: `${what} permitted only for resources matching ${constraints.map(fmt).join(' or ')}`,
  };
}
