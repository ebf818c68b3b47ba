import type { RedisLease } from './redis-lease';

/**
 * Renews a held lease every third of its TTL until stopped; calls `onLost` once if a renewal
 * fails, so the holder stops acting.
 */
export function keepLease(lease: RedisLease, onLost: () => void): { stop(): Promise<void> } {
  let stopped = false;
  const timer = setInterval(() => {
    lease.renew().then(
      (held) => {
        if (!held && !stopped) {
          stopped = true;
          clearInterval(timer);
          onLost();
        }
      },
      () => undefined, // a failed round trip is retried at the next tick; the TTL covers the gap
    );
  }, Math.max(100, Math.floor(lease.ttlMs / 3)));
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await lease.release().catch(() => undefined);
    },
  };
}
