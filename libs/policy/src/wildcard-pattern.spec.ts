import fc from 'fast-check';
import { arnMatches } from './arn';
import { compileParts, globMatches, parseGlob, partsCover, partsIntersect } from './wildcard-pattern';

const cover = (general: string, specific: string) => partsCover(parseGlob(general), parseGlob(specific));
const intersect = (a: string, b: string) => partsIntersect(parseGlob(a), parseGlob(b));

describe('glob matching', () => {
  it.each([
    ['*', '', true],
    ['a*c', 'abbbc', true],
    ['a*c', 'ab', false],
    ['a?c', 'abc', true],
    ['a?c', 'ac', false],
    ['a.c', 'abc', false],
    ['[x]', '[x]', true],
  ])('%s vs %s → %s', (pattern, value, expected) => {
    expect(globMatches(pattern, value)).toBe(expected);
  });
});

describe('pattern coverage', () => {
  it.each([
    ['arn:aws:s3:::bkt/*', 'arn:aws:s3:::bkt/exports/*', true],
    ['arn:aws:s3:::bkt/exports/*', 'arn:aws:s3:::bkt/exports/*', true],
    ['*', 'arn:aws:s3:::bkt/exports/*', true],
    ['arn:aws:s3:::bkt/other/*', 'arn:aws:s3:::bkt/exports/*', false],
    ['arn:aws:s3:::bkt/exports/a*', 'arn:aws:s3:::bkt/exports/*', false],
    ['arn:aws:s3:::bkt/*/x', 'arn:aws:s3:::bkt/a/x', true],
    ['arn:aws:s3:::bkt', 'arn:aws:s3:::bkt/*', false],
    ['a?*', 'a?', true],
    ['a?', 'a*', false],
    ['?*', '*?', true],
    ['*?', '?*', true],
    ['*', '', true],
    ['?', '', false],
  ])('%s covers %s → %s', (general, specific, expected) => {
    expect(cover(general, specific)).toBe(expected);
  });

  it.each([
    ['arn:aws:s3:::bkt/a*', 'arn:aws:s3:::bkt/*z', true],
    ['arn:aws:s3:::bkt/a*', 'arn:aws:s3:::bkt/b*', false],
    ['a?c', '*b*', true],
    ['abc', 'a?d', false],
    ['*', 'anything', true],
  ])('%s intersects %s → %s', (a, b, expected) => {
    expect(intersect(a, b)).toBe(expected);
  });

  // Small alphabets keep the brute-force enumeration cheap; 'c' never appears in patterns.
  const glob = fc.array(fc.constantFrom('a', 'b', '*', '?'), { maxLength: 5 }).map((cs) => cs.join(''));
  const words = (maxLength: number): string[] => {
    const out = [''];
    for (let len = 1; len <= maxLength; len++) {
      for (const prefix of out.filter((w) => w.length === len - 1)) for (const ch of 'abc') out.push(prefix + ch);
    }
    return out;
  };
  const ALL_WORDS = words(6);

  it('coverage is sound: covered patterns match every word the specific one does', () => {
    fc.assert(
      fc.property(glob, glob, (general, specific) => {
        fc.pre(cover(general, specific));
        const g = compileParts(parseGlob(general));
        const s = compileParts(parseGlob(specific));
        return ALL_WORDS.every((w) => !s.test(w) || g.test(w));
      }),
      { numRuns: 400 },
    );
  });

  it('intersection is exact against brute force', () => {
    fc.assert(
      fc.property(glob, glob, (a, b) => {
        // A shortest common word needs at most one character per non-* symbol of a and b (a
        // character matched only by stars in both can be deleted), so ALL_WORDS must reach that far.
        const nonStar = (p: string) => p.replace(/\*/g, '').length;
        fc.pre(nonStar(a) + nonStar(b) <= 6);
        const ra = compileParts(parseGlob(a));
        const rb = compileParts(parseGlob(b));
        return intersect(a, b) === ALL_WORDS.some((w) => ra.test(w) && rb.test(w));
      }),
      { numRuns: 400 },
    );
  });

  it('every pattern covers itself', () => {
    fc.assert(fc.property(glob, (p) => cover(p, p)));
  });
});

describe('arnMatches', () => {
  it.each([
    ['arn:aws:s3:::*', 'arn:aws:s3:::bucket/key', true],
    ['arn:aws:*:*:*:*', 'arn:aws:kms:us-east-1:1:key/k', true],
    ['arn:aws:kms:*:*:key/*', 'arn:aws:kms:us-east-1:1:alias/a', false],
    ['arn:aws:kms:*:key/*', 'arn:aws:kms:us-east-1:1:key/k', false],
    ['arn:aws:kms:us-east-1:1:key/k', 'arn:aws:kms:us-east-1:1', false],
  ])('%s ~ %s → %s', (pattern, value, expected) => {
    expect(arnMatches(parseGlob(pattern), value)).toBe(expected);
  });
});
