import type { INestApplicationContext } from '@nestjs/common';
import { extractReferences, patientCompartmentPaths } from '@fhirlake/fhir';
import { FhirResourceRepository, type ResourceBody } from '@fhirlake/persistence';
import { waitFor } from '@fhirlake/testing';
import {
  createDatastore,
  createExportTestBed,
  exportFolder,
  type ExportTestBed,
  fixtureResources,
  lineKeys,
  loadResources,
  readExport,
  startExporter,
  submitExport,
  waitForJob,
} from './export-harness';

type Resource = ResourceBody & { id: string };

/** Independent of the exporter's SQL: the patients a resource's compartment references name. */
function compartmentPatients(r: Resource): string[] {
  const paths = patientCompartmentPaths(r.resourceType);
  return extractReferences(r)
    .filter((ref) => paths.includes(ref.path) && ref.targetType === 'Patient' && ref.targetId)
    .map((ref) => ref.targetId!);
}

/** `type/id/1` of every fixture resource in the compartments of `patients` (plus the patients). */
function expectedCompartment(fixture: Resource[], patients: Set<string>): string[] {
  return fixture
    .filter((r) => (r.resourceType === 'Patient' && patients.has(r.id)) || compartmentPatients(r).some((p) => patients.has(p)))
    .map((r) => `${r.resourceType}/${r.id}/1`)
    .sort();
}

const refsOf = (r: ResourceBody) => extractReferences(r).map((x) => ({ path: x.path, reference: x.reference, ...(x.targetType ? { targetType: x.targetType } : {}), ...(x.targetId ? { targetId: x.targetId } : {}) }));

describe('Patient and Group exports', () => {
  let bed: ExportTestBed;
  let exporter: INestApplicationContext;
  let datastore: string;
  const fixture = fixtureResources();
  const patients = fixture.filter((r) => r.resourceType === 'Patient').map((p) => p.id);
  const groupMembers = patients.slice(0, 3);
  const group: Resource = {
    resourceType: 'Group',
    id: 'cohort',
    type: 'person',
    actual: true,
    member: [...groupMembers.map((p) => ({ entity: { reference: `Patient/${p}` } })), { entity: { reference: 'Practitioner/not-a-patient' } }],
  };

  beforeAll(async () => {
    bed = await createExportTestBed('export-compartment');
    datastore = await createDatastore(bed.sql);
    await loadResources(bed.sql, datastore, [...fixture, group]);
    exporter = await startExporter(bed.env({ EXPORTER_PART_DELAY_MS: '300', EXPORTER_PART_CONCURRENCY: '8' }));
  });
  afterAll(async () => {
    await exporter?.close();
    await bed?.close();
  });

  it('Patient export: every resource in some Patient compartment, plus the Patients, nothing else', async () => {
    const job = await submitExport(bed, datastore, { exportRequest: { scope: 'PATIENT' } });
    expect(await waitForJob(bed, job.id)).toMatchObject({ status: 'COMPLETED' });
    const keys = lineKeys(await readExport(bed.s3, bed.bucket, exportFolder(datastore, job.id)));
    // The Group is in its members' compartments too (Group.member is a compartment param).
    const expected = expectedCompartment([...fixture, group], new Set(patients));
    expect(keys).toEqual(expected);
    expect(keys).toContain('Group/cohort/1');
    // Organizations, Practitioners, Locations... are outside every Patient compartment.
    expect(keys.some((k) => /^(Organization|Practitioner|Location|PractitionerRole)\//.test(k))).toBe(false);
    expect(await bed.sql.query('SELECT 1 FROM fhir_export_member WHERE job_id = $1', [job.id])).toMatchObject({ rowCount: 0 });
  });

  it('Group export: the compartments of the Group members as of T, whatever changes during the export', async () => {
    const repo = new FhirResourceRepository(bed.sql);
    const [inGroup, alsoInGroup] = groupMembers;
    const outsider = patients.find((p) => !groupMembers.includes(p))!;
    const moved = fixture.find((r) => r.resourceType === 'Encounter' && compartmentPatients(r).includes(inGroup))!;
    const deleted = fixture.find((r) => r.resourceType === 'Condition' && compartmentPatients(r).includes(alsoInGroup))!;
    const joinsLater = fixture.find((r) => r.resourceType === 'Encounter' && compartmentPatients(r).includes(outsider))!;

    const job = await submitExport(bed, datastore, { exportRequest: { scope: 'GROUP', groupId: 'cohort', types: ['Patient', 'Encounter', 'Condition', 'Procedure', 'Organization'] } });
    await waitFor(async () => (await bed.jobs.find(job.id))?.transactionTime, { timeoutMs: 10_000, intervalMs: 10 });
    // After T: an in-group Encounter moves to an outsider, an outsider's Encounter moves into the group,
    // an in-group Condition is deleted, the Group loses a member, and a new in-group Encounter appears.
    const movedOut = { ...moved, subject: { reference: `Patient/${outsider}` } };
    await repo.write(datastore, movedOut, refsOf(movedOut));
    const movedIn = { ...joinsLater, subject: { reference: `Patient/${inGroup}` } };
    await repo.write(datastore, movedIn, refsOf(movedIn));
    await repo.delete(datastore, 'Condition', deleted.id);
    await repo.write(datastore, { resourceType: 'Group', id: 'cohort', type: 'person', actual: true, member: [{ entity: { reference: `Patient/${inGroup}` } }] }, []);
    const fresh = { resourceType: 'Encounter', id: 'new-encounter', status: 'finished', subject: { reference: `Patient/${inGroup}` } };
    await repo.write(datastore, fresh, refsOf(fresh));

    const done = await waitForJob(bed, job.id);
    expect([done.status, done.message]).toEqual(['COMPLETED', expect.any(String)]);
    const keys = lineKeys(await readExport(bed.s3, bed.bucket, exportFolder(datastore, job.id)));
    const types = new Set(['Patient', 'Encounter', 'Condition', 'Procedure']);
    const expected = expectedCompartment(fixture.filter((r) => types.has(r.resourceType)), new Set(groupMembers));
    expect(keys).toEqual(expected);
    expect(keys).toContain(`Encounter/${moved.id}/1`);
    expect(keys).not.toContain(`Encounter/${joinsLater.id}/1`);
    expect(keys).toContain(`Condition/${deleted.id}/1`);
    expect(keys.filter((k) => k.startsWith('Patient/'))).toHaveLength(3);
  });

  it('fails a Group export whose Group does not exist, naming it', async () => {
    const job = await submitExport(bed, datastore, { exportRequest: { scope: 'GROUP', groupId: 'nope' } });
    const done = await waitForJob(bed, job.id);
    expect(done).toMatchObject({ status: 'FAILED', message: `Group/nope was not found in datastore ${datastore}` });
    expect(await readExport(bed.s3, bed.bucket, exportFolder(datastore, job.id))).toEqual([]);
  });
});
