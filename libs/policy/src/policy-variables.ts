import type { NormalizedContext } from './request-context';
import { parseGlob, type PatternPart } from './wildcard-pattern';

/** `${*}`, `${?}` and `${$}` produce the literal characters, never wildcards. */
const ESCAPES: Readonly<Record<string, string>> = { '*': '*', '?': '?', $: '$' };

/** `${key}` or `${key, 'default'}`. */
const VARIABLE = /\$\{([^}]*)\}/g;
const WITH_DEFAULT = /^\s*([^,\s]+)\s*,\s*'([^']*)'\s*$/;

/**
 * Resolves policy variables (`${aws:username}`, `${aws:PrincipalTag/team, 'none'}`) in a
 * Resource or condition value and returns the glob parts. Substituted text is literal:
 * a `*` inside a user name never acts as a wildcard. Returns `undefined` when a variable's
 * key is missing (or multi-valued) and has no default, so the value matches nothing.
 *
 * With `enabled: false` (policy Version 2008-10-17) `${...}` is plain text, as in IAM.
 */
export function resolveTemplate(text: string, context: NormalizedContext, enabled: boolean): PatternPart[] | undefined {
  if (!enabled || !text.includes('${')) return parseGlob(text);
  const parts: PatternPart[] = [];
  let last = 0;
  for (const match of text.matchAll(VARIABLE)) {
    parts.push(...parseGlob(text.slice(last, match.index)));
    last = match.index + match[0].length;
    const inner = match[1] ?? '';
    const escaped = ESCAPES[inner];
    if (escaped !== undefined) {
      parts.push({ kind: 'literal', text: escaped });
      continue;
    }
    const withDefault = WITH_DEFAULT.exec(inner);
    const key = (withDefault ? withDefault[1]! : inner.trim()).toLowerCase();
    const values = context.get(key);
    const value = values?.length === 1 ? values[0] : withDefault?.[2];
    if (value === undefined) return undefined;
    if (value) parts.push({ kind: 'literal', text: value });
  }
  parts.push(...parseGlob(text.slice(last)));
  return parts;
}
