import { findMissingPermissions, isAllowedForResourcePattern } from './required-permissions';

const policy = (...Statement: object[]) => ({ Version: '2012-10-17', Statement });
const REQUIRED = 'arn:aws:s3:::bkt/exports/*';

describe('isAllowedForResourcePattern', () => {
  it.each([
    ['arn:aws:s3:::bkt/*', true],
    ['arn:aws:s3:::bkt/exports/*', true],
    ['*', true],
    ['arn:aws:s3:::*', true],
    ['arn:aws:s3:::bkt/other/*', false],
    ['arn:aws:s3:::bkt/exports/job-*', false],
    ['arn:aws:s3:::bkt', false],
  ])('an Allow on %s covers bkt/exports/* → %s', (resource, expected) => {
    expect(isAllowedForResourcePattern([policy({ Effect: 'Allow', Action: 's3:PutObject', Resource: resource })], 's3:PutObject', REQUIRED).allowed).toBe(expected);
  });

  it('does not combine partial allows from separate statements', () => {
    const p = policy({ Effect: 'Allow', Action: 's3:PutObject', Resource: ['arn:aws:s3:::bkt/exports/a*', 'arn:aws:s3:::bkt/exports/b*'] });
    expect(isAllowedForResourcePattern([p], 's3:PutObject', 'arn:aws:s3:::bkt/exports/*').allowed).toBe(false);
  });

  it('counts a Deny that overlaps any part of the pattern', () => {
    const p = policy(
      { Effect: 'Allow', Action: 's3:*', Resource: '*' },
      { Sid: 'NoSecrets', Effect: 'Deny', Action: 's3:PutObject', Resource: 'arn:aws:s3:::bkt/exports/secret/*' },
    );
    const result = isAllowedForResourcePattern([p], 's3:PutObject', REQUIRED);
    expect(result).toMatchObject({ allowed: false, decision: 'ExplicitDeny', reason: `s3:PutObject on ${REQUIRED} is explicitly denied by statement Sid=NoSecrets` });
    expect(isAllowedForResourcePattern([p], 's3:PutObject', 'arn:aws:s3:::bkt/public/*').allowed).toBe(true);
  });

  it('handles NotResource on both effects', () => {
    const allowAllBut = policy({ Effect: 'Allow', Action: 's3:PutObject', NotResource: 'arn:aws:s3:::bkt/exports/private/*' });
    expect(isAllowedForResourcePattern([allowAllBut], 's3:PutObject', REQUIRED).allowed).toBe(false);
    expect(isAllowedForResourcePattern([allowAllBut], 's3:PutObject', 'arn:aws:s3:::bkt/imports/*').allowed).toBe(true);
    const denyOutside = policy({ Effect: 'Allow', Action: 's3:*', Resource: '*' }, { Effect: 'Deny', Action: 's3:*', NotResource: 'arn:aws:s3:::bkt/*' });
    expect(isAllowedForResourcePattern([denyOutside], 's3:PutObject', REQUIRED).allowed).toBe(true);
    expect(isAllowedForResourcePattern([denyOutside], 's3:PutObject', 'arn:aws:s3:::other/*').decision).toBe('ExplicitDeny');
  });

  it('evaluates conditions against the supplied context', () => {
    const p = policy({ Effect: 'Allow', Action: 's3:PutObject', Resource: '*', Condition: { StringEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' } } });
    expect(isAllowedForResourcePattern([p], 's3:PutObject', REQUIRED).allowed).toBe(false);
    expect(isAllowedForResourcePattern([p], 's3:PutObject', REQUIRED, { context: { 's3:x-amz-server-side-encryption': 'aws:kms' } }).allowed).toBe(true);
  });

  it('resolves policy variables in allow patterns', () => {
    const p = policy({ Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::bkt/${aws:username}/*' });
    expect(isAllowedForResourcePattern([p], 's3:PutObject', 'arn:aws:s3:::bkt/alice/exports/*', { context: { 'aws:username': 'alice' } }).allowed).toBe(true);
    expect(isAllowedForResourcePattern([p], 's3:PutObject', 'arn:aws:s3:::bkt/alice/exports/*').allowed).toBe(false);
  });
});

describe('findMissingPermissions', () => {
  it('lists only what is missing, in order, with messages', () => {
    const p = policy({ Effect: 'Allow', Action: ['s3:ListBucket', 's3:GetBucket*'], Resource: 'arn:aws:s3:::bkt' });
    const missing = findMissingPermissions([p], [
      { action: 's3:ListBucket', resource: 'arn:aws:s3:::bkt' },
      { action: 's3:PutObject', resource: 'arn:aws:s3:::bkt/prefix*' },
      { action: 's3:GetBucketPublicAccessBlock', resource: 'arn:aws:s3:::bkt' },
      { action: 'kms:GenerateDataKey', resource: 'arn:aws:kms:us-east-1:123456789012:key/k' },
    ]);
    expect(missing.map((m) => m.reason)).toEqual([
      'missing s3:PutObject on arn:aws:s3:::bkt/prefix*',
      'missing kms:GenerateDataKey on arn:aws:kms:us-east-1:123456789012:key/k',
    ]);
  });

  it('returns nothing when every permission is granted', () => {
    expect(findMissingPermissions([policy({ Effect: 'Allow', Action: '*', Resource: '*' })], [{ action: 's3:PutObject', resource: REQUIRED }])).toEqual([]);
  });
});
