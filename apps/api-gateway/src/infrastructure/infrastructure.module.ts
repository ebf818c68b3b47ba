import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { GatewayEnv } from '@fhirlake/config';
import type { KMSClient } from '@aws-sdk/client-kms';
import type { S3Client } from '@aws-sdk/client-s3';
import { createIamClient, createKmsClient, createS3Client, createStsClient } from '@fhirlake/cloud';
import { createPgPool, FhirResourceRepository, JobRepository } from '@fhirlake/persistence';
import { createPrismaClient, DatastoreRepository, PrismaClient, ServerSecretRepository } from '@fhirlake/persistence/prisma';
import type { Pool } from 'pg';
import { PaginationTokens } from '../control-plane/pagination-token';
import { ARN_CONTEXT, GATEWAY_CONFIG, IAM_CLIENT, KMS_CLIENT, PG_POOL, S3_CLIENT, STS_CLIENT } from './tokens';

/** Connections and repositories of the gateway; the only place they are created. */
@Global()
@Module({})
export class InfrastructureModule implements OnApplicationShutdown {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly prisma: PrismaClient,
    @Inject(S3_CLIENT) private readonly s3: S3Client,
    @Inject(KMS_CLIENT) private readonly kms: KMSClient,
    @Inject(IAM_CLIENT) private readonly iam: ReturnType<typeof createIamClient>,
    @Inject(STS_CLIENT) private readonly sts: ReturnType<typeof createStsClient>,
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
        { provide: JobRepository, useFactory: (pool: Pool) => new JobRepository(pool), inject: [PG_POOL] },
        { provide: S3_CLIENT, useFactory: () => createS3Client(config) },
        { provide: KMS_CLIENT, useFactory: () => createKmsClient(config) },
        { provide: IAM_CLIENT, useFactory: () => createIamClient(config) },
        { provide: STS_CLIENT, useFactory: () => createStsClient(config) },
        {
          provide: PaginationTokens,
          useFactory: async (prisma: PrismaClient) => new PaginationTokens(await new ServerSecretRepository(prisma).getOrCreate('pagination-token')),
          inject: [PrismaClient],
        },
      ],
      exports: [GATEWAY_CONFIG, ARN_CONTEXT, PG_POOL, PrismaClient, DatastoreRepository, FhirResourceRepository, JobRepository, PaginationTokens, S3_CLIENT, KMS_CLIENT, IAM_CLIENT, STS_CLIENT],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    this.s3.destroy();
    this.kms.destroy();
    this.iam.destroy();
    this.sts.destroy();
    await Promise.all([this.pool.end(), this.prisma.$disconnect()]);
  }
}
