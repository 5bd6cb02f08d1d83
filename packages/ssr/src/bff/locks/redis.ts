/**
 * A per-session lock in Redis with expiry and fencing tokens (the single-instance Redis lock:
 * `SET key owner NX PX ttl`, released only by its owner).
 *
 * - Expiry: a holder that crashes or hangs blocks the session at most `ttl` ms; then Redis drops
 *   the key and the next waiter takes the lock.
 * - Fencing: each acquisition also takes the next value of one counter (`INCR`, in the same
 *   script). A holder that stalled past its expiry still carries its old fence, and the store
 *   refuses its write once a later holder (larger fence) has written. A lock alone cannot give
 *   that: expiry means two processes *can* believe they hold it.
 */
import { SsrError } from '../../errors.js';
import { randomToken } from '../../lib/hash.js';
import { checkRedis, type RedisLike } from '../stores/redis.js';
import type { Lease, SessionLock } from './types.js';

export interface RedisLockOptions {
  /** Prefix of every key. Default `latchkey:bff:`. */
  prefix?: string;
  /**
   * Milliseconds a holder keeps the lock at most; a crashed holder blocks the session this long.
   * Default 8000: keep it below the auth server's refresh reuse interval (10 s by default), so a
   * refresh that a dead holder sent is still answered with the same successor when the next
   * holder sends it again.
   */
  ttl?: number;
  /** Milliseconds to wait for the lock before `lock_timeout`. Default `ttl` + 2000. */
  wait?: number;
}

const ACQUIRE = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return redis.call('INCR', KEYS[2])
end
return 0`;
// Compare-and-delete: a holder whose lock expired and was taken must not release the new holder's.
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

function positive(value: unknown, fallback: number, name: string): number {
  const number = value ?? fallback;
  if (typeof number !== 'number' || !Number.isFinite(number) || number <= 0) {
    throw new SsrError('invalid_argument', `redisLock: \`${name}\` must be a positive number of milliseconds.`);
  }
  return number;
}

/**
 * A lock per session in Redis, with expiry and fencing tokens.
 *
 * @example
 * const redis = new Redis(process.env.REDIS_URL);
 * const bff = createTokenHandler({ authUrl, store: redisStore(redis), lock: redisLock(redis, { ttl: 8000 }) });
 */
export function redisLock(redis: RedisLike, options: RedisLockOptions = {}): SessionLock {
  checkRedis(redis, 'redisLock');
  const prefix = options.prefix ?? 'latchkey:bff:';
  const ttl = Math.ceil(positive(options.ttl, 8_000, 'ttl'));
  const wait = positive(options.wait, ttl + 2_000, 'wait');
  const fenceKey = `${prefix}fence`;

  return {
    async acquire(key) {
      const lockKey = `${prefix}lock:${key}`;
      // 128 random bits: no other process can guess it and release our lock.
      const owner = randomToken(16);
      const deadline = Date.now() + wait;
      for (let attempt = 0; ; attempt++) {
        const sent = Date.now();
        let fence: number;
        try {
          fence = Number(await redis.eval(ACQUIRE, 2, lockKey, fenceKey, owner, ttl));
        } catch (error) {
          throw new SsrError('store_failed', 'The Redis lock failed.', { cause: error });
        }
        if (fence > 0) {
          let released = false;
          const lease: Lease = {
            fence,
            // Counted from before the command was sent: Redis's clock started the expiry no earlier.
            validUntil: sent + ttl,
            async release() {
              if (released) return;
              released = true;
              // Best effort: a release that fails leaves the key to expire on its own.
              await redis.eval(RELEASE, 1, lockKey, owner).catch(() => undefined);
            },
          };
          return lease;
        }
        const left = deadline - Date.now();
        if (left <= 0) throw new SsrError('lock_timeout');
        // Polling with jitter (10–40 ms, growing a little): waiters do not stampede in step.
        const delay = Math.min(left, 10 + Math.random() * Math.min(30, 5 + attempt * 5));
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    },
  };
}
