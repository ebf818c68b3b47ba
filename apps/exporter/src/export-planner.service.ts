import { Inject, Injectable } from '@nestjs/common';
import { WORKER_PG_POOL, type JobExecution } from '@fhirlake/coordination';
import { extractReferences, parseReference, patientCompartmentPaths, patientCompartmentResourceTypes } from '@fhirlake/fhir';
import { ExportPlanRepository, ExportSnapshotReader, fixSnapshotTime, JobRepository, type ExportSnapshot, type ResourceBody } from '@fhirlake/persistence';
import type { Pool, PoolClient } from 'pg';
import { ExportOutputLocation } from './export-output';
import { type ExportRequest, selectTypes } from './export-request';

/** At most this many resources per output file (HealthLake's limit). */
export const MAX_RESOURCES_PER_FILE = 5000;

export type PlanOutcome = { kind: 'planned'; partsTotal: number; resourcesTotal: number } | { kind: 'failed'; message: string };

/** The snapshot a job reads: its transactionTime and request filters (members table for compartment scopes). */
export function exportSnapshot(jobId: string, datastoreId: string, transactionTime: string, request: ExportRequest): ExportSnapshot {
  return {
    datastoreId,
    transactionTime,
    since: request.since,
    until: request.until,
    membersOfJob: request.scope === 'SYSTEM' ? undefined : jobId,
  };
}

/**
 * Fixes a job's snapshot time and plans it into parts (one output file each: a type's id range of
 * at most 5,000 snapshot resources), all committed in one fenced transaction so a crash mid-plan
 * leaves nothing and a resumed job reuses the plan.
 */
@Injectable()
export class ExportPlannerService {
  constructor(
    @Inject(WORKER_PG_POOL) private readonly pool: Pool,
    private readonly jobs: JobRepository,
    private readonly plans: ExportPlanRepository,
    private readonly reader: ExportSnapshotReader,
  ) {}

  /** The job's transactionTime: the stored one on resume, otherwise fixed now and stored (fenced). */
  async snapshotTime(execution: JobExecution): Promise<string> {
    const stored = await this.plans.snapshotTime(execution.job.id);
    if (stored) return stored;
    const client = await this.pool.connect();
    let fixed: string;
    try {
      fixed = await fixSnapshotTime(client, execution.job.datastoreId);
    } finally {
      client.release();
    }
    return execution.fenced((c) => this.plans.setSnapshotTime(c, execution.job.id, fixed));
  }

  async plan(execution: JobExecution, transactionTime: string, request: ExportRequest, output: ExportOutputLocation): Promise<PlanOutcome> {
    const { job } = execution;
    const snapshot = exportSnapshot(job.id, job.datastoreId, transactionTime, request);
    return execution.fenced(async (client) => {
      await client.query('SET LOCAL jit = off'); // compile time would dwarf these simple plans
      const available = await this.reader.resourceTypes(job.datastoreId, client);
      let types: string[];
      if (request.scope === 'SYSTEM') {
        types = selectTypes(request, available);
      } else {
        const problem = await this.addRoots(client, job.id, snapshot, request);
        if (problem) return { kind: 'failed', message: problem } as const;
        const compartmentTypes = patientCompartmentResourceTypes();
        types = selectTypes(request, available.filter((t) => compartmentTypes.includes(t)));
        await this.addMembers(client, job.id, snapshot, types);
      }
      const ranges = await this.reader.planRanges(snapshot, types, MAX_RESOURCES_PER_FILE, client);
      const parts = ranges.map((range) => ({ ...range, objectKey: output.objectKey(range.resourceType, range.partNumber) }));
      await this.plans.insertParts(client, job.id, parts);
      const resourcesTotal = parts.reduce((n, p) => n + p.resourceCount, 0);
      await this.jobs.updateProgress(job.id, execution.epoch, { planned: true, partsTotal: parts.length, partsDone: 0, partsFailed: 0, resourcesTotal, resourcesExported: 0 }, client);
      return { kind: 'planned', partsTotal: parts.length, resourcesTotal } as const;
    });
  }

  /** The Patients the export is about: all of them, or the Group's members as of T. */
  private async addRoots(client: PoolClient, jobId: string, snapshot: ExportSnapshot, request: ExportRequest): Promise<string | undefined> {
    await this.plans.clearMembers(client, jobId);
    if (request.scope === 'PATIENT') {
      await this.plans.addAllPatientsAsRoots(client, jobId, snapshot);
      return undefined;
    }
    const group = await this.reader.readAsOf(snapshot, 'Group', request.groupId!, client);
    if (!group) return `Group/${request.groupId} was not found in datastore ${snapshot.datastoreId}`;
    await this.plans.addPatientRoots(client, jobId, snapshot, groupPatientIds(group));
    return undefined;
  }

  /**
   * Compartment members of `types`: from the reference index for resources unchanged since T,
   * and from the references of their as-of-T version for resources changed after T.
   */
  private async addMembers(client: PoolClient, jobId: string, snapshot: ExportSnapshot, types: string[]): Promise<void> {
    await this.plans.addIndexedMembers(client, jobId, snapshot, new Map(types.map((type) => [type, patientCompartmentPaths(type)])));
    for await (const batch of this.reader.changedAfterSnapshot(snapshot, types)) {
      const candidates = batch.flatMap((version) => {
        const paths = patientCompartmentPaths(version.resourceType);
        return extractReferences(version.resource)
          .filter((ref) => ref.targetType === 'Patient' && ref.targetId !== undefined && paths.includes(ref.path))
          .map((ref) => ({ resourceType: version.resourceType, id: version.id, patientId: ref.targetId! }));
      });
      await this.plans.addReferencingMembers(client, jobId, candidates);
    }
  }
}

/** Patient ids a Group's `member.entity` references. */
export function groupPatientIds(group: ResourceBody): string[] {
  const members = Array.isArray(group.member) ? (group.member as Array<{ entity?: { reference?: unknown } }>) : [];
  const ids = new Set<string>();
  for (const member of members) {
    const reference = member.entity?.reference;
    if (typeof reference !== 'string') continue;
    const parsed = parseReference(reference, 'member.entity');
    if (parsed.targetType === 'Patient' && parsed.targetId) ids.add(parsed.targetId);
  }
  return [...ids];
}
