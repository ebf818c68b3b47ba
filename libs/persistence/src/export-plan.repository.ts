import type { Pool, PoolClient } from 'pg';
import type { ExportSnapshot } from './export-snapshot.sql';
import type { PlannedRange } from './export-snapshot.reader';
import { instantLiteral, snapshotSelect } from './export-snapshot.sql';

type Queryable = Pool | PoolClient;

export type ExportPartStatus = 'PENDING' | 'DONE' | 'FAILED';

/** A stored part of an export plan: one output object. */
export interface ExportPart extends PlannedRange {
  jobId: string;
  partId: number;
  status: ExportPartStatus;
  objectKey: string;
  bytes: number | null;
  error: string | null;
}

/** Counts over a job's parts. */
export interface ExportPlanSummary {
  partsTotal: number;
  partsDone: number;
  partsFailed: number;
  resourcesTotal: number;
  resourcesExported: number;
}

const PART_COLUMNS = `job_id AS "jobId", part_id AS "partId", resource_type AS "resourceType", part_number AS "partNumber",
  first_id AS "firstId", last_id AS "lastId", resource_count AS "resourceCount", status, object_key AS "objectKey", bytes, error`;

/**
 * An export job's plan (fhir_export_part) and, for Patient/Group exports, its compartment
 * members as of the snapshot (fhir_export_member). Writes take the caller's client so they commit
 * inside the job's fenced transaction.
 */
export class ExportPlanRepository {
  constructor(private readonly pool: Pool) {}

  /** The job's transactionTime with full (microsecond) precision, or undefined before it is fixed. */
  async snapshotTime(jobId: string, db: Queryable = this.pool): Promise<string | undefined> {
    const { rows } = await db.query<{ t: string | null }>(
      `SELECT to_char(transaction_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS t FROM fhir_job WHERE id = $1`,
      [jobId],
    );
    return rows[0]?.t ?? undefined;
  }

  /** Records the transactionTime once (inside the job's fenced transaction); returns the one stored. */
  async setSnapshotTime(client: PoolClient, jobId: string, transactionTime: string): Promise<string> {
    await client.query('UPDATE fhir_job SET transaction_time = $2::timestamptz, updated_at = now() WHERE id = $1 AND transaction_time IS NULL', [jobId, transactionTime]);
    return (await this.snapshotTime(jobId, client))!;
  }

  /** Stores the planned parts (part ids from 1 in the given order). */
  async insertParts(client: PoolClient, jobId: string, parts: Array<PlannedRange & { objectKey: string }>): Promise<void> {
    for (let i = 0; i < parts.length; i += 1000) {
      const batch = parts.slice(i, i + 1000);
      await client.query(
        `INSERT INTO fhir_export_part (job_id, part_id, resource_type, part_number, first_id, last_id, resource_count, object_key)
         SELECT $1, p.part_id, p.resource_type, p.part_number, p.first_id, p.last_id, p.resource_count, p.object_key
           FROM unnest($2::int[], $3::text[], $4::int[], $5::text[], $6::text[], $7::int[], $8::text[])
             AS p(part_id, resource_type, part_number, first_id, last_id, resource_count, object_key)`,
        [
          jobId,
          batch.map((_, j) => i + j + 1),
          batch.map((p) => p.resourceType),
          batch.map((p) => p.partNumber),
          batch.map((p) => p.firstId),
          batch.map((p) => p.lastId),
          batch.map((p) => p.resourceCount),
          batch.map((p) => p.objectKey),
        ],
      );
    }
  }

  /** Every part of the job, in part id order. */
  async parts(jobId: string, db: Queryable = this.pool): Promise<ExportPart[]> {
    const { rows } = await db.query<ExportPart>(`SELECT ${PART_COLUMNS} FROM fhir_export_part WHERE job_id = $1 ORDER BY part_id`, [jobId]);
    return rows;
  }

  async part(jobId: string, partId: number, db: Queryable = this.pool): Promise<ExportPart | undefined> {
    const { rows } = await db.query<ExportPart>(`SELECT ${PART_COLUMNS} FROM fhir_export_part WHERE job_id = $1 AND part_id = $2`, [jobId, partId]);
    return rows[0];
  }

  async summary(jobId: string, db: Queryable = this.pool): Promise<ExportPlanSummary> {
    const { rows } = await db.query<ExportPlanSummary>(
      `SELECT count(*)::int AS "partsTotal",
              count(*) FILTER (WHERE status = 'DONE')::int AS "partsDone",
              count(*) FILTER (WHERE status = 'FAILED')::int AS "partsFailed",
              COALESCE(sum(resource_count), 0)::int AS "resourcesTotal",
              COALESCE(sum(resource_count) FILTER (WHERE status = 'DONE'), 0)::int AS "resourcesExported"
         FROM fhir_export_part WHERE job_id = $1`,
      [jobId],
    );
    return rows[0];
  }

  /** Marks a pending part DONE (call inside the fenced transaction of the part's epoch). */
  async markDone(client: PoolClient, jobId: string, partId: number, epoch: number, bytes: number): Promise<boolean> {
    const { rowCount } = await client.query(
      `UPDATE fhir_export_part SET status = 'DONE', bytes = $3, completed_epoch = $4, error = NULL, updated_at = now()
        WHERE job_id = $1 AND part_id = $2 AND status = 'PENDING'`,
      [jobId, partId, bytes, epoch],
    );
    return rowCount === 1;
  }

