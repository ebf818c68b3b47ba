import { FhirError } from './operation-outcome';
import { assertValidResource, validateResource, type ValidationLevel } from './resource-validator';
import { loadSyntheaResources } from './testing/synthea-fixture';

const LEVELS: ValidationLevel[] = ['minimal', 'structure-only', 'strict'];
const patient = { resourceType: 'Patient', id: 'p1', gender: 'female', birthDate: '1990-02-03', name: [{ family: 'Doe' }] };
const observation = {
  resourceType: 'Observation',
  id: 'o1',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '8302-2' }] },
  subject: { reference: 'Patient/p1' },
  valueQuantity: { value: 180, unit: 'cm' },
};

/** The single issue for `input`, asserting there is exactly one. */
function onlyIssue(input: unknown, level: ValidationLevel = 'strict') {
  const issues = validateResource(input, level);
  expect(issues).toHaveLength(1);
  return issues[0];
}

describe('validateResource', () => {
  it.each(LEVELS)('accepts valid resources at level %s', (level) => {
    expect(validateResource(patient, level)).toEqual([]);
    expect(validateResource(observation, level)).toEqual([]);
  });

  it('defaults to strict', () => {
    expect(validateResource({ resourceType: 'Observation', code: observation.code })).toHaveLength(1);
  });

  it.each(LEVELS)('rejects non-objects at level %s', (level) => {
    for (const input of [null, 'Patient', 42, [patient], undefined]) {
      expect(onlyIssue(input, level)).toMatchObject({ severity: 'error', code: 'structure' });
    }
  });

  it.each(LEVELS)('rejects missing and unknown resourceType at level %s', (level) => {
    expect(onlyIssue({ id: 'x' }, level)).toMatchObject({ code: 'required', expression: 'resourceType' });
    expect(onlyIssue({ resourceType: 'Patients' }, level)).toMatchObject({ expression: 'resourceType' });
    expect(onlyIssue({ resourceType: 'patient' }, level).diagnostics).toContain('Unknown resourceType');
  });

  it.each(LEVELS)('rejects bad ids at level %s', (level) => {
    for (const id of ['has space', 'a'.repeat(65), '', 'a/b', 12]) {
      expect(onlyIssue({ ...patient, id }, level)).toMatchObject({ code: 'value', expression: 'Patient.id' });
    }
  });

  it.each(LEVELS)('rejects U+0000 anywhere (Postgres cannot store it) at level %s', (level) => {
    const nested = { ...observation, subject: { reference: 'Patient/p\u0000' } };
    expect(onlyIssue(nested, level)).toMatchObject({ code: 'invalid', expression: 'Observation.subject.reference' });
    expect(onlyIssue(nested, level).diagnostics).toContain('U+0000');
    expect(onlyIssue({ ...patient, name: [{ family: 'Doe', given: ['a', 'b\u0000'] }] }, level)).toMatchObject({ expression: 'Patient.name[0].given[1]' });
    expect(onlyIssue({ ...patient, ['x\u0000']: 1 }, level)).toMatchObject({ code: 'invalid', expression: 'Patient' });
  });

  it.each(['structure-only', 'strict'] as const)('rejects other control characters but allows tab, LF and CR at level %s', (level) => {
    expect(onlyIssue({ ...patient, name: [{ family: 'Do\u0007e' }] }, level)).toMatchObject({ code: 'invalid', expression: 'Patient.name[0].family' });
    expect(onlyIssue({ ...patient, name: [{ family: 'Do\u001Fe' }] }, level).diagnostics).toContain('U+001F');
    expect(validateResource({ ...patient, name: [{ family: 'Do\te', text: 'line\r\nnext' }] }, level)).toEqual([]);
  });

  it.each(['structure-only', 'strict'] as const)('finds control characters just the same when given the JSON text, at level %s', (level) => {
    const fromText = (json: string) => validateResource(JSON.parse(json), level, json);
    const bad = [
      '{"resourceType":"Patient","name":[{"family":"Do\\u0007e"}]}',
      '{"resourceType":"Patient","name":[{"family":"Do\\u001fe"}]}',
      '{"resourceType":"Patient","name":[{"family":"Do\\be"}]}',
      '{"resourceType":"Patient","name":[{"family":"Do\\fe"}]}',
      '{"resourceType":"Patient","name":[{"family":"Do\\u0000e"}]}',
    ];
    for (const json of bad) expect(fromText(json)).toEqual([expect.objectContaining({ code: 'invalid', expression: 'Patient.name[0].family' })]);
    // Tab, LF and CR escapes are allowed; an escaped backslash before "b" is not a control character.
    expect(fromText('{"resourceType":"Patient","name":[{"family":"Do\\te","text":"a\\r\\nb \\\\b \\u0041"}]}')).toEqual([]);
  });

  it('minimal ignores the body beyond type and id', () => {
    expect(validateResource({ ...patient, gender: 'robot', foo: 1 }, 'minimal')).toEqual([]);
  });

  describe.each(['structure-only', 'strict'] as const)('schema checks at level %s', (level) => {
    it('rejects unknown properties', () => {
      expect(onlyIssue({ ...patient, favouriteColour: 'blue' }, level)).toMatchObject({
        code: 'structure',
        expression: 'Patient.favouriteColour',
        diagnostics: "Unknown element 'favouriteColour'",
      });
      expect(onlyIssue({ ...patient, name: [{ family: 'Doe', surname: 'x' }] }, level).expression).toBe(
        'Patient.name[0].surname',
      );
    });

    it('rejects wrong JSON types', () => {
      expect(onlyIssue({ ...patient, active: 'yes' }, level)).toMatchObject({ code: 'structure', expression: 'Patient.active' });
      expect(onlyIssue({ ...patient, birthDate: 19900203 }, level).expression).toBe('Patient.birthDate');
      expect(onlyIssue({ ...observation, code: 'height' }, level).expression).toBe('Observation.code');
    });

    it('rejects bad dates and other primitive formats', () => {
      const issue = onlyIssue({ ...patient, birthDate: '1990-13-01' }, level);
      expect(issue).toMatchObject({ code: 'value', expression: 'Patient.birthDate' });
      expect(issue.diagnostics).toBe('Invalid date "1990-13-01"');
      expect(onlyIssue({ ...observation, effectiveDateTime: '2020-01-01T10:00' }, level).diagnostics).toContain(
        'Invalid dateTime',
      );
      expect(onlyIssue({ ...patient, meta: { lastUpdated: 'yesterday' } }, level).expression).toBe(
        'Patient.meta.lastUpdated',
      );
    });

    it('rejects codes outside a required binding', () => {
      const issue = onlyIssue({ ...patient, gender: 'robot' }, level);
      expect(issue).toMatchObject({ code: 'value', expression: 'Patient.gender' });
      expect(issue.diagnostics).toContain('"robot"');
      expect(issue.diagnostics).toContain('male, female, other, unknown');
      expect(onlyIssue({ ...observation, status: 'done' }, level).expression).toBe('Observation.status');
    });

    it('rejects a single value where an array is expected, and vice versa', () => {
      expect(onlyIssue({ ...patient, name: { family: 'Doe' } }, level)).toMatchObject({
        code: 'structure',
        expression: 'Patient.name',
        diagnostics: 'Element repeats and must be a JSON array',
      });
      expect(onlyIssue({ ...observation, subject: [observation.subject] }, level).expression).toBe('Observation.subject');
    });

    it('rejects missing required complex elements (schema `required`)', () => {
      const { code: _code, ...noCode } = observation;
      expect(onlyIssue(noCode, level)).toMatchObject({ code: 'required', expression: 'Observation.code' });
    });

    it('validates contained and bundled resources against their own type', () => {
      const issues = validateResource({ ...patient, contained: [{ resourceType: 'Patient', gender: 'robot' }] }, level);
      expect(issues).toEqual([expect.objectContaining({ expression: 'Patient.contained[0].gender' })]);
      const bundle = {
        resourceType: 'Bundle',
        type: 'collection',
        entry: [{ resource: patient }, { resource: { resourceType: 'Nope' } }],
      };
      expect(onlyIssue(bundle, level)).toMatchObject({ expression: 'Bundle.entry[1].resource.resourceType' });
    });

    it('reports several issues at once', () => {
      const issues = validateResource({ ...patient, gender: 'robot', birthDate: 'x', foo: 1 }, level);
      expect(issues.map((i) => i.expression).sort()).toEqual(['Patient.birthDate', 'Patient.foo', 'Patient.gender']);
    });
  });

  describe('strict-only rules from StructureDefinitions', () => {
    it('requires primitive elements with min cardinality 1', () => {
      const { status: _status, ...noStatus } = observation;
      expect(validateResource(noStatus, 'structure-only')).toEqual([]);
      expect(onlyIssue(noStatus)).toMatchObject({
        code: 'required',
        expression: 'Observation.status',
        diagnostics: "Missing required element 'status'",
      });
      // A primitive may be present only as its `_status` extension twin.
      expect(validateResource({ ...noStatus, _status: { extension: [] } })).toHaveLength(1); // empty array
      expect(
        validateResource({
          ...noStatus,
          _status: { extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'unknown' }] },
        }),
      ).toEqual([]);
    });

    it('requires required choice elements and nested backbone elements', () => {
      const med = {
        resourceType: 'MedicationRequest',
        status: 'active',
        intent: 'order',
        subject: { reference: 'Patient/p1' },
      };
      expect(onlyIssue(med)).toMatchObject({ code: 'required', expression: 'MedicationRequest.medication' });
      expect(validateResource({ ...med, medicationReference: { reference: 'Medication/m1' } })).toEqual([]);
      expect(onlyIssue({ ...patient, link: [{ other: { reference: 'Patient/p2' } }] }).expression).toBe('Patient.link[0].type');
    });

    it('allows only one type per choice element', () => {
      const issue = onlyIssue({ ...observation, valueString: '180 cm' });
      expect(validateResource({ ...observation, valueString: '180 cm' }, 'structure-only')).toEqual([]);
      expect(issue.code).toBe('invariant');
      expect(issue.diagnostics).toContain('value[x]');
      const ext = { url: 'http://example.org/x', valueString: 'a', valueBoolean: true };
      expect(onlyIssue({ ...patient, extension: [ext] }).expression).toBe('Patient.extension[0].value');
      expect(issue.expression).toBe('Observation.value');
    });

    it('rejects empty arrays', () => {
      expect(onlyIssue({ ...patient, name: [] })).toMatchObject({ code: 'structure', expression: 'Patient.name' });
    });
  });

  describe('Synthea fixture (real-world data must import cleanly)', () => {
    const resources = loadSyntheaResources();

    it('has the expected size', () => {
      expect(resources).toHaveLength(7160);
    });

    it.each(LEVELS)('every resource is valid at level %s', (level) => {
      const invalid = resources
        .map((r) => ({ ref: `${r.resourceType}/${r.id}`, issues: validateResource(r, level) }))
        .filter((x) => x.issues.length > 0);
      expect(invalid).toEqual([]);
    });
  });
});

describe('assertValidResource', () => {
  it('passes valid resources through', () => {
    expect(() => assertValidResource(patient)).not.toThrow();
  });

  it('throws 400 for structural problems', () => {
    const err = catchError(() => assertValidResource({ ...patient, foo: 1 }));
    expect(err.status).toBe(400);
    expect(err.outcome.issue[0]).toMatchObject({ code: 'structure', expression: ['Patient.foo'] });
    expect(catchError(() => assertValidResource('nope')).status).toBe(400);
  });

  it('throws 422 for rule violations on well-formed resources', () => {
    const err = catchError(() => assertValidResource({ ...patient, gender: 'robot' }));
    expect(err.status).toBe(422);
    expect(err.outcome.issue[0]).toMatchObject({ code: 'value', expression: ['Patient.gender'] });
    expect(catchError(() => assertValidResource({ resourceType: 'Observation', code: { text: 'x' } })).status).toBe(422);
  });
});

function catchError(fn: () => void): FhirError {
  try {
    fn();
  } catch (e) {
    if (e instanceof FhirError) return e;
    throw e;
  }
  throw new Error('expected a FhirError');
}
