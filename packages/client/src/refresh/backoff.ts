/** Exponential backoff with jitter, and `Retry-After`. */

export interface BackoffPolicy {
  /** First delay, ms. */
  base: number;
  /** Largest delay, ms. */
  cap: number;
}

/**
 * The wait before retry number `attempt` (0-based): `base · 2^attempt`, capped, then scaled by a
 * random factor in [0.5, 1) ("equal jitter") so clients that failed together do not retry in
 * lockstep. A server's `Retry-After` wins when it asks for longer.
 */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: () => number, retryAfter?: number): number {
  const exponential = Math.min(policy.cap, policy.base * 2 ** attempt);
  const jittered = exponential * (0.5 + random() / 2);
  return Math.max(jittered, retryAfter ?? 0);
}
