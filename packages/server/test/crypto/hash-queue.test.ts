/** Password hashing is bounded: it never takes every core from the refresh path, and overload is a fast 503. */
import { expect, it } from 'vitest';
import { HashQueue } from '../../src/crypto/hash-queue.js';
import { isLatchkeyError } from '../../src/errors.js';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

it('runs at most `concurrency` tasks at once, in arrival order', async () => {
  const queue = new HashQueue(2, 100);
  let running = 0;
  let peak = 0;
  const order: number[] = [];
  const gates = Array.from({ length: 6 }, deferred);
  const tasks = gates.map((gate, i) =>
    queue.run(async () => {
      running++;
      peak = Math.max(peak, running);
      order.push(i);
      await gate.promise;
      running--;
    }),
  );
  for (const gate of gates) {
    await new Promise((r) => setTimeout(r, 0));
    gate.resolve();
  }
  await Promise.all(tasks);
  expect(peak).toBe(2);
  expect(order).toEqual([0, 1, 2, 3, 4, 5]);
});

it('past the bounded queue, answers service_unavailable at once', async () => {
  const queue = new HashQueue(1, 2);
  const gate = deferred();
  const held = [queue.run(() => gate.promise), queue.run(async () => {}), queue.run(async () => {})];
  const refused = await queue.run(async () => {}).catch((e: unknown) => e);
  expect(isLatchkeyError(refused) && refused.code).toBe('service_unavailable');
  gate.resolve();
  await Promise.all(held);
  // And the queue recovers.
  await expect(queue.run(async () => 'ok')).resolves.toBe('ok');
});

it('a task that throws frees its slot', async () => {
  const queue = new HashQueue(1, 10);
  await expect(queue.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
  await expect(queue.run(async () => 'next')).resolves.toBe('next');
});
