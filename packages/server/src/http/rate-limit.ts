/**
 * Token-bucket rate limits, in memory, per process. Each rule allows a burst of `capacity` and
 * refills at `capacity / windowSeconds`. With several processes behind a load balancer the
 * effective limit is per process; that bounds guessing all the same.
 */
import type { Clock } from '../clock.js';
import { LatchkeyError } from '../errors.js';

export interface RateRule {
  capacity: number;
  windowSeconds: number;
}

/** The default limits. Refresh is generous on purpose: a burst of parallel refreshes of one
 * session (100 tabs or API calls after expiry) must never be refused, and reuse detection, not
 * the rate limit, is what stops refresh-token theft. Genuine refreshes are counted per session,
 * junk per IP, so an SSR/BFF host refreshing for many users from one address is never throttled
 * by someone else's junk. */
export const DEFAULT_RULES = {
  /** Password attempts per client IP. */
  passwordPerIp: { capacity: 30, windowSeconds: 300 },
  /** Failed password attempts per account: slows guessing one account from many IPs. Only
   * password sign-in is limited; the owner's existing sessions keep refreshing. */
  passwordFailuresPerAccount: { capacity: 10, windowSeconds: 900 },
  signupPerIp: { capacity: 30, windowSeconds: 3600 },
  /** Refresh tokens that fail the MAC check (forged or garbled), per client IP. */
  refreshPerIp: { capacity: 1000, windowSeconds: 60 },
  /** Genuine refreshes per session: a burst of 100 parallel refreshes fits with room to spare. */
  refreshPerSession: { capacity: 300, windowSeconds: 60 },
  /** MFA challenges per client IP (GoTrue's 15 a minute; LATCHKEY_MFA_RATE_LIMIT_CHALLENGE_AND_VERIFY). */
  factorChallengePerIp: { capacity: 15, windowSeconds: 60 },
  /** MFA verifications per client IP, right or wrong (the same setting). */
  factorVerifyPerIp: { capacity: 15, windowSeconds: 60 },
  /** Failed verifications per factor, from any IP: what bounds guessing one factor's codes. A
   * guess matches one of the 3 codes of its window with p = 3/10^6; 5 at once then one per 12
   * minutes is at most 125 guesses a day (p ≈ 4·10^-4 a day), each one audited, and the
   * attacker needed the password first. (Per process, like every limit here.) */
  factorFailures: { capacity: 5, windowSeconds: 3600 },
  /** Passkey sign-in ceremonies started per client IP (GoTrue's GOTRUE_RATE_LIMIT_PASSKEY: 30). */
  passkeyPerIp: { capacity: 30, windowSeconds: 300 },
} satisfies Record<string, RateRule>;

export type RuleName = keyof typeof DEFAULT_RULES;

interface Bucket {
  tokens: number;
  at: number;
}

// Bounded memory: an attacker cycling through addresses evicts old buckets instead of growing the map.
const MAX_BUCKETS = 100_000;

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly clock: Clock,
    private readonly enabled: boolean,
    private readonly rules: Record<RuleName, RateRule> = DEFAULT_RULES,
    private readonly onLimited: (rule: RuleName) => void = () => {},
  ) {}

  private bucket(rule: RuleName, key: string): { bucket: Bucket; id: string } {
    const { capacity, windowSeconds } = this.rules[rule];
    const id = `${rule}:${key}`;
    const now = this.clock();
    let bucket = this.buckets.get(id);
    if (bucket) {
      bucket.tokens = Math.min(capacity, bucket.tokens + ((now - bucket.at) / 1000) * (capacity / windowSeconds));
      bucket.at = now;
    } else {
      bucket = { tokens: capacity, at: now };
      if (this.buckets.size >= MAX_BUCKETS) this.buckets.delete(this.buckets.keys().next().value as string);
      this.buckets.set(id, bucket);
    }
    return { bucket, id };
  }

  /** Takes one token or throws `429 over_request_rate_limit`. */
  take(rule: RuleName, key: string): void {
    if (!this.enabled) return;
    const { bucket } = this.bucket(rule, key);
    if (bucket.tokens < 1) this.refuse(rule);
    bucket.tokens -= 1;
  }

  /** Throws when the bucket is empty, without taking a token (check before work, take on failure). */
  check(rule: RuleName, key: string): void {
    if (!this.enabled) return;
    if (this.bucket(rule, key).bucket.tokens < 1) this.refuse(rule);
  }

  private refuse(rule: RuleName): never {
    this.onLimited(rule);
    throw new LatchkeyError('over_request_rate_limit');
  }

  /** Takes a token if one is left; never throws (records a failure after the fact). */
  record(rule: RuleName, key: string): void {
    if (!this.enabled) return;
    const { bucket } = this.bucket(rule, key);
    bucket.tokens = Math.max(0, bucket.tokens - 1);
  }
}
