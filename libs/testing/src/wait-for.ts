/** Options for {@link waitFor}. */
export interface WaitForOptions {
  /** Give up after this long (default 10 s). */
  timeoutMs?: number;
  /** Pause between attempts (default 100 ms). */
  intervalMs?: number;
  /** Used in the timeout error. */
  description?: string;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `predicate` until it returns a truthy value, and resolves with that value. A predicate that
 * throws counts as "not yet"; the last error is attached to the timeout error as its cause.
 */
export async function waitFor<T>(
  predicate: () => T | Promise<T>,
  { timeoutMs = 10_000, intervalMs = 100, description = 'condition' }: WaitForOptions = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await predicate();
      if (value) return value as NonNullable<T>;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${description}`, { cause: lastError });
    }
    await sleep(intervalMs);
  }
}

/** Resolves with the status of one GET, or `undefined` if nothing answered within `timeoutMs`. */
export async function httpStatus(url: string, timeoutMs = 1_000): Promise<number | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await res.body?.cancel();
    return res.status;
  } catch {
    return undefined;
  }
}

/**
 * Waits until a GET on `url` answers with a 2xx status.
 * @throws after `timeoutMs` (default 30 s).
 */
export async function waitForHttp(url: string, timeoutMs = 30_000): Promise<void> {
  await waitFor(async () => {
    const status = await httpStatus(url);
    return status !== undefined && status >= 200 && status < 300;
  }, { timeoutMs, intervalMs: 200, description: `GET ${url} to answer 2xx` });
}
