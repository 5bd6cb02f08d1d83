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
    readonly concurrency = Math.max(1, availableParallelism() - 1),
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

/** The process-wide queue every password hash and verification goes through. */
export const hashQueue = new HashQueue();
