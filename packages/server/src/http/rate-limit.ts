/**
 * Token-bucket rate limits, in memory, per process. Each rule allows a burst of `capacity` and
 * refills at `capacity / windowSeconds`. With several processes behind a load balancer the
 * effective limit is per process; that bounds guessing all the same.
 *
 * A bucket is one number, the time it is full again (the generic cell rate algorithm): a key
 * whose time has passed holds nothing worth keeping and is dropped. Each rule has its own bounded
 * table, so a flood under one rule (requests from fresh addresses are cheap) never evicts the
 * state of another (the per-account password failures that slow guessing).
 */
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import type { Clock } from '../clock.js';
import { LatchkeyError } from '../errors.js';

export interface RateRule {
  capacity: number;
  windowSeconds: number;
  /** What the key names: a client address (IPv6 keyed by its /64, see `addressKey`) or an id. */
  per: 'ip' | 'account' | 'session';
  /** Most keys the rule remembers at once (default `DEFAULT_MAX_KEYS`). */
  maxKeys?: number;
}

/** The default limits. Refresh is generous on purpose: a burst of parallel refreshes of one
 * session (100 tabs or API calls after expiry) must never be refused, and reuse detection, not
 * the rate limit, is what stops refresh-token theft. Genuine refreshes are counted per session,
 * junk per IP, so an SSR/BFF host refreshing for many users from one address is never throttled
 * by someone else's junk. */
export const DEFAULT_RULES = {
  /** Password attempts per client IP. */
  passwordPerIp: { capacity: 30, windowSeconds: 300, per: 'ip' },
  /** Failed password attempts per account: slows guessing one account from many IPs. Only
   * password sign-in is limited; the owner's existing sessions keep refreshing. */
  passwordFailuresPerAccount: { capacity: 10, windowSeconds: 900, per: 'account' },
  signupPerIp: { capacity: 30, windowSeconds: 3600, per: 'ip' },
  /** Refresh tokens that fail the MAC check (forged or garbled), per client IP. */
  refreshPerIp: { capacity: 1000, windowSeconds: 60, per: 'ip' },
  /** Genuine refreshes per session: a burst of 100 parallel refreshes fits with room to spare. */
  refreshPerSession: { capacity: 300, windowSeconds: 60, per: 'session' },
  /** Provider sign-ins started, finished or ID tokens presented, per client IP: each costs calls to the provider. */
  oauthPerIp: { capacity: 60, windowSeconds: 300, per: 'ip' },
  /** MFA challenges per client IP (GoTrue's 15 a minute; LATCHKEY_MFA_RATE_LIMIT_CHALLENGE_AND_VERIFY). */
  factorChallengePerIp: { capacity: 15, windowSeconds: 60, per: 'ip' },
  /** MFA verifications per client IP, right or wrong (the same setting). */
  factorVerifyPerIp: { capacity: 15, windowSeconds: 60, per: 'ip' },
  /** Failed verifications per factor, from any IP: what bounds guessing one factor's codes. A
   * guess matches one of the 3 codes of its window with p = 3/10^6; 5 at once then one per 12
   * minutes is at most 125 guesses a day (p ≈ 4·10^-4 a day), each one audited, and the
   * attacker needed the password first. (Per process, like every limit here.) */
  factorFailures: { capacity: 5, windowSeconds: 3600, per: 'account' },
  /** Passkey sign-in ceremonies started per client IP (GoTrue's GOTRUE_RATE_LIMIT_PASSKEY: 30). */
  passkeyPerIp: { capacity: 30, windowSeconds: 300, per: 'ip' },
  /** Console sign-ins per client IP, right or wrong: the secret key has 256 bits, so this only
   * keeps a guesser from costing us work and filling the audit trail. */
  consoleSignInPerIp: { capacity: 10, windowSeconds: 300, per: 'ip' },
} satisfies Record<string, RateRule>;

export type RuleName = keyof typeof DEFAULT_RULES;

/**
 * Keys per rule. Memory stays bounded whoever picks the keys: a key is at most 64 characters
 * (longer ones are hashed) and an entry about 180 bytes (measured on Node 20), so at worst ~18 MB
 * per rule and ~90 MB for all five; refilled buckets are dropped as
 * writes go on, so the tables shrink back after a flood.
 */
export const DEFAULT_MAX_KEYS = 100_000;

// Longer keys (emails run to 255 bytes) are stored as a 128-bit hash: the table's memory does not
// depend on what the caller sends. Two keys share a bucket only if their SHA-256 prefixes collide
// (2^64 work to find one); the NUL prefix keeps a hash apart from any real key (none holds NUL).
const MAX_KEY_LENGTH = 64;
const storedKey = (key: string) =>
  key.length <= MAX_KEY_LENGTH ? key : `\u0000${createHash('sha256').update(key).digest('base64url').slice(0, 22)}`;

