import { evaluateRequest } from './policy-evaluator';
import type { RequestContext } from './request-context';

type Row = [label: string, condition: Record<string, Record<string, unknown>>, context: RequestContext, allowed: boolean];

/** Evaluates `Allow * on *` guarded by `condition`. */
function allowedUnder(condition: Row[1], context: RequestContext, version = '2012-10-17'): boolean {
  const policy = { Version: version, Statement: [{ Effect: 'Allow', Action: '*', Resource: '*', Condition: condition }] };
  return evaluateRequest({ action: 's3:GetObject', resource: 'arn:aws:s3:::b/k', identityPolicies: [policy], context }).decision === 'Allow';
}

const ARN = 'arn:aws:healthlake:us-east-1:123456789012:datastore/fhir/abc';
const rows: Row[] = [
  // String operators
  ['StringEquals match', { StringEquals: { 'aws:username': 'alice' } }, { 'aws:username': 'alice' }, true],
  ['StringEquals is case-sensitive on values', { StringEquals: { 'aws:username': 'alice' } }, { 'aws:username': 'Alice' }, false],
  ['StringEquals keys are case-insensitive', { StringEquals: { 'AWS:UserName': 'alice' } }, { 'aws:username': 'alice' }, true],
  ['StringEquals several values are OR-ed', { StringEquals: { 'aws:username': ['bob', 'alice'] } }, { 'aws:username': 'alice' }, true],
  ['StringEquals no value matches', { StringEquals: { 'aws:username': ['bob', 'carol'] } }, { 'aws:username': 'alice' }, false],
  ['StringEquals missing key', { StringEquals: { 'aws:username': 'alice' } }, {}, false],
  ['StringEquals treats * literally', { StringEquals: { 'aws:username': 'a*' } }, { 'aws:username': 'alice' }, false],
  ['StringEquals literal * equals', { StringEquals: { 'aws:username': 'a*' } }, { 'aws:username': 'a*' }, true],
  ['StringNotEquals differs', { StringNotEquals: { 'aws:username': 'bob' } }, { 'aws:username': 'alice' }, true],
  ['StringNotEquals equal', { StringNotEquals: { 'aws:username': 'alice' } }, { 'aws:username': 'alice' }, false],
  ['StringNotEquals is NOR over values (neither)', { StringNotEquals: { 'aws:username': ['a', 'b'] } }, { 'aws:username': 'c' }, true],
  ['StringNotEquals is NOR over values (one equal)', { StringNotEquals: { 'aws:username': ['a', 'b'] } }, { 'aws:username': 'b' }, false],
  ['StringNotEquals missing key is true', { StringNotEquals: { 'aws:username': 'alice' } }, {}, true],
  ['StringEqualsIgnoreCase', { StringEqualsIgnoreCase: { 'aws:username': 'ALICE' } }, { 'aws:username': 'alice' }, true],
  ['StringEqualsIgnoreCase mismatch', { StringEqualsIgnoreCase: { 'aws:username': 'ALICE' } }, { 'aws:username': 'bob' }, false],
  ['StringNotEqualsIgnoreCase same modulo case', { StringNotEqualsIgnoreCase: { 'aws:username': 'ALICE' } }, { 'aws:username': 'alice' }, false],
  ['StringNotEqualsIgnoreCase differs', { StringNotEqualsIgnoreCase: { 'aws:username': 'ALICE' } }, { 'aws:username': 'bob' }, true],
  ['StringLike *', { StringLike: { 's3:prefix': 'home/*' } }, { 's3:prefix': 'home/alice/x' }, true],
  ['StringLike ? exactly one', { StringLike: { 's3:prefix': 'v?' } }, { 's3:prefix': 'v1' }, true],
  ['StringLike ? not two', { StringLike: { 's3:prefix': 'v?' } }, { 's3:prefix': 'v12' }, false],
  ['StringLike is case-sensitive', { StringLike: { 's3:prefix': 'Home/*' } }, { 's3:prefix': 'home/x' }, false],
  ['StringLike anchors at both ends', { StringLike: { 's3:prefix': 'home' } }, { 's3:prefix': 'home/x' }, false],
  ['StringLike regex characters are literal', { StringLike: { 's3:prefix': 'a.b(c)' } }, { 's3:prefix': 'axb(c)' }, false],
  ['StringNotLike match → false', { StringNotLike: { 's3:prefix': 'home/*' } }, { 's3:prefix': 'home/x' }, false],
  ['StringNotLike no match → true', { StringNotLike: { 's3:prefix': ['home/*', 'tmp/*'] } }, { 's3:prefix': 'etc/x' }, true],
  ['StringNotLike missing → true', { StringNotLike: { 's3:prefix': 'home/*' } }, {}, true],
  // ARN operators
  ['ArnEquals exact', { ArnEquals: { 'aws:SourceArn': ARN } }, { 'aws:SourceArn': ARN }, true],
  ['ArnEquals other datastore', { ArnEquals: { 'aws:SourceArn': ARN } }, { 'aws:SourceArn': `${ARN}x` }, false],
  ['ArnLike wildcard in resource', { ArnLike: { 'aws:SourceArn': 'arn:aws:healthlake:*:123456789012:datastore/fhir/*' } }, { 'aws:SourceArn': ARN }, true],
  ['ArnLike wildcard account', { ArnLike: { 'aws:SourceArn': 'arn:aws:healthlake:us-east-1:*:*' } }, { 'aws:SourceArn': ARN }, true],
  ['ArnLike * does not span components', { ArnLike: { 'aws:SourceArn': 'arn:aws:*:datastore/fhir/abc' } }, { 'aws:SourceArn': ARN }, false],
  ['ArnLike region mismatch', { ArnLike: { 'aws:SourceArn': 'arn:aws:healthlake:us-west-2:*:*' } }, { 'aws:SourceArn': ARN }, false],
  ['ArnLike is case-sensitive', { ArnLike: { 'aws:SourceArn': 'arn:aws:HealthLake:*:*:*' } }, { 'aws:SourceArn': ARN }, false],
  ['ArnLike non-ARN context value', { ArnLike: { 'aws:SourceArn': 'arn:aws:*:*:*:*' } }, { 'aws:SourceArn': 'not-an-arn' }, false],
  ['ArnLike lone * matches any ARN', { ArnLike: { 'aws:SourceArn': '*' } }, { 'aws:SourceArn': ARN }, true],
  ['ArnLike resource part keeps colons', { ArnLike: { 'aws:SourceArn': 'arn:aws:logs:*:*:log-group:g:*' } }, { 'aws:SourceArn': 'arn:aws:logs:us-east-1:1:log-group:g:log-stream:s' }, true],
  ['ArnNotEquals other', { ArnNotEquals: { 'aws:SourceArn': ARN } }, { 'aws:SourceArn': `${ARN}x` }, true],
  ['ArnNotEquals same', { ArnNotEquals: { 'aws:SourceArn': ARN } }, { 'aws:SourceArn': ARN }, false],
  ['ArnNotLike matching pattern', { ArnNotLike: { 'aws:SourceArn': 'arn:aws:healthlake:*:*:*' } }, { 'aws:SourceArn': ARN }, false],
  ['ArnNotLike missing key', { ArnNotLike: { 'aws:SourceArn': 'arn:aws:healthlake:*:*:*' } }, {}, true],
  // Numeric operators
  ['NumericEquals', { NumericEquals: { 's3:max-keys': '10' } }, { 's3:max-keys': 10 }, true],
  ['NumericEquals 10 vs 10.0', { NumericEquals: { 's3:max-keys': 10 } }, { 's3:max-keys': '10.0' }, true],
  ['NumericEquals non-numeric context', { NumericEquals: { 's3:max-keys': 10 } }, { 's3:max-keys': 'ten' }, false],
  ['NumericNotEquals', { NumericNotEquals: { 's3:max-keys': 10 } }, { 's3:max-keys': 11 }, true],
  ['NumericNotEquals equal', { NumericNotEquals: { 's3:max-keys': 10 } }, { 's3:max-keys': 10 }, false],
  ['NumericLessThan', { NumericLessThan: { 's3:max-keys': 10 } }, { 's3:max-keys': 9 }, true],
  ['NumericLessThan equal', { NumericLessThan: { 's3:max-keys': 10 } }, { 's3:max-keys': 10 }, false],
  ['NumericLessThanEquals equal', { NumericLessThanEquals: { 's3:max-keys': 10 } }, { 's3:max-keys': 10 }, true],
  ['NumericGreaterThan', { NumericGreaterThan: { 's3:max-keys': 10 } }, { 's3:max-keys': 10.5 }, true],
  ['NumericGreaterThan compares numerically not lexically', { NumericGreaterThan: { 's3:max-keys': 9 } }, { 's3:max-keys': '10' }, true],
  ['NumericGreaterThanEquals below', { NumericGreaterThanEquals: { 's3:max-keys': 10 } }, { 's3:max-keys': 9 }, false],
  // Date operators
  ['DateLessThan ISO', { DateLessThan: { 'aws:CurrentTime': '2030-01-01T00:00:00Z' } }, { 'aws:CurrentTime': '2025-06-01T12:00:00Z' }, true],
  ['DateLessThan after', { DateLessThan: { 'aws:CurrentTime': '2020-01-01T00:00:00Z' } }, { 'aws:CurrentTime': '2025-06-01T12:00:00Z' }, false],
  ['DateGreaterThan epoch seconds', { DateGreaterThan: { 'aws:EpochTime': 1700000000 } }, { 'aws:EpochTime': 1700000001 }, true],
  ['Date epoch vs ISO are comparable', { DateEquals: { 'aws:CurrentTime': '2023-11-14T22:13:20Z' } }, { 'aws:CurrentTime': '1700000000' }, true],
  ['DateNotEquals', { DateNotEquals: { 'aws:CurrentTime': '2023-11-14T22:13:20Z' } }, { 'aws:CurrentTime': '2023-11-14T22:13:21Z' }, true],
  ['DateLessThanEquals equal', { DateLessThanEquals: { 'aws:CurrentTime': '2024-01-01' } }, { 'aws:CurrentTime': '2024-01-01T00:00:00Z' }, true],
  ['DateGreaterThanEquals Date object', { DateGreaterThanEquals: { 'aws:CurrentTime': '2024-01-01T00:00:00Z' } }, { 'aws:CurrentTime': new Date('2024-01-01T00:00:00Z') }, true],
  ['Date unparseable context', { DateGreaterThan: { 'aws:CurrentTime': '2024-01-01T00:00:00Z' } }, { 'aws:CurrentTime': 'yesterday' }, false],
  // Bool, Binary, Null
  ['Bool true', { Bool: { 'aws:SecureTransport': 'true' } }, { 'aws:SecureTransport': true }, true],
  ['Bool false vs true', { Bool: { 'aws:SecureTransport': 'true' } }, { 'aws:SecureTransport': 'false' }, false],
  ['Bool policy boolean literal', { Bool: { 'aws:SecureTransport': false } }, { 'aws:SecureTransport': 'FALSE' }, true],
  ['Bool missing key', { Bool: { 'aws:SecureTransport': 'true' } }, {}, false],
  ['BinaryEquals', { BinaryEquals: { 'ex:blob': 'QmluYXJ5VmFsdWU=' } }, { 'ex:blob': 'QmluYXJ5VmFsdWU=' }, true],
  ['BinaryEquals different bytes', { BinaryEquals: { 'ex:blob': 'QmluYXJ5VmFsdWU=' } }, { 'ex:blob': 'T3RoZXI=' }, false],
  ['Null true, key missing', { Null: { 'aws:TokenIssueTime': 'true' } }, {}, true],
  ['Null true, key present', { Null: { 'aws:TokenIssueTime': 'true' } }, { 'aws:TokenIssueTime': '2024-01-01T00:00:00Z' }, false],
  ['Null false, key present', { Null: { 'aws:TokenIssueTime': 'false' } }, { 'aws:TokenIssueTime': 'x' }, true],
  ['Null false, key missing', { Null: { 'aws:TokenIssueTime': 'false' } }, {}, false],
  ['Null true, empty list counts as missing', { Null: { 'aws:TagKeys': 'true' } }, { 'aws:TagKeys': [] }, true],
  // IP addresses
  ['IpAddress IPv4 CIDR', { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } }, { 'aws:SourceIp': '203.0.113.77' }, true],
  ['IpAddress IPv4 outside', { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } }, { 'aws:SourceIp': '203.0.114.1' }, false],
  ['IpAddress single address', { IpAddress: { 'aws:SourceIp': '198.51.100.7' } }, { 'aws:SourceIp': '198.51.100.7' }, true],
  ['IpAddress IPv6 CIDR', { IpAddress: { 'aws:SourceIp': '2001:db8::/32' } }, { 'aws:SourceIp': '2001:db8:1234::1' }, true],
  ['IpAddress IPv6 outside', { IpAddress: { 'aws:SourceIp': '2001:db8::/32' } }, { 'aws:SourceIp': '2001:db9::1' }, false],
  ['IpAddress v4 address vs v6 block', { IpAddress: { 'aws:SourceIp': '2001:db8::/32' } }, { 'aws:SourceIp': '203.0.113.1' }, false],
  ['IpAddress several blocks OR-ed', { IpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '2001:db8::/32'] } }, { 'aws:SourceIp': '10.1.2.3' }, true],
  ['IpAddress garbage context', { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } }, { 'aws:SourceIp': 'localhost' }, false],
  ['NotIpAddress outside', { NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } }, { 'aws:SourceIp': '192.168.0.1' }, true],
  ['NotIpAddress inside one of the blocks', { NotIpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '192.168.0.0/16'] } }, { 'aws:SourceIp': '192.168.0.1' }, false],
  // IfExists
  ['StringEqualsIfExists missing → true', { StringEqualsIfExists: { 'ec2:InstanceType': 't3.micro' } }, {}, true],
  ['StringEqualsIfExists present mismatch', { StringEqualsIfExists: { 'ec2:InstanceType': 't3.micro' } }, { 'ec2:InstanceType': 'm5.large' }, false],
  ['StringEqualsIfExists present match', { StringEqualsIfExists: { 'ec2:InstanceType': 't3.micro' } }, { 'ec2:InstanceType': 't3.micro' }, true],
  ['NumericLessThanIfExists missing', { NumericLessThanIfExists: { 's3:max-keys': 5 } }, {}, true],
  ['IpAddressIfExists present outside', { IpAddressIfExists: { 'aws:SourceIp': '10.0.0.0/8' } }, { 'aws:SourceIp': '11.0.0.1' }, false],
  ['BoolIfExists missing', { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'true' } }, {}, true],
  ['ArnLikeIfExists missing', { ArnLikeIfExists: { 'aws:SourceArn': 'arn:aws:s3:::*' } }, {}, true],
  // Set qualifiers
  ['ForAnyValue one value matches', { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['env', 'team'] } }, { 'aws:TagKeys': ['owner', 'team'] }, true],
  ['ForAnyValue none matches', { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['env'] } }, { 'aws:TagKeys': ['owner', 'team'] }, false],
  ['ForAnyValue missing key → false', { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['env'] } }, {}, false],
  ['ForAnyValue empty list → false', { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['env'] } }, { 'aws:TagKeys': [] }, false],
  ['ForAllValues all in set', { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['env', 'team'] } }, { 'aws:TagKeys': ['team', 'env'] }, true],
  ['ForAllValues one outside', { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['env', 'team'] } }, { 'aws:TagKeys': ['team', 'owner'] }, false],
  ['ForAllValues missing key → true', { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['env'] } }, {}, true],
  ['ForAllValues empty list → true', { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['env'] } }, { 'aws:TagKeys': [] }, true],
  ['ForAllValues:StringLike', { 'ForAllValues:StringLike': { 'aws:TagKeys': ['app-*'] } }, { 'aws:TagKeys': ['app-1', 'app-2'] }, true],
  ['ForAnyValue:StringNotEquals some value outside', { 'ForAnyValue:StringNotEquals': { 'aws:TagKeys': ['env'] } }, { 'aws:TagKeys': ['env', 'x'] }, true],
  ['ForAllValues:StringNotEquals one forbidden present', { 'ForAllValues:StringNotEquals': { 'aws:TagKeys': ['secret'] } }, { 'aws:TagKeys': ['env', 'secret'] }, false],
  ['ForAnyValue:StringEqualsIfExists missing → true', { 'ForAnyValue:StringEqualsIfExists': { 'aws:TagKeys': ['env'] } }, {}, true],
  ['unqualified multi-valued key: any value', { StringEquals: { 'aws:TagKeys': 'env' } }, { 'aws:TagKeys': ['x', 'env'] }, true],
  ['unqualified negated multi-valued key: none may match', { StringNotEquals: { 'aws:TagKeys': 'env' } }, { 'aws:TagKeys': ['x', 'env'] }, false],
  // Combination rules
  ['several keys are AND-ed (both hold)', { StringEquals: { 'aws:username': 'alice', 'aws:PrincipalTag/team': 'red' } }, { 'aws:username': 'alice', 'aws:PrincipalTag/team': 'red' }, true],
  ['several keys are AND-ed (one fails)', { StringEquals: { 'aws:username': 'alice', 'aws:PrincipalTag/team': 'red' } }, { 'aws:username': 'alice', 'aws:PrincipalTag/team': 'blue' }, false],
  ['several operators are AND-ed', { StringEquals: { 'aws:username': 'alice' }, Bool: { 'aws:SecureTransport': 'true' } }, { 'aws:username': 'alice', 'aws:SecureTransport': 'false' }, false],
  // Policy variables in condition values
  ['variable in StringEquals', { StringEquals: { 's3:prefix': 'home/${aws:username}' } }, { 's3:prefix': 'home/alice', 'aws:username': 'alice' }, true],
  ['variable in StringLike', { StringLike: { 's3:prefix': 'home/${aws:username}/*' } }, { 's3:prefix': 'home/alice/a.txt', 'aws:username': 'alice' }, true],
  ['variable for another user', { StringLike: { 's3:prefix': 'home/${aws:username}/*' } }, { 's3:prefix': 'home/bob/a.txt', 'aws:username': 'alice' }, false],
  ['variable value is literal, not a wildcard', { StringLike: { 's3:prefix': 'home/${aws:username}' } }, { 's3:prefix': 'home/anything', 'aws:username': '*' }, false],
  ['variable key missing → value does not match', { StringLike: { 's3:prefix': 'home/${aws:username}/*' } }, { 's3:prefix': 'home//x' }, false],
  ['variable key missing, other value still matches', { StringLike: { 's3:prefix': ['home/${aws:username}/*', 'public/*'] } }, { 's3:prefix': 'public/x' }, true],
  ['variable with default', { StringEquals: { 's3:prefix': "${aws:PrincipalTag/dept, 'none'}" } }, { 's3:prefix': 'none' }, true],
  ['${*} is a literal star', { StringEquals: { 's3:prefix': 'a${*}b' } }, { 's3:prefix': 'a*b' }, true],
  ['${*} in StringLike does not wildcard', { StringLike: { 's3:prefix': 'a${*}b' } }, { 's3:prefix': 'axxb' }, false],
  ['${?} is a literal question mark', { StringLike: { 's3:prefix': 'a${?}' } }, { 's3:prefix': 'a?' }, true],
  ['${$} is a literal dollar', { StringEquals: { 's3:prefix': '${$}{x}' } }, { 's3:prefix': '${x}' }, true],
  ['variable in ArnLike', { ArnLike: { 'aws:SourceArn': 'arn:aws:healthlake:*:${aws:PrincipalAccount}:*' } }, { 'aws:SourceArn': ARN, 'aws:PrincipalAccount': '123456789012' }, true],
];

describe('condition decision table', () => {
  it('has at least 100 cases', () => {
    expect(rows.length).toBeGreaterThanOrEqual(100);
  });

  it.each(rows)('%s', (_label, condition, context, expected) => {
    expect(allowedUnder(condition, context)).toBe(expected);
  });

  it('does not substitute variables in Version 2008-10-17 documents', () => {
    const condition = { StringEquals: { 's3:prefix': 'home/${aws:username}' } };
    expect(allowedUnder(condition, { 's3:prefix': 'home/${aws:username}', 'aws:username': 'alice' }, '2008-10-17')).toBe(true);
    expect(allowedUnder(condition, { 's3:prefix': 'home/alice', 'aws:username': 'alice' }, '2008-10-17')).toBe(false);
  });
});
