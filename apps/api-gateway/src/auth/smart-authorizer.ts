import { Injectable } from '@nestjs/common';
import { FhirError, isInPatientCompartment, notFound, patientCompartmentPaths } from '@fhirlake/fhir';
import { FhirResourceRepository } from '@fhirlake/persistence';
import { authorizeSmartAccess, type SmartContextKind } from '@fhirlake/policy';
import type { Request } from 'express';
import { AuthFailure } from './auth-failure';
import type { Caller } from './caller';
import { restrictToPatient } from './patient-restriction';
import { jsonBodyOf, type AuthorizationTarget, type SmartRequirement } from './route-authorization';

type SmartCaller = Extract<Caller, { kind: 'smart' }>;

const denied = (message: string) => new AuthFailure('access-denied', message);
const UNRESTRICTED: readonly SmartContextKind[] = ['system', 'user'];

/**
 * SMART on FHIR scopes on FHIR routes. `system/` and `user/` scopes grant the resource type in the
 * whole datastore (users are not further restricted here). `patient/` scopes need a `patient`
 * claim and reach only that patient's compartment: reads and writes of other resources are
 * answered 404 (not revealing they exist), searches are narrowed. Bulk export needs `system/`
 * scopes (`user/` also accepted for Patient/Group export).
 */
@Injectable()
export class SmartAuthorizer {
  constructor(private readonly resources: FhirResourceRepository) {}

  async authorize(caller: SmartCaller, target: AuthorizationTarget, req: Request): Promise<void> {
    const requirement = target.smart;
    if (!requirement) throw denied('SMART on FHIR tokens give no access to this API; sign the request with AWS SigV4');
    switch (requirement.kind) {
      case 'capabilities':
        return;
      case 'export':
        return this.authorizeExport(caller, requirement);
      case 'export-job':
        if (!caller.scopes.resourceScopes.some((s) => s.context === 'system' && s.interactions.has('r'))) throw denied('Bulk export status and cancellation need a system/ read scope');
        return;
      case 'resource':
        return this.authorizeResource(caller, requirement, target.datastoreId ?? '', req);
      default:
        return requirement satisfies never;
    }
  }

  private authorizeExport(caller: SmartCaller, requirement: Extract<SmartRequirement, { kind: 'export' }>): void {
    const contexts: SmartContextKind[] = requirement.level === 'system' ? ['system'] : ['system', 'user'];
    for (const resourceType of requirement.types ?? ['*']) {
      const decision = authorizeSmartAccess(caller.scopes, { resourceType, interaction: 'r', contexts });
      if (decision.decision !== 'allow') {
        throw denied(`${requirement.level === 'system' ? 'System' : 'Patient/Group'}-level $export of ${resourceType === '*' ? 'all resource types' : resourceType} needs a ${contexts.join('/ or ')}/ read scope for it`);
      }
    }
  }

  private async authorizeResource(caller: SmartCaller, requirement: Extract<SmartRequirement, { kind: 'resource' }>, datastoreId: string, req: Request): Promise<void> {
    const { resourceType, interaction, id } = requirement;
    const searchParams = interaction === 'search' ? (req.query as Record<string, string | string[]>) : undefined;
    const broad = authorizeSmartAccess(caller.scopes, { resourceType, interaction, contexts: UNRESTRICTED, ...(searchParams ? { searchParams } : {}) });
    if (broad.decision === 'allow') return;
    const narrow = authorizeSmartAccess(caller.scopes, { resourceType, interaction, contexts: ['patient'], ...(searchParams ? { searchParams } : {}) });
    if (narrow.decision === 'deny') throw denied(`Token scopes do not permit this request: ${broad.decision === 'deny' && broad.grantedBy.length > 0 ? broad.reason : narrow.reason}`);
    if (broad.decision === 'allow-with-constraints' || narrow.decision === 'allow-with-constraints') {
      throw denied(`${narrow.reason}; scope constraints are only supported on searches`);
    }
    const patientId = caller.patient;
    if (!patientId) throw denied('patient/ scopes need a patient claim (launch context) in the token');
    const paths = patientCompartmentPaths(resourceType);
    // Types outside the Patient compartment (Medication, Organization...) are not patient data.
    if (resourceType !== 'Patient' && paths.length === 0) return;
    switch (interaction) {
      case 'search':
      case 'history-type':
        restrictToPatient(req, patientId);
        return;
      case 'create':
        if (resourceType === 'Patient' || !this.bodyInCompartment(req, resourceType, patientId)) throw this.outside(resourceType, id);
        return;
      case 'update':
      case 'patch':
        if (!this.bodyInCompartment(req, resourceType, patientId)) throw this.outside(resourceType, id);
        if (!(await this.storedInCompartment(datastoreId, resourceType, id ?? '', paths, patientId, true))) throw this.outside(resourceType, id);
        return;
      case 'read':
      case 'delete':
        if (!(await this.storedInCompartment(datastoreId, resourceType, id ?? '', paths, patientId, interaction === 'delete'))) throw this.outside(resourceType, id);
        return;
      case 'vread':
      case 'history-instance':
        // Every version of a Patient is that patient's. Other resources may have moved into or out
        // of the compartment: the handler judges each version on its own content and answers only
        // those in it (none: 404, as for a resource that does not exist).
        if (resourceType === 'Patient') {
          if (id !== patientId) throw this.outside(resourceType, id);
          return;
        }
        restrictToPatient(req, patientId);
        return;
      default:
        return interaction satisfies never;
    }
  }

  /** Outside the compartment: answered like a missing resource. */
  private outside(resourceType: string, id: string | undefined): AuthFailure {
    const failure = denied(`${resourceType}${id ? `/${id}` : ''} is outside the patient compartment of the token`);
    failure.fhirOverride = id ? notFound(`${resourceType}/${id} not found`) : new FhirError(403, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'forbidden', diagnostics: `A patient-context token may only create ${resourceType} resources in its own patient's compartment` }] });
    return failure;
  }

  private bodyInCompartment(req: Request, resourceType: string, patientId: string): boolean {
    const body = jsonBodyOf(req);
    if (body === undefined) return true; // the handler rejects the missing or malformed body; nothing is written
    if (resourceType === 'Patient') return body.id === patientId;
    return isInPatientCompartment(body, patientId); // a body of another type is rejected by the handler
  }

  /** The current version is in the compartment; `missingOk` for writes to ids that do not exist yet. */
  private async storedInCompartment(datastoreId: string, resourceType: string, id: string, paths: readonly string[], patientId: string, missingOk: boolean): Promise<boolean> {
    if (resourceType === 'Patient') return id === patientId;
    if (!/^[0-9a-f]{32}$/.test(datastoreId)) return missingOk;
    const references = await this.resources.referencesOf(datastoreId, resourceType, id);
    if (references.some((r) => paths.includes(r.path) && r.targetType === 'Patient' && r.targetId === patientId)) return true;
    return missingOk && !(await this.resources.read(datastoreId, resourceType, id));
  }
}
