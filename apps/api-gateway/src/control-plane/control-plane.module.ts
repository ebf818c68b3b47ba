import { Module } from '@nestjs/common';
import { AWS_OPERATION_PROVIDERS, type AwsOperationProvider } from './aws-operation';
import { AwsJsonController } from './aws-json.controller';
import { DatastoreOperations } from './datastores/datastore.operations';
import { DatastoreRestController } from './datastores/datastore-rest.controller';
import { DatastoreService } from './datastores/datastore.service';

/** The HealthLake control plane: AWS JSON 1.0 at POST / and the equivalent REST routes. */
@Module({
  controllers: [AwsJsonController, DatastoreRestController],
  providers: [
    DatastoreService,
    DatastoreOperations,
    {
      provide: AWS_OPERATION_PROVIDERS,
      useFactory: (...providers: AwsOperationProvider[]) => providers,
      inject: [DatastoreOperations],
    },
  ],
  exports: [DatastoreService],
})
export class ControlPlaneModule {}
