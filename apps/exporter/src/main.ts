import 'reflect-metadata';
import { bootstrapWorkerApp } from '@fhirlake/coordination';
import { ExporterModule } from './exporter.module';

void bootstrapWorkerApp('exporter', (env) => ExporterModule.forRoot(env));
