import { isValidFhirId, parseFhirInstant } from './fhir-primitives';
import { stampMeta } from './meta-stamp';
import { FHIR_R4_RESOURCE_TYPES, isResourceType } from './resource-types';

describe('FHIR_R4_RESOURCE_TYPES / isResourceType', () => {
  it('lists the 146 R4 resource types', () => {
    expect(FHIR_R4_RESOURCE_TYPES).toHaveLength(146);
    expect(FHIR_R4_RESOURCE_TYPES).toEqual(expect.arrayContaining(['Patient', 'Observation', 'Bundle', 'MedicinalProduct']));
    expect(Object.isFrozen(FHIR_R4_RESOURCE_TYPES)).toBe(true);
  });

  it('recognises only exact R4 type names', () => {
    expect(isResourceType('Patient')).toBe(true);
    for (const s of ['patient', 'Resource', 'DomainResource', 'Reference', 'SubscriptionTopic', '', 1, undefined]) {
      expect(isResourceType(s)).toBe(false);
    }
  });
});

describe('isValidFhirId', () => {
  it.each(['a', '123', 'A-b.C', '79a66c97-6131-3213-f3c9-4606946ab056', 'x'.repeat(64)])('accepts %s', (id) => {
    expect(isValidFhirId(id)).toBe(true);
  });
  it.each(['', 'x'.repeat(65), 'a b', 'a/b', 'a_b', 'é', 42, null])('rejects %p', (id) => {
    expect(isValidFhirId(id)).toBe(false);
  });
});

describe('parseFhirInstant', () => {
  it('parses instants and dateTimes with a timezone', () => {
    expect(parseFhirInstant('2024-01-02T03:04:05Z')?.toISOString()).toBe('2024-01-02T03:04:05.000Z');
    expect(parseFhirInstant('2024-01-02T03:04:05.123+02:00')?.toISOString()).toBe('2024-01-02T01:04:05.123Z');
  });
  it('parses partial dates as the start of the period in UTC', () => {
    expect(parseFhirInstant('2024')?.toISOString()).toBe('2024-01-01T00:00:00.000Z');
    expect(parseFhirInstant('2024-03')?.toISOString()).toBe('2024-03-01T00:00:00.000Z');
    expect(parseFhirInstant('2024-02-29')?.toISOString()).toBe('2024-02-29T00:00:00.000Z');
  });
  it.each(['', 'yesterday', '2024-01-02T03:04:05', '2024-01-02T03:04Z', '2024-13-01', '2023-02-29', '2024-04-31', '2024-1-1', '2024-01-02 03:04:05Z'])(
    'rejects %p',
    (s) => {
      expect(parseFhirInstant(s)).toBeUndefined();
    },
  );
});

describe('stampMeta', () => {
  it('sets versionId and lastUpdated, keeps other meta and does not mutate', () => {
    const input = { resourceType: 'Patient' as const, id: 'p1', meta: { versionId: 'old', profile: ['http://x/p'], tag: [{ code: 't' }] } };
    const out = stampMeta(input, { versionId: '2', lastUpdated: new Date('2024-05-01T12:00:00Z') });
    expect(out).toEqual({
      resourceType: 'Patient',
      id: 'p1',
      meta: { versionId: '2', lastUpdated: '2024-05-01T12:00:00.000Z', profile: ['http://x/p'], tag: [{ code: 't' }] },
    });
    expect(input.meta.versionId).toBe('old');
    expect(stampMeta({ resourceType: 'Basic', code: {} }, { versionId: '1', lastUpdated: '2024-01-01T00:00:00Z' }).meta).toEqual({
      versionId: '1',
      lastUpdated: '2024-01-01T00:00:00Z',
    });
  });
});
