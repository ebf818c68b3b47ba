import { RedisLease } from '@fhirlake/coordination';
import type { Redis } from 'ioredis';

/**
 * Exactly one coordinator replica acts at a time: the holder of a short Redis lease. A dead
 * leader's lease expires within `ttlMs`, and the next replica to try takes over.
 */
export class LeaderElection {
  private readonly lease: RedisLease;
  private leader = false;

  constructor(redis: Redis, key: string, holder: string, ttlMs: number) {
    this.lease = new RedisLease(redis, key, holder, ttlMs);
  }

  /** Acquires or renews leadership; returns whether this replica leads now. */
  async poll(): Promise<boolean> {
    this.leader = this.leader ? await this.lease.renew() : await this.lease.acquire();
    return this.leader;
  }

  isLeader(): boolean {
    return this.leader;
  }

  async resign(): Promise<void> {
    if (this.leader) await this.lease.release();
    this.leader = false;
  }
}
