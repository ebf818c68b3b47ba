import { Controller, Get, Query, UseFilters } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AuditLogRepository } from '@fhirlake/persistence';
import { z } from 'zod';
import { Authorize } from '../auth/route-authorization';
import { AwsJsonExceptionFilter } from '../control-plane/aws-json-exception.filter';
import { PaginationTokens } from '../control-plane/pagination-token';
import { parseCommand } from '../control-plane/parse-command';
import type { ArnContext } from '../control-plane/healthlake-arn';
import { AuditLogWriter } from './audit-log.writer';

export const READ_AUDIT_LOG_ACTION = 'fhirlake:ReadAuditLog';
/** The resource fhirlake:ReadAuditLog is evaluated on. */
export const auditLogArn = (arn: ArnContext) => `arn:aws:fhirlake:${arn.region}:${arn.accountId}:audit-log`;

const auditQuery = z.object({
  principal: z.string().min(1).max(2048).optional(),
  action: z.string().min(1).max(128).optional(),
  datastoreId: z.string().regex(/^[0-9a-f]{32}$/, 'must be a 32-character datastore id').optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  nextToken: z.string().min(1).max(2048).optional(),
});

const auditEventSchema = {
  type: 'object',
  properties: {
    EventId: { type: 'string' },
    EventTime: { type: 'string', format: 'date-time' },
    RequestId: { type: 'string' },
    Principal: { type: 'string', nullable: true, description: 'IAM principal ARN, smart:<issuer>#<subject>, or accessKey/<id> for failed authentication' },
    PrincipalType: { type: 'string', enum: ['iam', 'dev-admin', 'smart', 'anonymous'] },
    Action: { type: 'string', example: 'healthlake:DeleteFHIRDatastore' },
    Resource: { type: 'string', nullable: true, description: 'ARN or FHIR Type/id' },
    DatastoreId: { type: 'string', nullable: true },
    Outcome: { type: 'string', enum: ['allowed', 'denied', 'error'] },
    HttpStatus: { type: 'integer' },
    SourceIp: { type: 'string', nullable: true },
    Reason: { type: 'string', nullable: true, description: 'Why the call was denied' },
  },
};

/** Read access to the append-only audit log (newest first), guarded by fhirlake:ReadAuditLog. */
@ApiTags('Audit log (admin)')
@Controller('admin/audit-events')
@UseFilters(AwsJsonExceptionFilter)
export class AuditEventsController {
  constructor(
    private readonly repository: AuditLogRepository,
    private readonly writer: AuditLogWriter,
    private readonly pageTokens: PaginationTokens,
  ) {}

  @Get()
  @Authorize({ family: 'admin', mode: 'action', resolve: (_req, arn) => ({ action: READ_AUDIT_LOG_ACTION, resource: auditLogArn(arn), audit: true }) })
  @ApiOperation({
    summary: 'List audit events, newest first (IAM action fhirlake:ReadAuditLog on arn:aws:fhirlake:<region>:<account>:audit-log)',
    description: 'Every control-plane call, FHIR write and $export call, and every denied or unauthenticated request. Never holds resource bodies.',
  })
  @ApiQuery({ name: 'principal', required: false, description: 'Exact principal (ARN or smart:<issuer>#<subject>)' })
  @ApiQuery({ name: 'action', required: false, description: 'e.g. healthlake:CreateResource' })
  @ApiQuery({ name: 'datastoreId', required: false })
  @ApiQuery({ name: 'from', required: false, description: 'ISO 8601 date-time, inclusive' })
  @ApiQuery({ name: 'to', required: false, description: 'ISO 8601 date-time, exclusive' })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } })
  @ApiQuery({ name: 'nextToken', required: false })
  @ApiResponse({ status: 200, schema: { type: 'object', properties: { AuditEvents: { type: 'array', items: auditEventSchema }, NextToken: { type: 'string' } } } })
  @ApiResponse({ status: 403, description: 'AccessDeniedException without fhirlake:ReadAuditLog' })
  async list(@Query() query: Record<string, unknown>) {
    const { limit, nextToken, ...filter } = parseCommand(auditQuery, query);
    const scope = JSON.stringify(filter);
    const after = nextToken ? this.pageTokens.verify<{ id: string }>(scope, nextToken) : undefined;
    await this.writer.drain(); // include events of calls that just finished
    const rows = await this.repository.list(
      {
        ...filter,
        from: filter.from ? new Date(filter.from) : undefined,
        to: filter.to ? new Date(filter.to) : undefined,
        beforeId: after?.id,
      },
      limit + 1,
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      AuditEvents: page.map((e) => ({
        EventId: e.id,
        EventTime: e.occurredAt.toISOString(),
        RequestId: e.requestId,
        Principal: e.principal,
        PrincipalType: e.principalType,
        Action: e.action,
        Resource: e.resource,
        DatastoreId: e.datastoreId,
        Outcome: e.outcome,
        HttpStatus: e.httpStatus,
        SourceIp: e.sourceIp,
        Reason: e.reason,
      })),
      ...(rows.length > limit && last ? { NextToken: this.pageTokens.issue(scope, { id: last.id }) } : {}),
    };
  }
}
