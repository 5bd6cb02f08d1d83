/**
 * The natural batcher behind refresh rotations (src/db/batcher.ts): what it promises callers —
 * no waiting when idle, batching while busy, one key at a time, and failures kept to their item.
 * `run` here is a controllable stand-in for the database: each call waits until the test lets it
 * answer, so batch boundaries are exact rather than timing-dependent.
 */
import { describe, expect, it, vi } from 'vitest';
import { Batcher } from '../../src/db/batcher.js';

interface Item {
  key: string;
  value: number;
}

/** A `run` whose calls the test answers one by one; answers double each value. */
function controlledRun(fail?: (items: Item[]) => boolean) {
  const calls: Array<{ items: Item[]; answer(): void }> = [];
  const waiters: Array<() => void> = [];
  const run = (items: Item[]) =>
    new Promise<number[]>((resolve, reject) => {
      calls.push({
        items,
        answer: () =>
          fail?.(items) ? reject(new Error(`failed: ${items.map((i) => i.key).join(',')}`)) : resolve(items.map((i) => i.value * 2)),
      });
      waiters.splice(0).forEach((w) => w());
    });
  /** Resolves once `n` calls have been made in all. */
  const calls_ = (n: number) =>
    new Promise<void>((resolve) => {
      const check = () => (calls.length >= n ? resolve() : waiters.push(check));
      check();
    });
  return { run, calls, untilCalls: calls_ };
}

const item = (key: string, value = 1): Item => ({ key, value });
const batcher = (run: (items: Item[]) => Promise<number[]>, maxInFlight = 1, maxSize = 64) =>
  new Batcher<Item, number>(run, (i) => i.key, { maxInFlight, maxSize });

