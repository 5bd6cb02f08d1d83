/**
 * A Redis client for the tests and the spawned BFF processes, with ioredis's `eval` signature:
 * ioredis itself when it is installed, else a minimal RESP2 client over a socket (enough for
 * EVAL/GET/SET/DEL/QUIT). Either way the code under test sees only `eval(script, numKeys, ...args)`,
 * the structural interface `redisStore` and `redisLock` take.
 *
 * Plain JavaScript: the spawned processes run it with node, without a TypeScript loader.
 */
import net from 'node:net';

class ReplyError extends Error {}

/** Parses one RESP2 value at `offset`; null when the buffer does not hold all of it yet. */
function parse(buffer, offset) {
  const end = buffer.indexOf('\r\n', offset);
  if (end < 0) return null;
  const type = String.fromCharCode(buffer[offset]);
  const line = buffer.toString('utf8', offset + 1, end);
  const next = end + 2;
  switch (type) {
    case '+':
      return { value: line, offset: next };
    case '-':
      return { value: new ReplyError(line), offset: next };
    case ':':
      return { value: Number(line), offset: next };
    case '$': {
      const length = Number(line);
      if (length < 0) return { value: null, offset: next };
      if (buffer.length < next + length + 2) return null;
      return { value: buffer.toString('utf8', next, next + length), offset: next + length + 2 };
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return { value: null, offset: next };
      const items = [];
      let at = next;
      for (let i = 0; i < count; i++) {
        const item = parse(buffer, at);
        if (!item) return null;
        items.push(item.value);
        at = item.offset;
      }
      return { value: items, offset: at };
    }
    default:
      throw new Error(`RESP: unexpected type byte ${type}`);
  }
}

function respClient(url) {
  const { hostname, port } = new URL(url);
  const socket = net.connect(Number(port || 6379), hostname || '127.0.0.1');
  socket.setNoDelay(true);
  let buffer = Buffer.alloc(0);
  const pending = [];
  let failure;
  socket.on('data', (chunk) => {
    buffer = buffer.length ? Buffer.concat([buffer, chunk]) : chunk;
    for (;;) {
      const reply = parse(buffer, 0);
      if (!reply) break;
      buffer = buffer.subarray(reply.offset);
      const waiter = pending.shift();
      if (!waiter) continue;
      if (reply.value instanceof ReplyError) waiter.reject(reply.value);
      else waiter.resolve(reply.value);
    }
  });
  const fail = (error) => {
    failure = error;
    for (const waiter of pending.splice(0)) waiter.reject(error);
  };
  socket.on('error', fail);
  socket.on('close', () => fail(new Error('Redis connection closed')));

  function command(...args) {
    if (failure) return Promise.reject(failure);
    let text = `*${args.length}\r\n`;
    for (const arg of args) {
      const value = String(arg);
      text += `$${Buffer.byteLength(value)}\r\n${value}\r\n`;
    }
    return new Promise((resolve, reject) => {
      pending.push({ resolve, reject });
      socket.write(text);
    });
  }

  return {
    eval: (script, numKeys, ...args) => command('EVAL', script, numKeys, ...args),
    get: (key) => command('GET', key),
    set: (...args) => command('SET', ...args),
    del: (...keys) => command('DEL', ...keys),
    pttl: (key) => command('PTTL', key),
    async quit() {
      await command('QUIT').catch(() => undefined);
      socket.end();
    },
  };
}

/** A connected client: ioredis if it can be imported, else the RESP client above. */
export async function connectRedis(url) {
  const name = 'ioredis';
  try {
    const { default: Redis } = await import(name);
    return new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 1 });
  } catch {
    return respClient(url);
  }
}

/** Deletes every key under `prefix` (a test run's own keys). */
export async function dropPrefix(redis, prefix) {
  await redis.eval(
    "local n = 0 for _, key in ipairs(redis.call('KEYS', ARGV[1])) do redis.call('DEL', key) n = n + 1 end return n",
    0,
    `${prefix}*`,
  );
}
