import { escapeLiteral } from 'pg';

/**
 * A datastore as of an export's transactionTime T (see write-fence.ts): rows of fhir_resource
 * with last_updated <= T and not deleted, plus, for rows changed after T, their newest history
 * version with last_updated <= T unless that version is a deletion.
 */
export interface ExportSnapshot {
  datastoreId: string;
  /** T: an ISO instant (microseconds), as returned by fixSnapshotTime. */
  transactionTime: string;
  /** Only versions with last_updated >= since (ISO instant). */
  since?: string;
  /** Only versions with last_updated <= until (ISO instant). */
  until?: string;
  /** Patient/Group exports: only resources listed in fhir_export_member for this job. */
  membersOfJob?: string;
}

/** An inclusive id range of one resource type (ids compare in the database's collation). */
export interface IdRange {
  firstId: string;
  lastId: string;
}

const TYPE = /^[A-Z][A-Za-z]{0,63}$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

// The snapshot SQL is built with escaped literals rather than parameters because COPY ... TO STDOUT
// cannot take parameters; every value is also checked against its expected shape first.
function literal(value: string, shape?: RegExp, what = 'value'): string {
  if (shape && !shape.test(value)) throw new Error(`invalid ${what} for an export query`);
  return escapeLiteral(value);
}

/** SQL literal of an ISO instant, e.g. for timestamptz comparisons. */
export const instantLiteral = (iso: string): string => `${literal(iso, INSTANT, 'instant')}::timestamptz`;
export const typeLiteral = (type: string): string => literal(type, TYPE, 'resource type');
export const textLiteral = (value: string): string => literal(value);

/**
 * SELECT of the snapshot's versions of `resourceTypes` (all types when omitted), filtered by
 * `since`/`until`/members and optionally an id range, ordered by (type, id). Columns: `id`
 * (resource_type, id) or `resource` (the stored JSON text of the version as of T).
 *
 * One ordered primary-key scan of fhir_resource: a row unchanged since T is its own snapshot
 * version; only for rows changed after T does the lateral subquery look up the newest history
 * version at or before T (its guard skips the lookup otherwise). No sort of resource bodies.
 */
export function snapshotSelect(snapshot: ExportSnapshot, resourceTypes: string | readonly string[] | undefined, columns: 'id' | 'resource', range?: IdRange): string {
  const ds = literal(snapshot.datastoreId, /^[0-9A-Za-z-]{1,64}$/, 'datastore id');
  const t = instantLiteral(snapshot.transactionTime);
  const types = typeof resourceTypes === 'string' ? [resourceTypes] : resourceTypes;
  const conditions = [`r.datastore_id = ${ds}`];
  if (types) conditions.push(types.length === 1 ? `r.resource_type = ${typeLiteral(types[0])}` : `r.resource_type IN (${types.length ? types.map(typeLiteral).join(', ') : 'NULL'})`);
  if (range) conditions.push(`r.id BETWEEN ${textLiteral(range.firstId)} AND ${textLiteral(range.lastId)}`);
  conditions.push(`CASE WHEN r.last_updated <= ${t} THEN NOT r.deleted ELSE h.deleted IS FALSE END`);
  const lastUpdated = `CASE WHEN r.last_updated <= ${t} THEN r.last_updated ELSE h.last_updated END`;
  if (snapshot.since) conditions.push(`${lastUpdated} >= ${instantLiteral(snapshot.since)}`);
  if (snapshot.until) conditions.push(`${lastUpdated} <= ${instantLiteral(snapshot.until)}`);
  if (snapshot.membersOfJob) {
    // A correlated primary-key probe per row (OFFSET 0 keeps Postgres from turning it into a
    // join): the member table is filled inside the planning transaction, so its statistics are
    // stale, and a join planned on them can degrade to a quadratic nested loop.
    conditions.push(`EXISTS (SELECT 1 FROM fhir_export_member m WHERE m.job_id = ${literal(snapshot.membersOfJob, /^[0-9a-f]{32}$/, 'job id')}
      AND m.resource_type = r.resource_type AND m.id = r.id OFFSET 0)`);
  }
  const output = columns === 'id' ? 'r.resource_type, r.id' : `CASE WHEN r.last_updated <= ${t} THEN r.resource ELSE h.resource END AS resource`;
  return `SELECT ${output} FROM fhir_resource r
    LEFT JOIN LATERAL (
      SELECT h.last_updated, h.deleted, h.resource FROM fhir_resource_history h
       WHERE r.last_updated > ${t} AND h.datastore_id = r.datastore_id AND h.resource_type = r.resource_type AND h.id = r.id AND h.last_updated <= ${t}
       ORDER BY h.version_id DESC LIMIT 1) h ON true
    WHERE ${conditions.join('\n      AND ')}
    ORDER BY r.resource_type, r.id`;
}