describe('Batcher', () => {
  it('sends a lone item at once, as a batch of one', async () => {
    const { run, calls } = controlledRun();
    const b = batcher(run);
    const answer = b.submit(item('a', 21));
    // Synchronously: no timer holds it back.
    expect(calls.map((c) => c.items.length)).toEqual([1]);
    calls[0]!.answer();
    expect(await answer).toBe(42);
  });

  it('items that arrive while a batch is in flight go together in the next one, each getting its own answer', async () => {
    const { run, calls, untilCalls } = controlledRun();
    const b = batcher(run);
    const first = b.submit(item('a', 1));
    const rest = [b.submit(item('b', 2)), b.submit(item('c', 3)), b.submit(item('d', 4))];
    expect(calls).toHaveLength(1);
    calls[0]!.answer();
    await untilCalls(2);
    expect(calls[1]!.items.map((i) => i.key)).toEqual(['b', 'c', 'd']);
    calls[1]!.answer();
    expect(await first).toBe(2);
    expect(await Promise.all(rest)).toEqual([4, 6, 8]);
  });

  it('keeps at most maxInFlight batches at the database', async () => {
    const { run, calls, untilCalls } = controlledRun();
    const b = batcher(run, 2);
    const answers = ['a', 'b', 'c', 'd'].map((k) => b.submit(item(k)));
    expect(calls.map((c) => c.items.map((i) => i.key))).toEqual([['a'], ['b']]);
    expect(b.stats()).toEqual({ queued: 2, inFlight: 2 });
    calls[1]!.answer();
    await untilCalls(3);
    expect(calls[2]!.items.map((i) => i.key)).toEqual(['c', 'd']);
    expect(b.stats()).toEqual({ queued: 0, inFlight: 2 });
    calls[0]!.answer();
    calls[2]!.answer();
    expect(await Promise.all(answers)).toEqual([2, 2, 2, 2]);
    expect(b.stats()).toEqual({ queued: 0, inFlight: 0 });
  });

  it('splits at maxSize', async () => {
    const { run, calls, untilCalls } = controlledRun();
    const b = batcher(run, 1, 2);
    const answers = ['a', 'b', 'c', 'd', 'e'].map((k) => b.submit(item(k)));
    calls[0]!.answer();
    await untilCalls(2);
    calls[1]!.answer();
    await untilCalls(3);
    calls[2]!.answer();
    await Promise.all(answers);
    expect(calls.map((c) => c.items.map((i) => i.key))).toEqual([['a'], ['b', 'c'], ['d', 'e']]);
  });

  it('never puts one key in a batch twice, nor in two batches in flight: the later item waits its turn', async () => {
    const { run, calls, untilCalls } = controlledRun();
    const b = batcher(run, 4);
    const answers = [b.submit(item('s1', 1)), b.submit(item('s1', 2)), b.submit(item('s2', 3)), b.submit(item('s1', 4))];
    // s1's first item and s2 go out; free slots are left unused rather than sending s1 again.
    expect(calls.map((c) => c.items.map((i) => i.value))).toEqual([[1], [3]]);
    expect(b.stats()).toEqual({ queued: 2, inFlight: 2 });
    calls[0]!.answer();
    await untilCalls(3);
    expect(calls[2]!.items.map((i) => i.value)).toEqual([2]);
    calls[2]!.answer();
    await untilCalls(4);
    expect(calls[3]!.items.map((i) => i.value)).toEqual([4]);
    calls[1]!.answer();
    calls[3]!.answer();
    expect(await Promise.all(answers)).toEqual([2, 4, 6, 8]);
  });

  it('a failed batch is retried item by item, so only the bad item fails', async () => {
    // The database refuses any statement that carries "bad".
    const { run, calls, untilCalls } = controlledRun((items) => items.some((i) => i.key === 'bad'));
    const splits: Array<[string, number]> = [];
    const b = new Batcher<Item, number>(run, (i) => i.key, {
      maxInFlight: 1,
      maxSize: 64,
      onSplit: (error, size) => splits.push([(error as Error).message, size]),
    });
    const first = b.submit(item('a', 1));
    const batch = [b.submit(item('b', 2)), b.submit(item('bad', 3)), b.submit(item('c', 4))];
    calls[0]!.answer();
    await untilCalls(2);
    calls[1]!.answer(); // the batch of three fails…
    await untilCalls(5); // …and each of its items goes again alone
    expect(calls.slice(2).map((c) => c.items.map((i) => i.key))).toEqual([['b'], ['bad'], ['c']]);
    for (const c of calls.slice(2)) c.answer();
    const settled = await Promise.allSettled(batch);
    expect(await first).toBe(2);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((settled[1] as PromiseRejectedResult).reason.message).toBe('failed: bad');
    expect(b.stats()).toEqual({ queued: 0, inFlight: 0 });
    // Reported once, for the batch of three; the lone retry's failure is not a split.
    expect(splits).toEqual([['failed: b,bad,c', 3]]);
  });

  it('a lone item that fails rejects with the database error, and the batcher carries on', async () => {
    const { run, calls, untilCalls } = controlledRun((items) => items[0]!.key === 'bad');
    const b = batcher(run);
    const bad = b.submit(item('bad'));
    calls[0]!.answer();
    await expect(bad).rejects.toThrow('failed: bad');
    const good = b.submit(item('good', 5));
    await untilCalls(2);
    calls[1]!.answer();
    expect(await good).toBe(10);
  });

  it('a run that throws synchronously, or answers with the wrong count, rejects instead of hanging', async () => {
    const throwing = new Batcher<Item, number>(
      () => {
        throw new Error('boom');
      },
      (i) => i.key,
      { maxInFlight: 1, maxSize: 8 },
    );
    await expect(throwing.submit(item('a'))).rejects.toThrow('boom');
    const short = new Batcher<Item, number>(
      async () => [],
      (i) => i.key,
      { maxInFlight: 1, maxSize: 8 },
    );
    await expect(short.submit(item('a'))).rejects.toThrow('a batch of 1 got 0 results');
  });

  it('reports each batch size as it is sent', async () => {
    const sizes: number[] = [];
    const { run, calls, untilCalls } = controlledRun();
    const b = new Batcher<Item, number>(run, (i) => i.key, { maxInFlight: 1, maxSize: 8, onBatch: (n) => sizes.push(n) });
    const answers = ['a', 'b', 'c'].map((k) => b.submit(item(k)));
    calls[0]!.answer();
    await untilCalls(2);
    calls[1]!.answer();
    await Promise.all(answers);
    expect(sizes).toEqual([1, 2]);
  });

  it('one batch at a time; another goes only once the one out has stalled stallMs', async () => {
    // The batcher's clock (performance.now, setTimeout) is faked: time moves only when told.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    try {
      const { run, calls } = controlledRun();
      const b = new Batcher<Item, number>(run, (i) => i.key, { maxInFlight: 3, stallMs: 40, maxSize: 8 });
      const answers = [b.submit(item('a'))];
      answers.push(b.submit(item('b')), b.submit(item('c')));
      // 'a' is out; b and c wait although two more batches would be allowed.
      expect(calls.map((c) => c.items.map((i) => i.key))).toEqual([['a']]);
      await vi.advanceTimersByTimeAsync(39);
      expect(calls).toHaveLength(1);
      // 'a' has not answered in stallMs: what waits goes as a second batch.
      await vi.advanceTimersByTimeAsync(1);
      expect(calls.map((c) => c.items.map((i) => i.key))).toEqual([['a'], ['b', 'c']]);
      calls[1]!.answer();
      await Promise.all(answers.slice(1));
      // 'a' is still out and stalled: a new item need not wait behind it.
      const d = b.submit(item('d', 3));
      expect(calls.map((c) => c.items.map((i) => i.key))).toEqual([['a'], ['b', 'c'], ['d']]);
      calls[0]!.answer();
      calls[2]!.answer();
      expect(await answers[0]).toBe(2);
      expect(await d).toBe(6);
      expect(b.stats()).toEqual({ queued: 0, inFlight: 0 });
    } finally {
      vi.useRealTimers();
    }
  });

  it('refuses nonsense limits', () => {
    expect(
      () =>
        new Batcher<Item, number>(
          async () => [],
          (i) => i.key,
          { maxInFlight: 0, maxSize: 1 },
        ),
    ).toThrow(RangeError);
  });
});
