import type { Redis } from 'ioredis';

// Compare-and-set scripts: only the holder may renew or release, so an expired holder that wakes
// up late cannot extend or drop a lease someone else now holds.
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * A named, expiring lease in Redis (leader election, per-datastore job lease). Leases decide who
 * *should* act; the Postgres epoch fence decides whose writes *count*, since a paused holder can
 * outlive its lease.
 */
export class RedisLease {
  constructor(
    private readonly redis: Redis,
    readonly key: string,
    readonly holder: string,
    readonly ttlMs: number,
  ) {}

  /** Takes the lease if free (or already ours); true when we hold it afterwards. */
  async acquire(): Promise<boolean> {
    const taken = await this.redis.set(this.key, this.holder, 'PX', this.ttlMs, 'NX');
    return taken === 'OK' || (await this.renew());
  }

  /** Extends our lease; false when we no longer hold it. */
  async renew(): Promise<boolean> {
    return (await this.redis.eval(RENEW, 1, this.key, this.holder, String(this.ttlMs))) === 1;
  }

  async release(): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.key, this.holder);
  }

  /** Who holds the lease now (null when free). */
  currentHolder(): Promise<string | null> {
    return this.redis.get(this.key);
  }
}
