/**
 * What every SessionStore must do, as tests each store file runs against its own store: fenced
 * updates that are atomic, conditional deletes, expiry. Each test uses keys of its own.
 */
import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import type { SessionStore } from '../../src/bff/index.js';
import { movableClock, record } from './records.js';

export function storeContract(make: (clock: { now(): number }) => SessionStore): void {
  const key = () => randomBytes(32).toString('base64url');

  it('reads back what sign-in created, with fence 0; an unknown key is null', async () => {
    const clock = movableClock();
    const store = make(clock);
    const k = key();
    expect(await store.get(k)).toBeNull();
    await store.create(k, record(clock.now()));
    expect(await store.get(k)).toEqual({ record: record(clock.now()), fence: 0 });
  });

  it('a fenced update succeeds only with a newer fence: a late holder cannot overwrite a newer record', async () => {
    const clock = movableClock();
    const store = make(clock);
    const k = key();
    await store.create(k, record(clock.now(), 'a'));
    expect(await store.update(k, record(clock.now(), 'new'), 7)).toBe(true);
    expect(await store.update(k, record(clock.now(), 'late'), 5)).toBe(false); // stalled holder, older fence
    expect(await store.update(k, record(clock.now(), 'same'), 7)).toBe(false);
    expect(await store.get(k)).toEqual({ record: record(clock.now(), 'new'), fence: 7 });
    expect(await store.update(key(), record(clock.now()), 9)).toBe(false); // gone: nothing to update
  });

  it('concurrent fenced updates leave the newest fence, whatever order they land in', async () => {
    const clock = movableClock();
    const store = make(clock);
    const k = key();
    await store.create(k, record(clock.now(), '0'));
    const fences = Array.from({ length: 12 }, (_, i) => i + 1).sort(() => Math.random() - 0.5);
    await Promise.all(fences.map((fence) => store.update(k, record(clock.now(), String(fence)), fence)));
    expect(await store.get(k)).toEqual({ record: record(clock.now(), '12'), fence: 12 });
  });

  it('a fenced delete spares a record a newer holder wrote; an unconditional one does not', async () => {
    const clock = movableClock();
    const store = make(clock);
    const k = key();
    await store.create(k, record(clock.now()));
    await store.update(k, record(clock.now(), 'b'), 4);
    await store.delete(k, 3);
    expect((await store.get(k))?.fence).toBe(4);
    await store.delete(k, 5);
    expect(await store.get(k)).toBeNull();
    await store.create(k, record(clock.now()));
    await store.delete(k);
    expect(await store.get(k)).toBeNull();
  });

  it('a record is gone once its session has expired', async () => {
    const clock = movableClock();
    const store = make(clock);
    const k = key();
    await store.create(k, record(clock.now(), 'a', 60_000));
    clock.advance(59_000);
    expect(await store.get(k)).not.toBeNull();
    clock.advance(2_000);
    expect(await store.get(k)).toBeNull();
    expect(await store.update(k, record(clock.now()), 1)).toBe(false);
  });
}
