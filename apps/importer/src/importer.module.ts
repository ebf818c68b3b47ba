import { type DynamicModule, Module } from '@nestjs/common';
import type { BaseEnv } from '@fhirlake/config';
import { WorkerInfrastructureModule } from '@fhirlake/coordination';

@Module({})
export class ImporterModule {
  static forRoot(env: BaseEnv): DynamicModule {
    return { module: ImporterModule, imports: [WorkerInfrastructureModule.forRoot(env, 'importer')] };
  }
}
