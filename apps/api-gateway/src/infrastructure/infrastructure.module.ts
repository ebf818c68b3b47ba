import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { GatewayEnv } from '@fhirlake/config';
import {
  createPgPool,
  createPrismaClient,
  DatastoreRepository,
  FhirResourceRepository,
  PrismaClient,
  ServerSecretRepository,
} from '@fhirlake/persistence';
import type { Pool } from 'pg';
import { PaginationTokens } from '../control-plane/pagination-token';
import { ARN_CONTEXT, GATEWAY_CONFIG, PG_POOL } from './tokens';

/** Connections and repositories of the gateway; the only place they are created. */
@Global()
@Module({})
export class InfrastructureModule implements OnApplicationShutdown {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly prisma: PrismaClient,
  ) {}

  static forRoot(config: GatewayEnv) {
    return {
      module: InfrastructureModule,
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        { provide: ARN_CONTEXT, useValue: { region: config.AWS_REGION, accountId: config.FHIRLAKE_ACCOUNT_ID } },
        { provide: PG_POOL, useFactory: () => createPgPool(config.DATABASE_URL, config.DATABASE_POOL_SIZE, 'fhirlake-gateway') },
        { provide: PrismaClient, useFactory: () => createPrismaClient(config.DATABASE_URL) },
        { provide: DatastoreRepository, useFactory: (prisma: PrismaClient) => new DatastoreRepository(prisma), inject: [PrismaClient] },
        { provide: FhirResourceRepository, useFactory: (pool: Pool) => new FhirResourceRepository(pool), inject: [PG_POOL] },
        {
          provide: PaginationTokens,
          useFactory: async (prisma: PrismaClient) => new PaginationTokens(await new ServerSecretRepository(prisma).getOrCreate('pagination-token')),
          inject: [PrismaClient],
        },
      ],
      exports: [GATEWAY_CONFIG, ARN_CONTEXT, PG_POOL, PrismaClient, DatastoreRepository, FhirResourceRepository, PaginationTokens],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.pool.end(), this.prisma.$disconnect()]);
  }
}
