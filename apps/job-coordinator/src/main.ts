import 'reflect-metadata';
import { bootstrapWorkerApp } from '@fhirlake/coordination';
import { JobCoordinatorModule } from './job-coordinator.module';

void bootstrapWorkerApp('job-coordinator', (env) => JobCoordinatorModule.forRoot(env));
