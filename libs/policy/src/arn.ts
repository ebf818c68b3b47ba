import { compileParts, type PatternPart } from './wildcard-pattern';

/** The six colon-separated components of an ARN. */
export interface ArnComponents {
  readonly partition: string;
  readonly service: string;
  readonly region: string;
  readonly account: string;
  /** Everything after the fifth colon (may itself contain colons). */
  readonly resource: string;
}

/** Splits an ARN; `undefined` unless it starts with `arn:` and has at least five colons. */
export function parseArn(arn: string): ArnComponents | undefined {
  const pieces = splitLimit(arn);
  if (pieces.length !== 6 || pieces[0] !== 'arn') return undefined;
  const [, partition, service, region, account, resource] = pieces as [string, string, string, string, string, string];
  return { partition, service, region, account, resource };
}

/** Splits on the first five colons: the resource component keeps the rest. */
function splitLimit(text: string): string[] {
  const out: string[] = [];
  let rest = text;
  for (let i = 0; i < 5; i++) {
    const at = rest.indexOf(':');
    if (at < 0) break;
    out.push(rest.slice(0, at));
    rest = rest.slice(at + 1);
  }
  out.push(rest);
  return out;
}

/** Splits glob parts into ARN components on colons found in literal text. */
function splitPatternParts(parts: readonly PatternPart[]): PatternPart[][] {
  const comps: PatternPart[][] = [[]];
  for (const part of parts) {
    if (part.kind !== 'literal' || comps.length === 6) {
      comps[comps.length - 1]!.push(part);
      continue;
    }
    const pieces = part.text.split(':');
    pieces.forEach((piece, i) => {
      if (i > 0) {
        if (comps.length < 6) comps.push([]);
        else piece = `:${piece}`;
      }
      if (piece) comps[comps.length - 1]!.push({ kind: 'literal', text: piece });
    });
  }
  return comps;
}

/**
 * ARN matching as `ArnLike`/`ArnEquals` do it: both sides split into the six components and
 * each component glob-matched case-sensitively, so a `*` never spans a colon except in the
 * final resource component. A lone `*` pattern matches any ARN.
 */
export function arnMatches(pattern: readonly PatternPart[], value: string): boolean {
  const actual = splitLimit(value);
  if (actual.length !== 6) return false;
  if (pattern.length === 1 && pattern[0]!.kind === 'any') return true;
  const comps = splitPatternParts(pattern);
  if (comps.length !== 6) return false;
  return comps.every((comp, i) => compileParts(comp).test(actual[i]!));
}