  /** Marks a pending part FAILED with a message (no PHI: error names and S3 messages only). */
  async markFailed(client: PoolClient, jobId: string, partId: number, epoch: number, message: string): Promise<void> {
    await client.query(
      `UPDATE fhir_export_part SET status = 'FAILED', error = $3, completed_epoch = $4, updated_at = now()
        WHERE job_id = $1 AND part_id = $2 AND status = 'PENDING'`,
      [jobId, partId, message.slice(0, 2000), epoch],
    );
  }

  /** Drops the job's compartment members (at the start of a re-plan and once the job is over). */
  async clearMembers(db: Queryable, jobId: string): Promise<void> {
    await db.query('DELETE FROM fhir_export_member WHERE job_id = $1', [jobId]);
  }

  /** Refreshes planner statistics of the member table after a plan added many rows (outside the plan's transaction). */
  async analyzeMembers(): Promise<void> {
    await this.pool.query('ANALYZE fhir_export_member');
  }

  /** Roots = every Patient of the snapshot (Patient export). */
  async addAllPatientsAsRoots(client: PoolClient, jobId: string, snapshot: ExportSnapshot): Promise<void> {
    await client.query(
      `INSERT INTO fhir_export_member (job_id, resource_type, id, root)
       SELECT $1, 'Patient', p.id, true FROM (${snapshotSelect(bare(snapshot), 'Patient', 'id')}) p
       ON CONFLICT (job_id, resource_type, id) DO UPDATE SET root = true`,
      [jobId],
    );
  }

  /** Roots = these Patient ids, where the Patient exists in the snapshot (Group export). */
  async addPatientRoots(client: PoolClient, jobId: string, snapshot: ExportSnapshot, patientIds: string[]): Promise<void> {
    await client.query(
      `INSERT INTO fhir_export_member (job_id, resource_type, id, root)
       SELECT $1, 'Patient', p.id, true FROM (${snapshotSelect(bare(snapshot), 'Patient', 'id')}) p WHERE p.id = ANY($2::text[])
       ON CONFLICT (job_id, resource_type, id) DO UPDATE SET root = true`,
      [jobId, patientIds],
    );
  }

  /**
   * Adds resources unchanged since T (so the reference index describes their snapshot version)
   * that reference a root Patient at one of their type's compartment `paths`. One pass over the
   * index's references to Patients for all types together.
   */
  async addIndexedMembers(client: PoolClient, jobId: string, snapshot: ExportSnapshot, paths: ReadonlyMap<string, readonly string[]>): Promise<void> {
    const pairs = [...paths].flatMap(([type, typePaths]) => typePaths.map((path) => [type, path] as const));
    if (pairs.length === 0) return;
    await client.query(
      `INSERT INTO fhir_export_member (job_id, resource_type, id)
       SELECT DISTINCT $1::char(32), f.source_type, f.source_id
         FROM fhir_reference f JOIN unnest($3::text[], $4::text[]) AS c(source_type, path) ON f.source_type = c.source_type AND f.path = c.path
        WHERE f.datastore_id = $2 AND f.target_type = 'Patient'
          AND EXISTS (SELECT 1 FROM fhir_export_member m WHERE m.job_id = $1::char(32) AND m.resource_type = 'Patient' AND m.id = f.target_id AND m.root OFFSET 0)
          AND EXISTS (SELECT 1 FROM fhir_resource r WHERE r.datastore_id = f.datastore_id AND r.resource_type = f.source_type AND r.id = f.source_id
                        AND r.last_updated <= ${instantLiteral(snapshot.transactionTime)} AND NOT r.deleted OFFSET 0)
       ON CONFLICT DO NOTHING`,
      [jobId, snapshot.datastoreId, pairs.map((p) => p[0]), pairs.map((p) => p[1])],
    );
  }

  /** Adds (type, id) pairs whose snapshot version references `patientId`, when that Patient is a root. */
  async addReferencingMembers(client: PoolClient, jobId: string, candidates: Array<{ resourceType: string; id: string; patientId: string }>): Promise<void> {
    if (candidates.length === 0) return;
    await client.query(
      `INSERT INTO fhir_export_member (job_id, resource_type, id)
       SELECT DISTINCT $1, c.resource_type, c.id FROM unnest($2::text[], $3::text[], $4::text[]) AS c(resource_type, id, patient_id)
         JOIN fhir_export_member m ON m.job_id = $1 AND m.resource_type = 'Patient' AND m.root AND m.id = c.patient_id
       ON CONFLICT DO NOTHING`,
      [jobId, candidates.map((c) => c.resourceType), candidates.map((c) => c.id), candidates.map((c) => c.patientId)],
    );
  }
}

/** The snapshot without filters: compartment membership ignores since/until. */
const bare = (snapshot: ExportSnapshot): ExportSnapshot => ({ datastoreId: snapshot.datastoreId, transactionTime: snapshot.transactionTime });
