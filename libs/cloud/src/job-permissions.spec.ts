import { permissionProblems, trustProblem } from './data-access-role.check';
import { decodePolicyDocument } from './data-access-role.reader';
import { inputObjectsResource, outputObjectsResource, requiredJobPermissions } from './job-permissions';

const KEY = 'arn:aws:kms:us-east-1:000000000000:key/k1';
const ROLE = 'arn:aws:iam::000000000000:role/r';
const DS_A = 'arn:aws:healthlake:us-east-1:000000000000:datastore/fhir/aaaa';
const expectation = { servicePrincipal: 'healthlake.amazonaws.com', accountId: '000000000000', datastoreArn: DS_A };
const role = (trust: object, ...policies: object[]) => ({
  arn: ROLE,
  trustPolicy: JSON.stringify(trust),
  policies: policies.map((p, i) => ({ name: `p${i}`, kind: 'inline' as const, document: JSON.stringify(p) })),
});
const doc = (...Statement: object[]) => ({ Version: '2012-10-17', Statement });
const TRUST = doc({
  Effect: 'Allow',
  Principal: { Service: 'healthlake.amazonaws.com' },
  Action: 'sts:AssumeRole',
  Condition: { StringEquals: { 'aws:SourceAccount': '000000000000' }, ArnEquals: { 'aws:SourceArn': DS_A } },
});

describe('requiredJobPermissions', () => {
  it('lists exactly what an export needs', () => {
    const list = requiredJobPermissions({ kind: 'EXPORT', output: { bucket: 'out', key: 'exports' }, keyArn: KEY }).map((p) => `${p.action} ${p.resource}`);
    expect(list).toEqual([
      's3:PutObject arn:aws:s3:::out/exports/*',
      's3:ListBucket arn:aws:s3:::out',
      's3:GetBucketPublicAccessBlock arn:aws:s3:::out',
      's3:GetEncryptionConfiguration arn:aws:s3:::out',
      `kms:DescribeKey ${KEY}`,
      `kms:GenerateDataKey ${KEY}`,
    ]);
  });

  it('adds input reads and kms:Decrypt for an import', () => {
    const list = requiredJobPermissions({ kind: 'IMPORT', output: { bucket: 'out', key: '' }, input: { bucket: 'in', key: 'data/' }, keyArn: KEY }).map((p) => `${p.action} ${p.resource}`);
    expect(list).toEqual([
      's3:PutObject arn:aws:s3:::out/*',
      's3:ListBucket arn:aws:s3:::out',
      's3:GetBucketPublicAccessBlock arn:aws:s3:::out',
      's3:GetEncryptionConfiguration arn:aws:s3:::out',
      's3:GetObject arn:aws:s3:::in/data/*',
      's3:ListBucket arn:aws:s3:::in',
      `kms:DescribeKey ${KEY}`,
      `kms:GenerateDataKey ${KEY}`,
      `kms:Decrypt ${KEY}`,
    ]);
  });

  it.each([
    [{ bucket: 'b', key: '' }, false, 'arn:aws:s3:::b/*'],
    [{ bucket: 'b', key: 'p/' }, false, 'arn:aws:s3:::b/p/*'],
    [{ bucket: 'b', key: 'p' }, false, 'arn:aws:s3:::b/p/*'],
    [{ bucket: 'b', key: 'p/f.ndjson' }, true, 'arn:aws:s3:::b/p/f.ndjson'],
  ])('reads input %j (object: %s) as %s', (location, isObject, expected) => {
    expect(inputObjectsResource(location, isObject)).toBe(expected);
  });

  it('writes outputs under the output folder', () => {
    expect(outputObjectsResource({ bucket: 'b', key: 'out//' })).toBe('arn:aws:s3:::b/out/*');
    expect(outputObjectsResource({ bucket: 'b', key: '' })).toBe('arn:aws:s3:::b/*');
  });
});

describe('trustProblem and permissionProblems (pure)', () => {
  it('accepts the documented trust policy and an unconditioned one', () => {
    expect(trustProblem(role(TRUST), expectation)).toBeUndefined();
    expect(trustProblem(role(doc({ Effect: 'Allow', Principal: { Service: 'healthlake.amazonaws.com' }, Action: 'sts:AssumeRole' })), expectation)).toBeUndefined();
  });

  it('names an explicit Deny and an unparseable trust policy', () => {
    const denied = doc((TRUST as { Statement: object[] }).Statement[0], { Effect: 'Deny', Principal: '*', Action: 'sts:AssumeRole' });
    expect(trustProblem(role(denied), expectation)).toMatch(/its trust policy denies healthlake.amazonaws.com sts:AssumeRole for datastore/);
    expect(trustProblem({ arn: ROLE, trustPolicy: '{"nope":1}', policies: [] }, expectation)).toMatch(/trust policy that cannot be evaluated/);
  });

  it('honours conditions of identity policies against the request context', () => {
    const permission = { action: 's3:ListBucket', resource: 'arn:aws:s3:::b', context: { 's3:prefix': 'out/' } };
    const scoped = (prefix: string) => role(TRUST, doc({ Effect: 'Allow', Action: 's3:ListBucket', Resource: 'arn:aws:s3:::b', Condition: { StringLike: { 's3:prefix': prefix } } }));
    expect(permissionProblems(scoped('out/*'), [permission])).toEqual([]);
    expect(permissionProblems(scoped('other/*'), [permission])).toEqual([`Data access role ${ROLE} is missing s3:ListBucket on arn:aws:s3:::b`]);
    const insecureDeny = doc({ Effect: 'Allow', Action: 's3:*', Resource: '*' }, { Effect: 'Deny', Action: '*', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
    expect(permissionProblems(role(TRUST, insecureDeny), [permission], { 'aws:SecureTransport': true })).toEqual([]);
  });

  it('reports a policy it cannot parse', () => {
    const problems = permissionProblems({ arn: ROLE, trustPolicy: '{}', policies: [{ name: 'bad', kind: 'inline', document: 'not json' }] }, []);
    expect(problems).toEqual([expect.stringMatching(/^Data access role .* has inline policy bad that cannot be evaluated/)]);
  });

  it('decodes URL-encoded documents as IAM returns them', () => {
    expect(decodePolicyDocument(encodeURIComponent('{"a":"b c*"}'))).toBe('{"a":"b c*"}');
    expect(decodePolicyDocument('{"a":"100%"}')).toBe('{"a":"100%"}');
  });
});
