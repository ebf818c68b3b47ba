export * from './redis-connection';
export * from './redis-lease';
export * from './lease-keeper';
export * from './job-runtime';
export * from './worker-infrastructure.module';
export * from './bootstrap-worker-app';
export * from './job-dispatcher';
export * from './graceful-shutdown';
