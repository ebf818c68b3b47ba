import { Module } from '@nestjs/common';
import { AWS_OPERATION_PROVIDERS, type AwsOperationProvider } from './aws-operation';
import { AwsJsonController } from './aws-json.controller';
import { DatastoreOperations } from './datastores/datastore.operations';
import { DatastoreRestController } from './datastores/datastore-rest.controller';
import { DatastoreService } from './datastores/datastore.service';
import type { KMSClient } from '@aws-sdk/client-kms';
import type { S3Client } from '@aws-sdk/client-s3';
import type { GatewayEnv } from '@fhirlake/config';
import type { createIamClient, createStsClient } from '@fhirlake/cloud';
import { GATEWAY_CONFIG, IAM_CLIENT, KMS_CLIENT, S3_CLIENT, STS_CLIENT } from '../infrastructure/tokens';
import { CloudJobPreflight } from './jobs/cloud-job-preflight';
import { JOB_PREFLIGHT } from './jobs/job-preflight';
import { JobOperations } from './jobs/job.operations';
import { JobRestController } from './jobs/job-rest.controller';
import { JobService } from './jobs/job.service';

/** The HealthLake control plane: AWS JSON 1.0 at POST / and the equivalent REST routes. */
@Module({
  controllers: [AwsJsonController, DatastoreRestController, JobRestController],
  providers: [
    DatastoreService,
    DatastoreOperations,
    JobService,
    JobOperations,
    {
      provide: JOB_PREFLIGHT,
      useFactory: (config: GatewayEnv, s3: S3Client, kms: KMSClient, iam: ReturnType<typeof createIamClient>, sts: ReturnType<typeof createStsClient>) =>
        new CloudJobPreflight(config, { s3, kms, iam, sts }),
      inject: [GATEWAY_CONFIG, S3_CLIENT, KMS_CLIENT, IAM_CLIENT, STS_CLIENT],
    },
    {
      provide: AWS_OPERATION_PROVIDERS,
      useFactory: (...providers: AwsOperationProvider[]) => providers,
      inject: [DatastoreOperations, JobOperations],
    },
  ],
  exports: [DatastoreService, JobService],
})
export class ControlPlaneModule {}
