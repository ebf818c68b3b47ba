import { Module } from '@nestjs/common';
import { AuditLogRepository } from '@fhirlake/persistence';
import type { Pool } from 'pg';
import { PG_POOL } from '../infrastructure/tokens';
import { AuditEventsController } from './audit-events.controller';
import { AuditLogWriter } from './audit-log.writer';
import { AuditTrail } from './audit-trail';

/** The audit log: writer, per-request trail, and the admin read route. */
@Module({
  controllers: [AuditEventsController],
  providers: [{ provide: AuditLogRepository, useFactory: (pool: Pool) => new AuditLogRepository(pool), inject: [PG_POOL] }, AuditLogWriter, AuditTrail],
  exports: [AuditTrail, AuditLogWriter],
})
export class AuditModule {}
