import { type DynamicModule, Module } from '@nestjs/common';
import type { BaseEnv } from '@fhirlake/config';
import { WorkerInfrastructureModule } from '@fhirlake/coordination';

@Module({})
export class ExporterModule {
  static forRoot(env: BaseEnv): DynamicModule {
    return { module: ExporterModule, imports: [WorkerInfrastructureModule.forRoot(env, 'exporter')] };
  }
}
