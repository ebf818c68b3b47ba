export * from './redis-connection';
export * from './redis-lease';
export * from './lease-keeper';
