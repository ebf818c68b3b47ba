export * from './job-status';
export * from './queues';
export * from './job-events';
export * from './redis-keys';
