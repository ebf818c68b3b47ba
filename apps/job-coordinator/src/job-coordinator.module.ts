import { type DynamicModule, Module } from '@nestjs/common';
import type { BaseEnv } from '@fhirlake/config';
import { WorkerInfrastructureModule } from '@fhirlake/coordination';

@Module({})
export class JobCoordinatorModule {
  static forRoot(env: BaseEnv): DynamicModule {
    return { module: JobCoordinatorModule, imports: [WorkerInfrastructureModule.forRoot(env, 'job-coordinator')] };
  }
}
