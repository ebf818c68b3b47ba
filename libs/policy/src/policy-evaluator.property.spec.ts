import fc from 'fast-check';
import { evaluateRequest, type EvaluationRequest } from './policy-evaluator';
import { parsePolicyDocument } from './policy-document';
import { isAllowedForResourcePattern } from './required-permissions';

const ACTIONS = ['s3:GetObject', 's3:PutObject', 's3:*', '*', 'kms:Decrypt', 'S3:getobject', 's3:?etObject', 'kms:*'];
const RESOURCES = ['*', 'arn:aws:s3:::b/*', 'arn:aws:s3:::b/k', 'arn:aws:s3:::c/*', 'arn:aws:s3:::${aws:username}/*', 'arn:aws:kms:*:*:key/*'];
const CONDITIONS: Array<Record<string, Record<string, unknown>> | undefined> = [
  undefined,
  { StringEquals: { 'aws:username': 'alice' } },
  { Bool: { 'aws:SecureTransport': 'true' } },
  { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['a', 'b'] } },
  { 'ForAnyValue:StringLike': { 'aws:TagKeys': 'a*' } },
  { NumericLessThan: { 's3:max-keys': 10 } },
  { StringNotEqualsIfExists: { 'aws:username': 'bob' } },
  { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } },
];

const list = (pool: readonly string[]) => fc.uniqueArray(fc.constantFrom(...pool), { minLength: 1, maxLength: 3 });
const statementBody = fc.record({
  negateAction: fc.boolean(),
  actions: list(ACTIONS),
  negateResource: fc.boolean(),
  resources: list(RESOURCES),
  condition: fc.constantFrom(...CONDITIONS),
});
type Body = typeof statementBody extends fc.Arbitrary<infer T> ? T : never;

function toStatement(body: Body, effect: 'Allow' | 'Deny', sid: string): Record<string, unknown> {
  return {
    Sid: sid,
    Effect: effect,
    [body.negateAction ? 'NotAction' : 'Action']: body.actions,
    [body.negateResource ? 'NotResource' : 'Resource']: body.resources,
    ...(body.condition ? { Condition: body.condition } : {}),
  };
}

const statements = fc
  .array(fc.tuple(statementBody, fc.constantFrom('Allow' as const, 'Deny' as const)), { minLength: 0, maxLength: 6 })
  .map((items) => items.map(([body, effect], i) => toStatement(body, effect, `S${i}`)));

const request = fc.record({
  action: fc.constantFrom('s3:GetObject', 's3:PutObject', 'kms:Decrypt', 's3:DeleteObject'),
  resource: fc.constantFrom('arn:aws:s3:::b/k', 'arn:aws:s3:::c/x', 'arn:aws:s3:::alice/x', 'arn:aws:kms:us-east-1:1:key/k'),
  context: fc.record(
    {
      'aws:username': fc.constantFrom('alice', 'bob'),
      'aws:SecureTransport': fc.boolean(),
      'aws:TagKeys': fc.subarray(['a', 'b', 'c']),
      's3:max-keys': fc.integer({ min: 0, max: 20 }),
      'aws:SourceIp': fc.constantFrom('10.1.2.3', '192.168.1.1'),
    },
    { requiredKeys: [] },
  ),
});

const decide = (stmts: Array<Record<string, unknown>>, req: Omit<EvaluationRequest, 'identityPolicies'>) =>
  stmts.length === 0 ? evaluateRequest({ ...req, identityPolicies: [] }) : evaluateRequest({ ...req, identityPolicies: [{ Version: '2012-10-17', Statement: stmts }] });

describe('evaluator properties', () => {
  it('adding a Deny statement never turns a denial into an allow', () => {
    fc.assert(
      fc.property(statements, statementBody, request, (stmts, extra, req) => {
        const before = decide(stmts, req).decision;
        const after = decide([...stmts, toStatement(extra, 'Deny', 'Extra')], req).decision;
        if (before !== 'Allow') expect(after).not.toBe('Allow');
        if (before === 'ExplicitDeny') expect(after).toBe('ExplicitDeny');
      }),
      { numRuns: 500 },
    );
  });

  it('adding an Allow statement never turns an allow into a deny, nor lifts an explicit deny', () => {
    fc.assert(
      fc.property(statements, statementBody, request, (stmts, extra, req) => {
        const before = decide(stmts, req).decision;
        const after = decide([...stmts, toStatement(extra, 'Allow', 'Extra')], req).decision;
        if (before === 'Allow') expect(after).toBe('Allow');
        if (before === 'ExplicitDeny') expect(after).toBe('ExplicitDeny');
      }),
      { numRuns: 500 },
    );
  });

  it('is deterministic and independent of statement and policy order', () => {
    fc.assert(
      fc.property(statements.chain((s) => fc.tuple(fc.constant(s), fc.shuffledSubarray(s, { minLength: s.length, maxLength: s.length }))), request, ([stmts, shuffled], req) => {
        const a = decide(stmts, req);
        const b = decide(stmts, req);
        const c = decide(shuffled, req);
        expect(b).toEqual(a);
        expect(c.decision).toBe(a.decision);
        expect(new Set(c.matchedStatements.map((m) => m.sid))).toEqual(new Set(a.matchedStatements.map((m) => m.sid)));
        // One statement per policy gives the same decision as one policy holding them all.
        const split = evaluateRequest({ ...req, identityPolicies: shuffled.map((s) => ({ Version: '2012-10-17', Statement: s })) });
        expect(split.decision).toBe(a.decision);
      }),
      { numRuns: 300 },
    );
  });

  it('turning an applicable Allow into a Deny yields an explicit deny', () => {
    fc.assert(
      fc.property(statements, request, (stmts, req) => {
        const result = decide(stmts, req);
        fc.pre(result.decision === 'Allow');
        const sid = result.matchedStatements[0]!.sid;
        const flipped = stmts.map((s) => (s['Sid'] === sid ? { ...s, Effect: 'Deny' } : s));
        expect(decide(flipped, req).decision).toBe('ExplicitDeny');
      }),
      { numRuns: 300 },
    );
  });

  it('parsing is stable across JSON text and objects', () => {
    fc.assert(
      fc.property(statements.filter((s) => s.length > 0), (stmts) => {
        const raw = { Version: '2012-10-17', Statement: stmts };
        expect(parsePolicyDocument(JSON.stringify(raw))).toEqual(parsePolicyDocument(raw));
      }),
      { numRuns: 100 },
    );
  });

  it('a pattern reported as allowed is allowed for every concrete resource it names', () => {
    const suffix = fc.stringMatching(/^[a-z/]{0,6}$/);
    fc.assert(
      fc.property(statements, fc.constantFrom('arn:aws:s3:::b/*', 'arn:aws:s3:::b/k', 'arn:aws:s3:::c/*', 'arn:aws:s3:::*'), suffix, request, (stmts, pattern, fill, req) => {
        const policies = stmts.length ? [{ Version: '2012-10-17', Statement: stmts }] : [];
        fc.pre(isAllowedForResourcePattern(policies, req.action, pattern, { context: req.context }).allowed);
        const concrete = pattern.replace('*', fill);
        expect(evaluateRequest({ action: req.action, resource: concrete, identityPolicies: policies, context: req.context }).decision).toBe('Allow');
      }),
      { numRuns: 500 },
    );
  });
});
