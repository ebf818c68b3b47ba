/**
 * Glob patterns as IAM uses them: `*` matches any run of characters (including none),
 * `?` exactly one. Patterns are token lists so that text produced by policy variables
 * or `${*}`-style escapes stays literal.
 */
export type PatternPart =
  | { readonly kind: 'literal'; readonly text: string }
  | { readonly kind: 'any' }
  | { readonly kind: 'one' };

/** Matching options. */
export interface MatchOptions {
  readonly caseInsensitive?: boolean;
}

/** Splits glob text into literal runs and wildcards (no escapes, no variables). */
export function parseGlob(text: string): PatternPart[] {
  const parts: PatternPart[] = [];
  let literal = '';
  for (const ch of text) {
    if (ch === '*' || ch === '?') {
      if (literal) parts.push({ kind: 'literal', text: literal });
      literal = '';
      parts.push({ kind: ch === '*' ? 'any' : 'one' });
    } else {
      literal += ch;
    }
  }
  if (literal) parts.push({ kind: 'literal', text: literal });
  return parts;
}

/** Renders parts back to text, wildcards becoming the literal characters `*` and `?`. */
export function partsToText(parts: readonly PatternPart[]): string {
  return parts.map((p) => (p.kind === 'literal' ? p.text : p.kind === 'any' ? '*' : '?')).join('');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** Compiles parts to an anchored regular expression. */
export function compileParts(parts: readonly PatternPart[], options: MatchOptions = {}): RegExp {
  const body = parts
    .map((p) => (p.kind === 'literal' ? escapeRegExp(p.text) : p.kind === 'any' ? '[\\s\\S]*' : '[\\s\\S]'))
    .join('');
  return new RegExp(`^${body}$`, options.caseInsensitive ? 'iu' : 'u');
}

/** True when `value` matches the glob `pattern`. */
export function globMatches(pattern: string, value: string, options: MatchOptions = {}): boolean {
  return compileParts(parseGlob(pattern), options).test(value);
}

/** Symbol form used by the set algorithms: a character, or a wildcard marker. */
type Sym = { readonly ch: string } | { readonly wild: 'any' | 'one' };

/**
 * Converts parts to symbols in a canonical form: in every run of wildcards the `?`s come
 * first and at most one `*` follows (`*?*` == `?*`), which makes {@link partsCover} exact
 * for wildcard runs.
 */
function toSymbols(parts: readonly PatternPart[], caseInsensitive: boolean): Sym[] {
  const out: Sym[] = [];
  let ones = 0;
  let any = false;
  const flush = (): void => {
    for (let i = 0; i < ones; i++) out.push({ wild: 'one' });
    if (any) out.push({ wild: 'any' });
    ones = 0;
    any = false;
  };
  for (const part of parts) {
    if (part.kind === 'any') any = true;
    else if (part.kind === 'one') ones++;
    else {
      flush();
      for (const ch of part.text) out.push({ ch: caseInsensitive ? ch.toLowerCase() : ch });
    }
  }
  flush();
  return out;
}

const isAny = (s: Sym | undefined): boolean => s !== undefined && 'wild' in s && s.wild === 'any';
const isOne = (s: Sym | undefined): boolean => s !== undefined && 'wild' in s && s.wild === 'one';

/**
 * True when every string matched by `specific` is also matched by `general`
 * (language inclusion). Sound: it never reports coverage that does not hold. It treats
 * each wildcard of `specific` as an opaque symbol that only a wildcard of `general` can
 * absorb, so in contrived cases (e.g. `a*` vs the union `a?*` ∪ `a`) it may answer false.
 */
export function partsCover(
  general: readonly PatternPart[],
  specific: readonly PatternPart[],
  options: MatchOptions = {},
): boolean {
  const g = toSymbols(general, options.caseInsensitive ?? false);
  const s = toSymbols(specific, options.caseInsensitive ?? false);
  const memo = new Map<number, boolean>();
  const go = (i: number, j: number): boolean => {
    const key = i * (s.length + 1) + j;
    const cached = memo.get(key);
    if (cached !== undefined) return cached;
    let result: boolean;
    const gi = g[i];
    const sj = s[j];
    if (gi === undefined) result = sj === undefined;
    else if (isAny(gi)) result = go(i + 1, j) || (sj !== undefined && go(i, j + 1));
    else if (sj === undefined) result = false;
    else if (isOne(gi)) result = !isAny(sj) && go(i + 1, j + 1);
    else result = 'ch' in sj && 'ch' in gi && sj.ch === gi.ch && go(i + 1, j + 1);
    memo.set(key, result);
    return result;
  };
  return go(0, 0);
}

/** True when at least one string is matched by both patterns. Exact. */
export function partsIntersect(
  a: readonly PatternPart[],
  b: readonly PatternPart[],
  options: MatchOptions = {},
): boolean {
  const x = toSymbols(a, options.caseInsensitive ?? false);
  const y = toSymbols(b, options.caseInsensitive ?? false);
  const memo = new Map<number, boolean>();
  const go = (i: number, j: number): boolean => {
    const key = i * (y.length + 1) + j;
    const cached = memo.get(key);
    if (cached !== undefined) return cached;
    let result: boolean;
    const xi = x[i];
    const yj = y[j];
    if (xi === undefined && yj === undefined) result = true;
    else if (isAny(xi)) result = go(i + 1, j) || (yj !== undefined && go(i, j + 1));
    else if (isAny(yj)) result = go(i, j + 1) || (xi !== undefined && go(i + 1, j));
    else if (xi === undefined || yj === undefined) result = false;
    else if (isOne(xi) || isOne(yj)) result = go(i + 1, j + 1);
    else result = 'ch' in xi && 'ch' in yj && xi.ch === yj.ch && go(i + 1, j + 1);
    memo.set(key, result);
    return result;
  };
  return go(0, 0);
}
