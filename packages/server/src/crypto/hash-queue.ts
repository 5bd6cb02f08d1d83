/**
 * A bound on concurrent password hashing. argon2id is deliberately expensive (19 MiB, ~20–50 ms
 * of CPU); left unbounded, a burst of sign-ins occupies every core and the refresh path — which
 * never hashes — waits behind it. Hashing is capped below the core count, and the queue is
 * bounded: past it, a sign-in is answered 503 (retryable) at once instead of piling up.
 */
import { availableParallelism } from 'node:os';
import { LatchkeyError } from '../errors.js';

export class HashQueue {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    readonly concurrency = defaultConcurrency(),
    readonly maxWaiting = 512,
  ) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrency) {
      if (this.waiting.length >= this.maxWaiting)
        throw new LatchkeyError('service_unavailable', 'Too many sign-ins at once; retry shortly.');
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else this.running++;
    try {
      return await task();
    } finally {
      // Hand the slot straight to the next waiter (running stays the same), or free it.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}

/**
 * One hash fewer than the cores, so the event loop keeps a core; and one fewer than libuv's pool
 * threads (4 unless UV_THREADPOOL_SIZE says otherwise), so the pool's other work — DNS lookups
 * when a database connection opens, file access — never queues behind a wall of hashes.
 */
function defaultConcurrency(): number {
  const poolThreads = Number(process.env.UV_THREADPOOL_SIZE) || 4;
  return Math.max(1, Math.min(availableParallelism() - 1, poolThreads - 1));
}

/** The process-wide queue every password hash and verification goes through. */
export const hashQueue = new HashQueue();
