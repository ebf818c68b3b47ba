import { type DynamicModule, Global, Inject, Logger, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { BaseEnv } from '@fhirlake/config';
import { createPgPool, JobRepository } from '@fhirlake/persistence';
import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Pool } from 'pg';
import { createRedisConnection } from './redis-connection';

export const WORKER_ENV = Symbol('WORKER_ENV');
export const WORKER_PG_POOL = Symbol('WORKER_PG_POOL');
export const WORKER_REDIS = Symbol('WORKER_REDIS');
export const WORKER_ID = Symbol('WORKER_ID');
export const APP_NAME = Symbol('APP_NAME');

/**
 * Postgres, Redis and the job repository for a non-HTTP app. Verifies both connections at boot
 * (logging readiness) and closes them on shutdown (SIGTERM via enableShutdownHooks).
 */
@Global()
@Module({})
export class WorkerInfrastructureModule implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger: Logger;

  constructor(
    @Inject(WORKER_PG_POOL) private readonly pool: Pool,
    @Inject(WORKER_REDIS) private readonly redis: Redis,
    @Inject(APP_NAME) private readonly appName: string,
    @Inject(WORKER_ID) private readonly workerId: string,
  ) {
    this.logger = new Logger(appName);
  }

  static forRoot(env: BaseEnv, appName: string): DynamicModule {
    // Unique per instance: several can share a process (tests) or a host.
    const workerId = `${appName}@${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    return {
      module: WorkerInfrastructureModule,
      providers: [
        { provide: WORKER_ENV, useValue: env },
        { provide: APP_NAME, useValue: appName },
        { provide: WORKER_ID, useValue: workerId },
        { provide: WORKER_PG_POOL, useFactory: () => createPgPool(env.DATABASE_URL, env.DATABASE_POOL_SIZE, workerId) },
        { provide: WORKER_REDIS, useFactory: () => createRedisConnection(env.REDIS_URL, workerId) },
        { provide: JobRepository, useFactory: (pool: Pool) => new JobRepository(pool), inject: [WORKER_PG_POOL] },
      ],
      exports: [WORKER_ENV, APP_NAME, WORKER_ID, WORKER_PG_POOL, WORKER_REDIS, JobRepository],
    };
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.pool.query('SELECT 1');
    await this.redis.ping();
    this.logger.log(`${this.appName} ready (worker ${this.workerId}; Postgres and Redis connected)`);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([this.pool.end(), this.redis.quit()]);
    this.logger.log(`${this.appName} stopped`);
  }
}
