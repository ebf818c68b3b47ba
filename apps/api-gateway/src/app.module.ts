import { type DynamicModule, Module } from '@nestjs/common';
import type { GatewayEnv } from '@fhirlake/config';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { ControlPlaneModule } from './control-plane/control-plane.module';
import { FhirModule } from './fhir/fhir.module';
import { HealthController } from './health/health.controller';
import { InfrastructureModule } from './infrastructure/infrastructure.module';

@Module({})
export class AppModule {
  static forRoot(config: GatewayEnv): DynamicModule {
    return {
      module: AppModule,
      imports: [InfrastructureModule.forRoot(config), AuthModule, AuditModule, ControlPlaneModule, FhirModule],
      controllers: [HealthController],
    };
  }
}
