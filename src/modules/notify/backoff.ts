/**
 * Retry timing: exponential backoff with jitter (15 s, 30 s, 1 min … capped at 5 min, each
 * randomised to 50–100 %), a receiver's Retry-After wins (capped at 1 h), and a delivery gives
 * up (status `failed`) once it has been retried for 24 h.
 */
export const BACKOFF_BASE_MS = 15_000;
export const BACKOFF_CAP_MS = 5 * 60_000;
export const RETRY_AFTER_CAP_MS = 60 * 60_000;
export const GIVE_UP_AFTER_MS = 24 * 60 * 60_000;

/** Delay before attempt `attempt + 1`, given `attempt` failures so far (≥ 1); `rand` in [0, 1). */
export function retryDelay(attempt: number, rand: number, retryAfterMs?: number): number {
  if (retryAfterMs !== undefined) return Math.min(Math.max(retryAfterMs, 1000), RETRY_AFTER_CAP_MS);
  const exp = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.min(attempt - 1, 20));
  return Math.round(exp * (0.5 + rand / 2));
}
