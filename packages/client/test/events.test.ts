/** The emitter: listeners isolated from each other, never awaited. */
import { describe, expect, it, vi } from 'vitest';
import { createEmitter } from '../src/events.js';

describe('events', () => {
  it('a throwing listener does not stop the others, and is reported', () => {
    const emitter = createEmitter();
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    const seen: string[] = [];
    emitter.on(() => {
      throw new Error('boom');
    });
    emitter.on((event) => void seen.push(event));
    emitter.emit('SIGNED_IN', null);
    expect(seen).toEqual(['SIGNED_IN']);
    expect(error).toHaveBeenCalled();
    error.mockRestore();
  });

  it('does not await async listeners (a callback waiting on the client cannot block it)', () => {
    const emitter = createEmitter();
    const seen: string[] = [];
    emitter.on(() => new Promise(() => {})); // never settles
    emitter.on((event) => void seen.push(event));
    emitter.emit('TOKEN_REFRESHED', null);
    expect(seen).toEqual(['TOKEN_REFRESHED']); // synchronously, despite the pending first one
  });

  it('unsubscribe stops delivery, also mid-emit', () => {
    const emitter = createEmitter();
    const seen: string[] = [];
    let off2 = () => {};
    emitter.on(() => off2());
    off2 = emitter.on((event) => void seen.push(event));
    emitter.emit('SIGNED_IN', null);
    expect(seen).toEqual([]);
  });
});
