/**
 * Session records in Redis, through your own client (ioredis, or anything with its `eval`
 * signature): no driver is imported here. Every operation is one Lua script, so each is atomic.
 */
import { SsrError } from '../../errors.js';
import { toRecord } from '../record.js';
import type { SessionStore } from './types.js';

/**
 * The part of an ioredis client the Redis store and lock use. For node-redis v4+, adapt it:
 * `{ eval: (script, n, ...args) => client.eval(script, { keys: args.slice(0, n).map(String), arguments: args.slice(n).map(String) }) }`.
 */
export interface RedisLike {
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
}

export interface RedisStoreOptions {
  /** Prefix of every key. Default `latchkey:bff:`. In Redis Cluster, include a hash tag (`{bff}:`). */
  prefix?: string;
  /** Time source for expiry (tests inject one). Default `Date.now`. */
  clock?: { now(): number };
}

// Values are `<fence>|<expiresAt>|<record JSON>`: the scripts read the fence and the expiry
// without decoding JSON.
const GET = `return redis.call('GET', KEYS[1])`;
const CREATE = `return redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])`;
const UPDATE = `
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
local fence, expires = string.match(current, '^(%d+)|(%d+)|')
if fence == nil or tonumber(fence) >= tonumber(ARGV[2]) or tonumber(expires) <= tonumber(ARGV[4]) then return 0 end
redis.call('SET', KEYS[1], ARGV[2] .. '|' .. ARGV[1], 'PX', ARGV[3])
return 1`;
const DELETE = `
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
if ARGV[1] ~= '' then
  local fence = tonumber(string.match(current, '^(%d+)|'))
  if fence ~= nil and fence >= tonumber(ARGV[1]) then return 0 end
end
return redis.call('DEL', KEYS[1])`;

export function checkRedis(redis: RedisLike, where: string): void {
  if (!redis || typeof redis.eval !== 'function') {
    throw new SsrError('invalid_argument', `${where}: pass an ioredis client (anything with eval(script, numKeys, ...args)).`);
  }
}

/**
 * A store on Redis: one string key per record, expiring with the session (`PX`); the fenced
 * update compares and writes inside one script.
 *
 * @example
 * import Redis from 'ioredis';
 * const redis = new Redis(process.env.REDIS_URL);
 * const bff = createTokenHandler({ authUrl, store: redisStore(redis), lock: redisLock(redis) });
 */
export function redisStore(redis: RedisLike, options: RedisStoreOptions = {}): SessionStore {
  checkRedis(redis, 'redisStore');
  const prefix = options.prefix ?? 'latchkey:bff:';
  const now = () => (options.clock ?? Date).now();
  const keyOf = (key: string) => `${prefix}session:${key}`;
  const ttl = (expiresAt: number) => Math.max(1, Math.ceil(expiresAt - now()));

  async function run<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      // ioredis attaches the failed command's arguments — the session record, tokens included —
      // to its errors: pass on only what names the failure, never the arguments.
      throw new SsrError('store_failed', 'The Redis session store failed.', { cause: sanitized(error) });
    }
  }

  return {
    get: (key) =>
      run(async () => {
        const value = await redis.eval(GET, 1, keyOf(key));
        const parts = typeof value === 'string' ? /^(\d+)\|(\d+)\|/.exec(value) : null;
        if (!parts) return null;
        const record = toRecord((value as string).slice(parts[0].length));
        if (!record || record.expiresAt <= now()) return null;
        return { record, fence: Number(parts[1]) };
      }),
    create: (key, record) =>
      run(async () => {
        await redis.eval(CREATE, 1, keyOf(key), `0|${Math.floor(record.expiresAt)}|${JSON.stringify(record)}`, ttl(record.expiresAt));
      }),
    update: (key, record, fence) =>
      run(async () => {
        const value = `${Math.floor(record.expiresAt)}|${JSON.stringify(record)}`;
        return Number(await redis.eval(UPDATE, 1, keyOf(key), value, fence, ttl(record.expiresAt), now())) === 1;
      }),
    delete: (key, fence) =>
      run(async () => {
        await redis.eval(DELETE, 1, keyOf(key), fence === undefined ? '' : fence);
      }),
  };
}

/** An error's name, message and code, without the command arguments drivers attach to it. */
function sanitized(error: unknown): Error {
  const source = error as { name?: unknown; message?: unknown; code?: unknown } | null;
  const clean = new Error(typeof source?.message === 'string' ? source.message : 'Redis command failed');
  clean.name = typeof source?.name === 'string' ? source.name : 'Error';
  if (typeof source?.code === 'string') (clean as Error & { code?: string }).code = source.code;
  return clean;
}
