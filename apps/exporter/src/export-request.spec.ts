import { groupPatientIds } from './export-planner.service';
import { parseExportRequest, selectTypes } from './export-request';

describe('export request', () => {
  it('defaults to a system export of every type', () => {
    expect(parseExportRequest(null)).toEqual({ request: { scope: 'SYSTEM' } });
    expect(selectTypes({ scope: 'SYSTEM' }, ['Patient', 'Encounter'])).toEqual(['Encounter', 'Patient']);
    expect(selectTypes({ scope: 'SYSTEM', types: ['Patient', 'Observation'] }, ['Patient', 'Encounter'])).toEqual(['Patient']);
  });

  it('names what is wrong', () => {
    expect(parseExportRequest({ scope: 'GROUP' })).toEqual({ problem: 'Invalid export request: a Group export needs a groupId' });
    expect(parseExportRequest({ types: ['Patient', 'Nope'] })).toEqual({ problem: 'Invalid export request: unknown resource types Nope' });
    expect(parseExportRequest({ since: '2026-01-02T00:00:00Z', until: '2026-01-01T00:00:00Z' })).toEqual({ problem: 'Invalid export request: since is after until' });
    expect(parseExportRequest({ since: 'yesterday' })).toMatchObject({ problem: expect.stringContaining('since') });
  });

  it('takes the Patients a Group references in member.entity, nothing else', () => {
    const group = {
      resourceType: 'Group',
      member: [{ entity: { reference: 'Patient/a' } }, { entity: { reference: 'Practitioner/b' } }, { entity: { reference: 'Patient/a' } }, { entity: { display: 'x' } }, { entity: { reference: 'https://x.org/fhir/Patient/c' } }],
    };
    expect(groupPatientIds(group)).toEqual(['a', 'c']);
    expect(groupPatientIds({ resourceType: 'Group' })).toEqual([]);
  });
});
