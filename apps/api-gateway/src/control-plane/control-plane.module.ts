import { Module } from '@nestjs/common';
import { AWS_OPERATION_PROVIDERS, type AwsOperationProvider } from './aws-operation';
import { AwsJsonController } from './aws-json.controller';
import { DatastoreOperations } from './datastores/datastore.operations';
import { DatastoreRestController } from './datastores/datastore-rest.controller';
import { DatastoreService } from './datastores/datastore.service';
import type { KMSClient } from '@aws-sdk/client-kms';
import type { S3Client } from '@aws-sdk/client-s3';
import { KMS_CLIENT, S3_CLIENT } from '../infrastructure/tokens';
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
    { provide: JOB_PREFLIGHT, useFactory: (s3: S3Client, kms: KMSClient) => new CloudJobPreflight(s3, kms), inject: [S3_CLIENT, KMS_CLIENT] },
    {
      provide: AWS_OPERATION_PROVIDERS,
      useFactory: (...providers: AwsOperationProvider[]) => providers,
      inject: [DatastoreOperations, JobOperations],
    },
  ],
  exports: [DatastoreService, JobService],
})
export class ControlPlaneModule {}
