import type { Pool } from 'pg';

/** A comparison on meta.lastUpdated; `from`/`to` bound a half-open range [from, to). */
export interface LastUpdatedBound {
  op: 'gt' | 'ge' | 'lt' | 'le' | 'eq' | 'ne';
  from: Date;
  to: Date;
}

/** Resources that reference `targetType/targetId` from one of `paths`. */
export interface ReferenceFilter {
  paths: string[];
  targetType: string;
  targetId: string;
}

export interface ResourceSearch {
  ids?: string[];
  lastUpdated?: LastUpdatedBound[];
  references?: ReferenceFilter[];
  count: number;
  offset: number;
}

// Each bound binds only the placeholders it uses: Postgres rejects parameters it cannot type.
type Placeholder = () => string;
const LAST_UPDATED_SQL: Record<LastUpdatedBound['op'], (from: Placeholder, to: Placeholder) => string> = {
  gt: (_from, to) => `last_updated >= ${to()}`,
  ge: (from) => `last_updated >= ${from()}`,
  lt: (from) => `last_updated < ${from()}`,
  le: (_from, to) => `last_updated < ${to()}`,
  eq: (from, to) => `(last_updated >= ${from()} AND last_updated < ${to()})`,
  ne: (from, to) => `(last_updated < ${from()} OR last_updated >= ${to()})`,
};

/** Runs a search over current resources with bound parameters only (no string interpolation of values). */
export async function searchResources<Row>(pool: Pool, columns: string, datastoreId: string, resourceType: string, search: ResourceSearch): Promise<{ rows: Row[]; total: number }> {
  const params: unknown[] = [datastoreId, resourceType];
  const bind = (value: unknown) => `$${params.push(value)}`;
  const where = ['r.datastore_id = $1', 'r.resource_type = $2', 'NOT r.deleted'];
  if (search.ids) where.push(`r.id = ANY(${bind(search.ids)}::text[])`);
  for (const bound of search.lastUpdated ?? []) {
    where.push(LAST_UPDATED_SQL[bound.op](() => `${bind(bound.from.toISOString())}::timestamptz`, () => `${bind(bound.to.toISOString())}::timestamptz`));
  }
  for (const ref of search.references ?? []) {
    where.push(`EXISTS (SELECT 1 FROM fhir_reference f WHERE f.datastore_id = r.datastore_id AND f.source_type = r.resource_type
      AND f.source_id = r.id AND f.path = ANY(${bind(ref.paths)}::text[]) AND f.target_type = ${bind(ref.targetType)} AND f.target_id = ${bind(ref.targetId)})`);
  }
  const condition = where.join(' AND ');
  const [page, count] = await Promise.all([
    pool.query<Row & Record<string, unknown>>(
      `SELECT ${columns} FROM fhir_resource r WHERE ${condition} ORDER BY r.last_updated DESC, r.id LIMIT ${bind(search.count)} OFFSET ${bind(search.offset)}`,
      params,
    ),
    pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM fhir_resource r WHERE ${condition}`, params.slice(0, params.length - 2)),
  ]);
  return { rows: page.rows, total: count.rows[0].n };
}
