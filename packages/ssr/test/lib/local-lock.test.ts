/** The per-client lock: one queue, in order, surviving a failed critical section. */
import { describe, expect, it } from 'vitest';
import { localLock } from '../../src/lib/local-lock.js';

describe('localLock', () => {
  it('runs critical sections one at a time, in order, whatever their names', async () => {
    const lock = localLock();
    const events: string[] = [];
    const section = (label: string, ms: number) =>
      lock.run(label, async () => {
        events.push(`${label}+`);
        await new Promise((resolve) => setTimeout(resolve, ms));
        events.push(`${label}-`);
        return label;
      });
    expect(await Promise.all([section('a', 15), section('b', 1), section('c', 5)])).toEqual(['a', 'b', 'c']);
    expect(events).toEqual(['a+', 'a-', 'b+', 'b-', 'c+', 'c-']);
  });

  it('a section that throws rejects its caller and does not block the next', async () => {
    const lock = localLock();
    await expect(lock.run('x', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await lock.run('x', async () => 1)).toBe(1);
  });

  it('two locks do not wait for each other', async () => {
    const a = localLock();
    const b = localLock();
    let release!: () => void;
    const held = a.run('k', () => new Promise<void>((resolve) => (release = resolve)));
    expect(await b.run('k', async () => 'free')).toBe('free');
    release();
    await held;
  });
});
