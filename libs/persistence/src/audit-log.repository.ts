import type { Pool } from 'pg';

export type AuditOutcome = 'allowed' | 'denied' | 'error';

/** One audited call: who, which action on which resource, and how it ended. Never bodies or secrets. */
export interface AuditEventInput {
  occurredAt: Date;
  requestId: string;
  /** IAM principal ARN, `smart:<issuer>#<subject>`, `accessKey/<id>` (failed authentication) or null. */
  principal: string | null;
  principalType: 'iam' | 'dev-admin' | 'smart' | 'anonymous';
  action: string;
  /** ARN or FHIR `Type/id`. */
  resource: string | null;
  datastoreId: string | null;
  outcome: AuditOutcome;
  httpStatus: number;
  sourceIp: string | null;
  /** Why it was denied (names action and resource only). */
  reason: string | null;
}

export interface AuditEvent extends AuditEventInput {
  /** Monotonic id (bigint as a decimal string). */
  id: string;
}

export interface AuditEventFilter {
  principal?: string;
  action?: string;
  datastoreId?: string;
  from?: Date;
  to?: Date;
  /** Resume after this id (newest-first order). */
  beforeId?: string;
}

const LIMITS = { principal: 2048, action: 128, resource: 2048, sourceIp: 64, reason: 1024, requestId: 64 } as const;
const clip = (value: string | null, max: number): string | null => (value === null ? null : value.slice(0, max));

interface AuditRow {
  id: string;
  occurred_at: Date;
  request_id: string;
  principal: string | null;
  principal_type: AuditEventInput['principalType'];
  action: string;
  resource: string | null;
  datastore_id: string | null;
  outcome: AuditOutcome;
  http_status: number;
  source_ip: string | null;
  reason: string | null;
}

/** The append-only audit_event table (the database rejects updates and deletes). */
export class AuditLogRepository {
  constructor(private readonly pool: Pool) {}

  /** Appends events in one statement. */
  async append(events: readonly AuditEventInput[]): Promise<void> {
    if (events.length === 0) return;
    const params: unknown[] = [];
    const rows = events.map((e) => {
      const values = [
        e.occurredAt,
        clip(e.requestId, LIMITS.requestId),
        clip(e.principal, LIMITS.principal),
        e.principalType,
        clip(e.action, LIMITS.action),
        clip(e.resource, LIMITS.resource),
        e.datastoreId !== null && /^[0-9a-f]{32}$/.test(e.datastoreId) ? e.datastoreId : null,
        e.outcome,
        e.httpStatus,
        clip(e.sourceIp, LIMITS.sourceIp),
        clip(e.reason, LIMITS.reason),
      ];
      return `(${values.map((v) => `$${params.push(v)}`).join(', ')})`;
    });
    await this.pool.query(
      `INSERT INTO audit_event (occurred_at, request_id, principal, principal_type, action, resource, datastore_id, outcome, http_status, source_ip, reason)
       VALUES ${rows.join(', ')}`,
      params,
    );
  }

  /** Events matching `filter`, newest first. */
  async list(filter: AuditEventFilter, limit: number): Promise<AuditEvent[]> {
    const params: unknown[] = [];
    const bind = (value: unknown) => `$${params.push(value)}`;
    const where: string[] = [];
    if (filter.principal !== undefined) where.push(`principal = ${bind(filter.principal)}`);
    if (filter.action !== undefined) where.push(`action = ${bind(filter.action)}`);
    if (filter.datastoreId !== undefined) where.push(`datastore_id = ${bind(filter.datastoreId)}`);
    if (filter.from !== undefined) where.push(`occurred_at >= ${bind(filter.from)}`);
    if (filter.to !== undefined) where.push(`occurred_at < ${bind(filter.to)}`);
    if (filter.beforeId !== undefined) where.push(`id < ${bind(filter.beforeId)}::bigint`);
    const { rows } = await this.pool.query<AuditRow>(
      `SELECT id::text AS id, occurred_at, request_id, principal, principal_type, action, resource, datastore_id, outcome, http_status, source_ip, reason
         FROM audit_event ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ${bind(limit)}`,
      params,
    );
    return rows.map((r) => ({
      id: r.id,
      occurredAt: r.occurred_at,
      requestId: r.request_id,
      principal: r.principal,
      principalType: r.principal_type,
      action: r.action,
      resource: r.resource,
      datastoreId: r.datastore_id,
      outcome: r.outcome,
      httpStatus: r.http_status,
      sourceIp: r.source_ip,
      reason: r.reason,
    }));
  }
}
