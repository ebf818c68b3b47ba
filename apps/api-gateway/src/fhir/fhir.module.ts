import { Module } from '@nestjs/common';
import { ControlPlaneModule } from '../control-plane/control-plane.module';
import { BulkExportController } from './bulk-export.controller';
import { FhirController } from './fhir.controller';
import { FhirResourceService } from './fhir-resource.service';

// BulkExportController first: its $export and export/{id} routes must win over /{type} and /{type}/{id}.
@Module({ imports: [ControlPlaneModule], controllers: [BulkExportController, FhirController], providers: [FhirResourceService] })
export class FhirModule {}
