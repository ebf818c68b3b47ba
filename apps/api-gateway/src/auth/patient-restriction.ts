import { isInPatientCompartment, patientCompartmentPaths } from '@fhirlake/fhir';
import type { ResourceBody, ResourceSearch } from '@fhirlake/persistence';
import type { Request } from 'express';

const RESTRICTION = Symbol('fhirlake.patient-restriction');
type WithRestriction = Request & { [RESTRICTION]?: string };

/**
 * Marks a request as limited to one patient's compartment (SMART patient-context tokens): the
 * handler narrows searches ({@link restrictSearch}) and shows only versions in the compartment
 * ({@link restrictVersions}).
 */
export function restrictToPatient(req: Request, patientId: string): void {
  (req as WithRestriction)[RESTRICTION] = patientId;
}

/**
 * Narrows a search to the caller's patient compartment, if the caller is so limited: Patient
 * searches to the patient itself, compartment types to resources referencing the patient at one
 * of the compartment's paths. Other types (Medication, Organization...) are not patient data.
 */
export function restrictSearch(req: Request, resourceType: string, search: ResourceSearch): ResourceSearch {
  const patientId = (req as WithRestriction)[RESTRICTION];
  if (patientId === undefined) return search;
  if (resourceType === 'Patient') return { ...search, ids: (search.ids ?? [patientId]).filter((id) => id === patientId) };
  const paths = patientCompartmentPaths(resourceType);
  if (paths.length === 0) return search;
  return { ...search, references: [...(search.references ?? []), { paths: [...paths], targetType: 'Patient', targetId: patientId }] };
}

/**
 * For vread and instance history under a patient-context token: each version is judged on its
 * own content, not on the current version's, since a resource may have moved into or out of the
 * compartment (a version of another patient's record never shows, an own old version does).
 * Undefined when the request is not restricted.
 */
export function restrictVersions(req: Request): ((resource: ResourceBody) => boolean) | undefined {
  const patientId = (req as WithRestriction)[RESTRICTION];
  if (patientId === undefined) return undefined;
  return (resource) => isInPatientCompartment(resource, patientId);
}
