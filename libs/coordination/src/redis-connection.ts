import IORedis, { type Redis } from 'ioredis';

/** An ioredis connection as BullMQ needs it (blocking commands must not time out). */
export function createRedisConnection(url: string, name: string): Redis {
  return new IORedis(url, { maxRetriesPerRequest: null, connectionName: name });
}
