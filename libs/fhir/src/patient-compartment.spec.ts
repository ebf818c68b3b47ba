import type { Resource } from './fhir-types';
import { expressionPaths, isInPatientCompartment, patientCompartmentPaths, patientCompartmentResourceTypes } from './patient-compartment';
import { extractReferences } from './reference-extractor';
import { loadSyntheaResources } from './testing/synthea-fixture';

/** The exporter's rule: R is in P's compartment iff R is P or a compartment path references Patient/P. */
function compartmentPatients(resource: Resource): string[] {
  const paths = new Set(patientCompartmentPaths(resource.resourceType));
  const ids = extractReferences(resource)
    .filter((r) => paths.has(r.path) && r.targetType === 'Patient' && r.targetId !== undefined)
    .map((r) => r.targetId as string);
  if (resource.resourceType === 'Patient' && resource.id) ids.push(resource.id);
  return [...new Set(ids)];
}

describe('patient compartment', () => {
  it('lists the compartment resource types from the R4 CompartmentDefinition', () => {
    const types = patientCompartmentResourceTypes();
    expect(types).toEqual(expect.arrayContaining(['Patient', 'Encounter', 'Condition', 'Observation', 'Procedure']));
    expect(types).not.toContain('Practitioner');
    expect(types).not.toContain('Device');
    expect(types.length).toBeGreaterThan(60);
  });

  it('resolves search parameter expressions to reference element paths', () => {
    expect(patientCompartmentPaths('Encounter')).toEqual(['subject']);
    expect(patientCompartmentPaths('AllergyIntolerance')).toEqual(['patient', 'recorder', 'asserter']);
    expect(patientCompartmentPaths('Observation')).toEqual(['subject', 'performer']);
    expect(patientCompartmentPaths('Patient')).toEqual(['link.other']);
    expect(patientCompartmentPaths('CarePlan')).toEqual(['subject', 'activity.detail.performer']);
    expect(patientCompartmentPaths('ExplanationOfBenefit')).toEqual(['patient', 'payee.party']);
    expect(patientCompartmentPaths('Practitioner')).toEqual([]);
    expect(patientCompartmentPaths('NotAType')).toEqual([]);
  });

  it('parses unions, parentheses, where(resolve() is X) and casts', () => {
    expect(expressionPaths('AllergyIntolerance', 'AllergyIntolerance.patient | AllergyIntolerance.recorder')).toEqual([
      'patient',
      'recorder',
    ]);
    expect(expressionPaths('ExplanationOfBenefit', '(ExplanationOfBenefit.patient)')).toEqual(['patient']);
    expect(expressionPaths('Observation', 'Observation.subject.where(resolve() is Patient) | Condition.subject')).toEqual([
      'subject',
    ]);
    expect(expressionPaths('MedicationRequest', '(MedicationRequest.medication as Reference)')).toEqual(['medicationReference']);
    expect(expressionPaths('MedicationRequest', 'MedicationRequest.medication.ofType(Reference)')).toEqual(['medicationReference']);
  });

  it('rejects expressions that do not name a Reference element', () => {
    expect(() => expressionPaths('Patient', 'Patient.birthDate')).toThrow('not a Reference element');
    expect(() => expressionPaths('Observation', '(Observation.value as Reference)')).toThrow('not a Reference element');
  });

  it('judges one resource body: the patient itself, or a reference at a compartment path', () => {
    const obs = (subject: string, extra: object = {}) => ({ resourceType: 'Observation', id: 'o', status: 'final', code: { text: 'x' }, subject: { reference: subject }, ...extra });
    expect(isInPatientCompartment(obs('Patient/alice'), 'alice')).toBe(true);
    expect(isInPatientCompartment(obs('Patient/bob'), 'alice')).toBe(false);
    expect(isInPatientCompartment(obs('Patient/bob', { performer: [{ reference: 'Patient/alice' }] }), 'alice')).toBe(true);
    // A reference at a path outside the compartment definition, or inside a contained resource, does not count.
    expect(isInPatientCompartment(obs('Group/g', { focus: [{ reference: 'Patient/alice' }] }), 'alice')).toBe(false);
    expect(isInPatientCompartment(obs('Group/g', { contained: [{ resourceType: 'Observation', id: 'c', status: 'final', code: { text: 'y' }, subject: { reference: 'Patient/alice' } }] }), 'alice')).toBe(false);
    expect(isInPatientCompartment({ resourceType: 'Patient', id: 'alice' }, 'alice')).toBe(true);
    expect(isInPatientCompartment({ resourceType: 'Patient', id: 'bob', link: [{ other: { reference: 'Patient/alice' }, type: 'seealso' }] }, 'alice')).toBe(true);
    expect(isInPatientCompartment({ resourceType: 'Organization', id: 'org', partOf: { reference: 'Patient/alice' } }, 'alice')).toBe(false);
    expect(isInPatientCompartment(null, 'alice')).toBe(false);
  });

  describe('Synthea fixture', () => {
    const resources = loadSyntheaResources();
    const patientIds = new Set(resources.filter((r) => r.resourceType === 'Patient').map((r) => r.id));

    it.each(['Encounter', 'Condition', 'Procedure', 'MedicationRequest', 'Immunization', 'AllergyIntolerance', 'DocumentReference'])(
      'every %s is in exactly the compartment of the patient it references',
      (type) => {
        const ofType = resources.filter((r) => r.resourceType === type);
        expect(ofType.length).toBeGreaterThan(0);
        for (const r of ofType) {
          const referenced = extractReferences(r).filter((x) => x.targetType === 'Patient').map((x) => x.targetId);
          expect(referenced).toHaveLength(1);
          expect(patientIds.has(referenced[0])).toBe(true);
          expect(compartmentPatients(r)).toEqual(referenced);
        }
      },
    );

    it('each patient is in its own compartment; practitioners and organizations are in none', () => {
      for (const r of resources) {
        if (r.resourceType === 'Patient') expect(compartmentPatients(r)).toEqual([r.id]);
        if (!patientCompartmentResourceTypes().includes(r.resourceType)) expect(compartmentPatients(r)).toEqual([]);
      }
    });

    it('isInPatientCompartment agrees with the compartments above for every resource and patient', () => {
      const patients = [...patientIds].filter((p): p is string => p !== undefined);
      const disagreements = resources.flatMap((r) => {
        const members = compartmentPatients(r);
        return patients.filter((p) => isInPatientCompartment(r, p) !== members.includes(p)).map((p) => `${r.resourceType}/${r.id} for ${p}`);
      });
      expect(disagreements).toEqual([]);
    });
  });
});
