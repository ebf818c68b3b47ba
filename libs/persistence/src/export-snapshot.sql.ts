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
 * SELECT of the snapshot's versions of `resourceType` (only `id`, or only `resource`), filtered
 * by `since`/`until`/members and optionally an id range, ordered by id. Each branch walks the
 * primary key in id order, so Postgres merges them without sorting resource bodies.
 */
export function snapshotSelect(snapshot: ExportSnapshot, resourceType: string, columns: 'id' | 'resource', range?: IdRange): string {
  const ds = literal(snapshot.datastoreId, /^[0-9A-Za-z-]{1,64}$/, 'datastore id');
  const t = instantLiteral(snapshot.transactionTime);
  const type = typeLiteral(resourceType);
  const inRange = range ? ` AND r.id BETWEEN ${textLiteral(range.firstId)} AND ${textLiteral(range.lastId)}` : '';
  const filters: string[] = [];
  if (snapshot.since) filters.push(`s.last_updated >= ${instantLiteral(snapshot.since)}`);
  if (snapshot.until) filters.push(`s.last_updated <= ${instantLiteral(snapshot.until)}`);
  // Membership is a correlated primary-key probe per row (OFFSET 0 keeps Postgres from turning it
  // into a join): the member table is filled inside the planning transaction, so its statistics
  // are stale, and a join planned on them can degrade to a quadratic nested loop.
  const members = snapshot.membersOfJob
    ? ` AND EXISTS (SELECT 1 FROM fhir_export_member m WHERE m.job_id = ${literal(snapshot.membersOfJob, /^[0-9a-f]{32}$/, 'job id')} AND m.resource_type = ${type} AND m.id = r.id OFFSET 0)`
    : '';
  const bodyColumn = columns === 'id' ? '' : ', r.resource';
  const historyBodyColumn = columns === 'id' ? '' : ', h.resource';
  return `SELECT ${columns === 'id' ? 's.id' : 's.resource'} FROM (
      SELECT r.id, r.last_updated${bodyColumn} FROM fhir_resource r
       WHERE r.datastore_id = ${ds} AND r.resource_type = ${type}${inRange} AND r.last_updated <= ${t} AND NOT r.deleted${members}
      UNION ALL
      SELECT r.id, h.last_updated${historyBodyColumn} FROM fhir_resource r
       CROSS JOIN LATERAL (
         SELECT h.last_updated, h.deleted, h.resource FROM fhir_resource_history h
          WHERE h.datastore_id = r.datastore_id AND h.resource_type = r.resource_type AND h.id = r.id AND h.last_updated <= ${t}
          ORDER BY h.version_id DESC LIMIT 1) h
       WHERE r.datastore_id = ${ds} AND r.resource_type = ${type}${inRange} AND r.last_updated > ${t} AND NOT h.deleted${members}
    ) s${filters.length ? ` WHERE ${filters.join(' AND ')}` : ''}
    ORDER BY s.id`;
}
