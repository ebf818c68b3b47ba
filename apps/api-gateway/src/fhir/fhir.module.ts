import { Module } from '@nestjs/common';
import { FhirController } from './fhir.controller';
import { FhirResourceService } from './fhir-resource.service';

@Module({ controllers: [FhirController], providers: [FhirResourceService] })
export class FhirModule {}