/**
 * The key a client address is limited by. IPv4 as is, and IPv4-mapped IPv6 (`::ffff:1.2.3.4`,
 * what a dual-stack socket reports for an IPv4 client) as the IPv4 address it is. IPv6 by its
 * /64: one subscriber or host gets a whole /64 (RFC 6177) and can pick any of its 2^64 addresses
 * per request, so per-address limits would not limit it at all. Anything else (a proxy's odd
 * X-Forwarded-For entry) as given.
 */
export function addressKey(address: string): string {
  const bare = address.includes('%') ? address.slice(0, address.indexOf('%')) : address;
  const version = isIP(bare);
  if (version === 4) return bare;
  if (version !== 6) return address;
  const groups = ipv6Groups(bare);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const [hi, lo] = [groups[6] as number, groups[7] as number];
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (`::` expanded, a trailing dotted quad converted). */
function ipv6Groups(address: string): number[] {
  let text = address.toLowerCase();
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const parse = (part: string) => (part ? part.split(':').map((g) => parseInt(g, 16)) : []);
  const front = parse(head);
  const back = tail === undefined ? [] : parse(tail);
  return [...front, ...Array<number>(8 - front.length - back.length).fill(0), ...back];
}

export class RateLimiter {
  /** Per rule: key → the time (ms) its bucket is full again, least recently written first. */
  private readonly tables = new Map<RuleName, Map<string, number>>();

  constructor(
    private readonly clock: Clock,
    private readonly enabled: boolean,
    private readonly rules: Record<RuleName, RateRule> = DEFAULT_RULES,
    private readonly onLimited: (rule: RuleName) => void = () => {},
  ) {}

  /** The table, stored key, refill interval (ms per token) and tokens owed (taken, not yet refilled) of a rule's bucket. */
  private bucket(rule: RuleName, key: string) {
    const { capacity, windowSeconds, per } = this.rules[rule];
    let table = this.tables.get(rule);
    if (!table) this.tables.set(rule, (table = new Map()));
    const id = storedKey(per === 'ip' ? addressKey(key) : key);
    const now = this.clock();
    const interval = (windowSeconds * 1000) / capacity;
    const fullAt = table.get(id);
    // A bucket that has refilled carries nothing: forget it rather than keep it.
    if (fullAt !== undefined && fullAt <= now) table.delete(id);
    const owed = fullAt === undefined || fullAt <= now ? 0 : (fullAt - now) / interval;
    // A token is left while fewer than `capacity` are owed; the epsilon absorbs the float
    // rounding of repeated additions, so exactly `capacity` takes fit in a burst.
    return { table, id, now, interval, owed, empty: owed > capacity - 1 + 1e-9, capacity };
  }

  private write(rule: RuleName, table: Map<string, number>, id: string, now: number, fullAt: number): void {
    // Re-inserting moves the key to the end: the table's first key is the least recently written.
    table.delete(id);
    // Sweep up to two refilled buckets off the front per write: a table shrinks back as its keys go quiet.
    const front = table.entries();
    for (let swept = 0; swept < 2; swept++) {
      const next = front.next();
      if (next.done || next.value[1] > now) break;
      table.delete(next.value[0]);
    }
    const maxKeys = this.rules[rule].maxKeys ?? DEFAULT_MAX_KEYS;
    if (table.size >= maxKeys) {
      // Evict the least recently written. A key written `windowSeconds` ago has refilled and
      // loses nothing; a live one reaches the front only after `maxKeys` writes of other keys
      // under this same rule since its own (other rules' floods never touch it). For per-account
      // failures that is 100,000 failed password checks (each an argon2 hash, each spending a
      // per-IP token) inside 15 minutes, to win back at most 10 guesses at one account: whoever
      // can make 100,000 guesses gains nothing by it.
      table.delete(table.keys().next().value as string);
    }
    table.set(id, fullAt);
  }

  /** Takes one token or throws `429 over_request_rate_limit`. */
  take(rule: RuleName, key: string): void {
    if (!this.enabled) return;
    const { table, id, now, interval, owed, empty } = this.bucket(rule, key);
    if (empty) this.refuse(rule);
    this.write(rule, table, id, now, now + (owed + 1) * interval);
  }

  /** Throws when the bucket is empty, without taking a token (check before work, take on failure). */
  check(rule: RuleName, key: string): void {
    if (!this.enabled) return;
    if (this.bucket(rule, key).empty) this.refuse(rule);
  }

  private refuse(rule: RuleName): never {
    this.onLimited(rule);
    throw new LatchkeyError('over_request_rate_limit');
  }

  /** Takes a token if one is left; never throws (records a failure after the fact). */
  record(rule: RuleName, key: string): void {
    if (!this.enabled) return;
    const { table, id, now, interval, owed, capacity } = this.bucket(rule, key);
    this.write(rule, table, id, now, now + Math.min(capacity, owed + 1) * interval);
  }

  /** How many keys a rule remembers now (for tests and metrics). */
  size(rule: RuleName): number {
    return this.tables.get(rule)?.size ?? 0;
  }
}
