import { extractReferences, parseReference } from './reference-extractor';
import { loadSyntheaResources } from './testing/synthea-fixture';

describe('parseReference', () => {
  it('parses literal references, with and without a version', () => {
    expect(parseReference('Patient/123')).toEqual({ path: '', reference: 'Patient/123', kind: 'literal', targetType: 'Patient', targetId: '123' });
    expect(parseReference('Patient/123/_history/2')).toMatchObject({ kind: 'literal', targetType: 'Patient', targetId: '123', targetVersion: '2' });
  });

  it('leaves malformed literals without a target', () => {
    for (const ref of ['Patient', 'Patients/1', 'Patient/has space', 'a/Patient/1']) {
      const parsed = parseReference(ref);
      expect(parsed.kind).toBe('literal');
      expect(parsed.targetType).toBeUndefined();
      expect(parsed.targetId).toBeUndefined();
    }
  });

  it('parses conditional references', () => {
    expect(parseReference('Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|9999974493')).toEqual({
      path: '',
      reference: 'Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|9999974493',
      kind: 'conditional',
      targetType: 'Practitioner',
      query: 'identifier=http://hl7.org/fhir/sid/us-npi|9999974493',
    });
  });

  it('parses absolute references, reading Type/id from FHIR-looking URLs', () => {
    expect(parseReference('https://fhir.example.org/r4/Patient/abc')).toMatchObject({ kind: 'absolute', targetType: 'Patient', targetId: 'abc' });
    expect(parseReference('https://x.org/fhir/Observation/9/_history/3')).toMatchObject({ kind: 'absolute', targetType: 'Observation', targetId: '9', targetVersion: '3' });
    const urn = parseReference('urn:uuid:5b5c7c4c-0c84-4b5e-9d1a-1f6d3f0f2a11');
    expect(urn.kind).toBe('absolute');
    expect(urn.targetType).toBeUndefined();
    expect(parseReference('https://x.org/fhir/Patient?identifier=a|b')).toMatchObject({ kind: 'absolute' });
  });

  it('parses contained references', () => {
    expect(parseReference('#med1')).toEqual({ path: '', reference: '#med1', kind: 'contained', targetId: 'med1' });
    expect(parseReference('#')).toEqual({ path: '', reference: '#', kind: 'contained' });
  });
});

describe('extractReferences', () => {
  it('returns element paths without indices, relative to the root', () => {
    const encounter = {
      resourceType: 'Encounter',
      id: 'e1',
      status: 'finished',
      class: { code: 'AMB' },
      subject: { reference: 'Patient/p1', display: 'Jane' },
      participant: [
        { individual: { reference: 'Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|1' } },
        { individual: { reference: 'Practitioner/pr2' } },
      ],
      location: [{ location: { reference: 'Location/l1' } }],
    };
    expect(extractReferences(encounter).map((r) => [r.path, r.reference, r.kind])).toEqual([
      ['subject', 'Patient/p1', 'literal'],
      ['participant.individual', 'Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|1', 'conditional'],
      ['participant.individual', 'Practitioner/pr2', 'literal'],
      ['location.location', 'Location/l1', 'literal'],
    ]);
  });

  it('is schema-aware: only Reference-typed elements count', () => {
    const doc = {
      resourceType: 'DocumentReference',
      status: 'current',
      // Not Reference-typed: a string field named like one, and an Identifier value.
      description: 'reference',
      identifier: [{ value: 'Patient/999', assigner: { reference: 'Organization/o1' } }],
      content: [{ attachment: { url: 'Patient/123' } }],
      context: { encounter: [{ reference: 'Encounter/e1' }] },
      extension: [{ url: 'http://example.org/ext', valueReference: { reference: 'Device/d1' } }],
    };
    expect(extractReferences(doc).map((r) => [r.path, r.reference])).toEqual([
      ['identifier.assigner', 'Organization/o1'],
      ['context.encounter', 'Encounter/e1'],
      ['extension.valueReference', 'Device/d1'],
    ]);
  });

  it('ignores references without a reference string and non-resources', () => {
    expect(extractReferences({ resourceType: 'Observation', subject: { display: 'x' } })).toEqual([]);
    expect(extractReferences({ resourceType: 'Nope', subject: { reference: 'Patient/1' } })).toEqual([]);
    expect(extractReferences(null)).toEqual([]);
  });

  it('prefixes references inside contained resources and resolves #id targets', () => {
    const req = {
      resourceType: 'MedicationRequest',
      contained: [
        { resourceType: 'Medication', id: 'med1', manufacturer: { reference: 'Organization/o1' } },
        { resourceType: 'Observation', id: 'obs1', subject: { reference: 'Patient/other' } },
      ],
      medicationReference: { reference: '#med1' },
      subject: { reference: 'Patient/p1' },
    };
    expect(extractReferences(req).map((r) => [r.path, r.reference, r.kind, r.targetType])).toEqual([
      ['contained.manufacturer', 'Organization/o1', 'literal', 'Organization'],
      ['contained.subject', 'Patient/other', 'literal', 'Patient'],
      ['medicationReference', '#med1', 'contained', 'Medication'],
      ['subject', 'Patient/p1', 'literal', 'Patient'],
    ]);
  });

  it('walks into Bundle entries', () => {
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [{ fullUrl: 'urn:uuid:1', resource: { resourceType: 'Condition', subject: { reference: 'urn:uuid:2' } } }],
    };
    expect(extractReferences(bundle)).toEqual([{ path: 'entry.resource.subject', reference: 'urn:uuid:2', kind: 'absolute' }]);
  });

  it('finds every reference in the Synthea fixture', () => {
    const resources = loadSyntheaResources();
    let expected = 0;
    let found = 0;
    for (const r of resources) {
      expected += JSON.stringify(r).split('"reference":').length - 1;
      const refs = extractReferences(r);
      found += refs.length;
      for (const ref of refs) expect(ref.targetType).toBeDefined();
    }
    expect(expected).toBeGreaterThan(20000);
    expect(found).toBe(expected);
    const encounter = resources.find((r) => r.resourceType === 'Encounter');
    expect(extractReferences(encounter).map((r) => r.path)).toEqual(
      expect.arrayContaining(['subject', 'participant.individual', 'serviceProvider']),
    );
  });
});
