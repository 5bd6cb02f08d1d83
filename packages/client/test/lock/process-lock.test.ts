/** The in-process lock: one holder at a time per name, failures do not wedge it, shared across copies. */
import { describe, expect, it, vi } from 'vitest';
import { processLock } from '../../src/lock/process-lock.js';
import { deferred, flush, uniqueKey } from '../helpers.js';

describe('processLock', () => {
  it('runs holders of one name one at a time, in order; other names are independent', async () => {
    const lock = processLock();
    const name = uniqueKey();
    const gate = deferred<void>();
    const order: string[] = [];
    const first = lock.run(name, async () => {
      order.push('first:start');
      await gate.promise;
      order.push('first:end');
    });
    const second = lock.run(name, async () => void order.push('second'));
    const other = lock.run(uniqueKey(), async () => void order.push('other'));
    await other;
    await flush();
    expect(order).toEqual(['first:start', 'other']);
    gate.resolve();
    await Promise.all([first, second]);
    expect(order).toEqual(['first:start', 'other', 'first:end', 'second']);
  });

  it('a holder that throws releases the lock and its caller gets the error', async () => {
    const lock = processLock();
    const name = uniqueKey();
    await expect(
      lock.run(name, async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await lock.run(name, async () => 'next')).toBe('next');
  });

  it('two copies of the module (duplicate bundles) share the queue', async () => {
    vi.resetModules();
    const copy = await import('../../src/lock/process-lock.js?copy' as string);
    expect(copy.processLock).not.toBe(processLock);
    const name = uniqueKey();
    const gate = deferred<void>();
    const order: string[] = [];
    const a = processLock().run(name, async () => {
      await gate.promise;
      order.push('a');
    });
    const b = copy.processLock().run(name, async () => void order.push('b'));
    await flush();
    expect(order).toEqual([]);
    gate.resolve();
    await Promise.all([a, b]);
    expect(order).toEqual(['a', 'b']);
  });
});
