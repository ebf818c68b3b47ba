import 'reflect-metadata';
import { bootstrapWorkerApp } from '@fhirlake/coordination';
import { ImporterModule } from './importer.module';

void bootstrapWorkerApp('importer', (env) => ImporterModule.forRoot(env));
