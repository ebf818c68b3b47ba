import type { FhirInteraction } from '@fhirlake/policy';
import type { Request } from 'express';
import { datastoreArn } from '../control-plane/healthlake-arn';
import { Authorize, jsonBodyOf, paramOf, type SmartRequirement } from './route-authorization';

const WRITES: ReadonlySet<FhirInteraction> = new Set(['create', 'update', 'patch', 'delete']);

/**
 * A FHIR REST route: HealthLake's data-plane action on the datastore ARN, plus what a SMART token
 * must grant. Writes are audited with their `Type/id`; reads only when denied.
 */
export const FhirAction = (operation: string, interaction: FhirInteraction | 'capabilities') =>
  Authorize({
    family: 'fhir',
    mode: 'action',
    resolve: (req, arn) => {
      const datastoreId = paramOf(req, 'datastoreId');
      const resourceType = paramOf(req, 'resourceType');
      const id = paramOf(req, 'id');
      const smart: SmartRequirement =
        interaction === 'capabilities' ? { kind: 'capabilities' } : { kind: 'resource', resourceType, interaction, ...(id ? { id } : {}) };
      return {
        action: `healthlake:${operation}`,
        resource: datastoreArn(arn, datastoreId),
        datastoreId,
        smart,
        audit: interaction !== 'capabilities' && WRITES.has(interaction),
        ...(resourceType ? { auditResource: id ? `${resourceType}/${id}` : resourceType } : {}),
      };
    },
  });

/** $export kick-off: starts a job, so it also needs iam:PassRole on the body's DataAccessRoleArn. */
export const FhirExportKickOff = (level: 'system' | 'patient' | 'group') =>
  Authorize({
    family: 'fhir',
    mode: 'action',
    resolve: (req, arn) => {
      const datastoreId = paramOf(req, 'datastoreId');
      const role = jsonBodyOf(req)?.DataAccessRoleArn;
      const types = exportTypes(req);
      return {
        action: 'healthlake:StartFHIRExportJobWithPost',
        resource: datastoreArn(arn, datastoreId),
        datastoreId,
        ...(typeof role === 'string' && role ? { passRoleArn: role } : {}),
        smart: { kind: 'export', level, ...(types ? { types } : {}) },
        audit: true,
      };
    },
  });

/** $export status polling and cancellation. */
export const FhirExportJobAction = (operation: 'DescribeFHIRExportJobWithGet' | 'CancelFHIRExportJobWithDelete') =>
  Authorize({
    family: 'fhir',
    mode: 'action',
    resolve: (req, arn) => {
      const datastoreId = paramOf(req, 'datastoreId');
      return { action: `healthlake:${operation}`, resource: datastoreArn(arn, datastoreId), datastoreId, smart: { kind: 'export-job' }, audit: true };
    },
  });

function exportTypes(req: Request): string[] | undefined {
  const raw = req.query._type;
  const values = Array.isArray(raw) ? raw.map(String) : typeof raw === 'string' ? [raw] : [];
  const types = values.flatMap((v) => v.split(',')).map((t) => t.trim()).filter((t) => t !== '');
  return types.length > 0 ? types : undefined;
}

/**
 * The 405 catch-all of the FHIR API: authorized as healthlake:ReadResource on the datastore, so a
 * caller learns which interactions are unsupported only for datastores it may read.
 */
export const FhirUnsupportedInteraction = () =>
  Authorize({
    family: 'fhir',
    mode: 'action',
    resolve: (req, arn) => {
      const datastoreId = paramOf(req, 'datastoreId');
      return { action: 'healthlake:ReadResource', resource: datastoreArn(arn, datastoreId), datastoreId, smart: { kind: 'capabilities' }, audit: false };
    },
  });
