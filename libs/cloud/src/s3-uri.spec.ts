import { joinKey, parseS3Uri } from './s3-uri';

describe('parseS3Uri', () => {
  it.each([
    ['s3://my-bucket/in/put/', { bucket: 'my-bucket', key: 'in/put/' }],
    ['S3://my.bucket', { bucket: 'my.bucket', key: '' }],
    ['s3://abc/file.ndjson', { bucket: 'abc', key: 'file.ndjson' }],
  ])('parses %s', (uri, expected) => expect(parseS3Uri(uri)).toEqual(expected));

  it.each(['http://bucket/x', 's3://UPPER/x', 's3://ab/x', 's3://bucket/../etc', 's3://bucket/a/./b', 's3://bucket/a\\b', 's3://bucket/a\nb', 's3://bu..cket/x', ''])(
    'rejects %j',
    (uri) => expect(parseS3Uri(uri)).toBeUndefined(),
  );

  it('joins keys with single slashes', () => {
    expect(joinKey('out/', '/ds-FHIR_EXPORT-1/', 'Patient', 'Patient-1.ndjson')).toBe('out/ds-FHIR_EXPORT-1/Patient/Patient-1.ndjson');
    expect(joinKey('', 'a')).toBe('a');
  });
});
