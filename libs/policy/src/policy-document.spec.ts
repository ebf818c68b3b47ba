import { parsePolicyDocument, type PolicyKind } from './policy-document';
import { PolicyValidationError } from './policy-validation.error';

const ok = { Effect: 'Allow', Action: 's3:GetObject', Resource: '*' };

describe('parsePolicyDocument', () => {
  it('normalises single values to arrays and keeps Sid', () => {
    const doc = parsePolicyDocument({ Version: '2012-10-17', Id: 'p1', Statement: { Sid: 'One', ...ok } });
    expect(doc).toEqual({
      kind: 'PolicyDocument',
      version: '2012-10-17',
      id: 'p1',
      statements: [{ index: 0, sid: 'One', effect: 'Allow', action: ['s3:GetObject'], resource: ['*'], conditions: [] }],
    });
  });

  it('accepts JSON text, 2008-10-17 and a missing Version', () => {
    expect(parsePolicyDocument(JSON.stringify({ Version: '2008-10-17', Statement: [ok] })).version).toBe('2008-10-17');
    expect(parsePolicyDocument({ Statement: [ok] }).version).toBe('2008-10-17');
  });

  it('returns an already parsed document unchanged', () => {
    const doc = parsePolicyDocument({ Statement: [ok] });
    expect(parsePolicyDocument(doc)).toBe(doc);
  });

  it('parses conditions with stringified values and lower-cased keys', () => {
    const doc = parsePolicyDocument({ Statement: { ...ok, Condition: { 'ForAnyValue:NumericLessThanIfExists': { 'S3:Max-Keys': [5, '6'] } } } });
    expect(doc.statements[0]?.conditions).toEqual([
      {
        operator: { name: 'ForAnyValue:NumericLessThanIfExists', base: 'NumericLessThan', qualifier: 'ForAnyValue', ifExists: true, negated: false },
        key: 'S3:Max-Keys',
        keyLower: 's3:max-keys',
        values: ['5', '6'],
      },
    ]);
  });

  it('parses principals of every type', () => {
    const doc = parsePolicyDocument({
      Statement: {
        ...ok,
        Principal: { AWS: ['123456789012', 'arn:aws:iam::123456789012:role/R'], Service: 'healthlake.amazonaws.com', Federated: 'cognito-identity.amazonaws.com' },
      },
    });
    expect(doc.statements[0]?.principal).toEqual({
      wildcard: false,
      aws: ['123456789012', 'arn:aws:iam::123456789012:role/R'],
      service: ['healthlake.amazonaws.com'],
      federated: ['cognito-identity.amazonaws.com'],
      canonicalUser: [],
    });
    expect(parsePolicyDocument({ Statement: { ...ok, Principal: '*' } }).statements[0]?.principal?.wildcard).toBe(true);
    expect(parsePolicyDocument({ Statement: { ...ok, Principal: { AWS: '*' } } }).statements[0]?.principal?.wildcard).toBe(true);
  });

  const invalid: Array<[string, unknown, string | RegExp, PolicyKind?]> = [
    ['non-JSON text', '{"Statement": [}', /^Policy document is not valid JSON/],
    ['an array document', [ok], 'Policy document must be a JSON object'],
    ['an unknown top-level key', { Statement: [ok], Statements: [] }, 'Unknown top-level key "Statements"'],
    ['an unknown Version', { Version: '2012-10-18', Statement: [ok] }, 'Version must be "2012-10-17" or "2008-10-17"'],
    ['a missing Statement', { Version: '2012-10-17' }, 'Statement is required'],
    ['an empty Statement', { Statement: [] }, 'Statement must not be empty'],
    ['a non-object statement', { Statement: ['x'] }, 'Statement[0] must be an object'],
    ['a bad Effect', { Statement: [ok, { ...ok, Effect: 'allow' }] }, 'Statement[1].Effect must be "Allow" or "Deny"'],
    ['a missing Effect', { Statement: { Action: '*', Resource: '*' } }, 'Statement.Effect must be "Allow" or "Deny"'],
    ['Action with NotAction', { Statement: [{ ...ok, NotAction: 's3:*' }] }, 'Statement[0]: Action and NotAction are mutually exclusive'],
    ['Resource with NotResource', { Statement: [{ ...ok, NotResource: '*' }] }, 'Statement[0]: Resource and NotResource are mutually exclusive'],
    ['Principal with NotPrincipal', { Statement: [{ ...ok, Principal: '*', NotPrincipal: '*' }] }, 'Statement[0]: Principal and NotPrincipal are mutually exclusive'],
    ['no Action', { Statement: [{ Effect: 'Allow', Resource: '*' }] }, 'Statement[0]: one of Action or NotAction is required'],
    ['an unknown statement key', { Statement: [{ ...ok, Actions: '*' }] }, 'Statement[0]: unknown key "Actions"'],
    ['a malformed action', { Statement: [{ ...ok, Action: ['s3:GetObject', 'GetObject'] }] }, 'Statement[0].Action[1] must be "*" or "service:action"'],
    ['an empty action list', { Statement: [{ ...ok, Action: [] }] }, 'Statement[0].Action must not be empty'],
    ['a non-string action', { Statement: [{ ...ok, Action: 5 }] }, 'Statement[0].Action must be a non-empty string'],
    ['a malformed resource', { Statement: [{ ...ok, Resource: 'bucket/*' }] }, 'Statement[0].Resource must be "*" or an ARN'],
    ['an unknown condition operator', { Statement: [{ ...ok, Condition: { StringEqualz: { 'aws:username': 'a' } } }] }, 'Statement[0].Condition: unknown condition operator "StringEqualz"'],
    ['a lower-case condition operator', { Statement: [{ ...ok, Condition: { stringequals: { 'aws:username': 'a' } } }] }, /unknown condition operator "stringequals"/],
    ['a qualified Null', { Statement: [{ ...ok, Condition: { 'ForAnyValue:Null': { 'aws:username': 'true' } } }] }, /unknown condition operator "ForAnyValue:Null"/],
    ['an unknown qualifier', { Statement: [{ ...ok, Condition: { 'ForSomeValues:StringEquals': { k: 'a' } } }] }, /unknown condition operator/],
    ['an empty condition value list', { Statement: [{ ...ok, Condition: { StringEquals: { k: [] } } }] }, 'Statement[0].Condition.StringEquals["k"] must have at least one value'],
    ['an object condition value', { Statement: [{ ...ok, Condition: { StringEquals: { k: { a: 1 } } } }] }, 'Statement[0].Condition.StringEquals["k"] must be a string, number or boolean'],
    ['a bad CIDR', { Statement: [{ ...ok, Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/33' } } }] }, 'Statement[0].Condition.IpAddress["aws:SourceIp"] must be an IP address or CIDR block for IpAddress'],
    ['a non-numeric NumericEquals value', { Statement: [{ ...ok, Condition: { NumericEquals: { k: 'ten' } } }] }, /must be a number for NumericEquals/],
    ['a bad date', { Statement: [{ ...ok, Condition: { DateGreaterThan: { k: 'tomorrow' } } }] }, /must be an ISO 8601 date or epoch seconds/],
    ['a bad Bool', { Statement: [{ ...ok, Condition: { Bool: { k: 'yes' } } }] }, /must be "true" or "false" for Bool/],
    ['a duplicate Sid', { Statement: [{ Sid: 'A', ...ok }, { Sid: 'A', ...ok }] }, 'Statement[1]: duplicate Sid "A"'],
    ['an unknown principal type', { Statement: [{ ...ok, Principal: { User: 'x' } }] }, 'Statement[0].Principal: unknown principal type "User"'],
    ['a malformed AWS principal', { Statement: [{ ...ok, Principal: { AWS: ['123456789012', 'alice'] } }] }, 'Statement[0].Principal.AWS[1] must be "*", an account id or an IAM/STS ARN'],
    ['Principal in an identity policy', { Statement: [{ ...ok, Principal: '*' }] }, 'Statement[0]: Principal is not allowed in an identity-based policy', 'identity'],
    ['no Resource in an identity policy', { Statement: [{ Effect: 'Allow', Action: '*' }] }, 'Statement[0]: one of Resource or NotResource is required', 'identity'],
    ['Resource in a trust policy', { Statement: [{ ...ok, Principal: '*' }] }, 'Statement[0]: Resource is not allowed in a trust policy', 'trust'],
    ['no Principal in a resource policy', { Statement: [ok] }, 'Statement[0]: one of Principal or NotPrincipal is required in a resource policy', 'resource'],
  ];

  it.each(invalid.map(([label, input, message, kind]) => ({ label, input, message, kind })))('rejects $label', ({ input, message, kind }) => {
    const parse = () => parsePolicyDocument(input as object, kind ? { kind } : {});
    expect(parse).toThrow(PolicyValidationError);
    expect(parse).toThrow(message);
  });

  it('records the offending path on the error', () => {
    try {
      parsePolicyDocument({ Statement: [ok, { ...ok, Effect: 'Maybe' }] });
      throw new Error('expected a PolicyValidationError');
    } catch (error) {
      expect(error).toBeInstanceOf(PolicyValidationError);
      expect((error as PolicyValidationError).path).toBe('Statement[1].Effect');
    }
  });
});
