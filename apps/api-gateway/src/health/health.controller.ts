import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { Pool } from 'pg';
import { Public } from '../auth/route-authorization';
import { PG_POOL } from '../infrastructure/tokens';

/** Liveness and readiness: 200 when Postgres answers, 503 otherwise. */
@ApiTags('Health')
@Controller('health')
export class HealthController {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  @Get()
  @Public()
  @ApiOperation({ summary: 'Gateway health (checks Postgres)' })
  async health(@Res() res: Response): Promise<void> {
    try {
      await this.pool.query('SELECT 1');
      res.status(200).json({ status: 'ok', postgres: 'up' });
    } catch {
      res.status(503).json({ status: 'unavailable', postgres: 'down' });
    }
  }
}
