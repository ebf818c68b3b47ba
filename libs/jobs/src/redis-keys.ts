/** Redis key layout, all under one configurable prefix so stacks and test runs can share a Redis. */
export const redisKeys = (prefix: string) => ({
  /** The coordinator replica currently acting (value: replica id). */
  coordinatorLeader: `${prefix}:coordinator:leader`,
  /** Lease on a datastore's active job (value: "<jobId>:<epoch>:<workerId>"). */
  datastoreLease: (datastoreId: string) => `${prefix}:lease:datastore:${datastoreId}`,
  /** BullMQ's own key prefix. */
  bullPrefix: `${prefix}:bull`,
});
