/** The BFF session cookie: opaque 256-bit ids, HttpOnly always, __Host- by default, only ids of our shape read back. */
import { describe, expect, it } from 'vitest';
import { viewOf } from '../../src/bff/request.js';
import { newSessionId, resolveSessionCookie, storeKey } from '../../src/bff/session-cookie.js';
import { sha256 } from '../../src/lib/hash.js';

const view = (cookie: string) => viewOf(new Request('https://app.example/', { headers: { cookie } }));

describe('session cookie', () => {
  it('ids are 43 base64url characters (32 random bytes), and the store key is their SHA-256', async () => {
    const id = newSessionId();
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(id, 'base64url')).toHaveLength(32);
    expect(await storeKey(id)).toBe(await sha256(id));
    expect(await storeKey(id)).not.toBe(id);
  });

  it('defaults to __Host-latchkey-session, HttpOnly, Secure, SameSite=Lax, Path=/, and clears with Max-Age=0', () => {
    const cookie = resolveSessionCookie({}, 3600);
    expect(cookie.set('x'.repeat(43))).toBe(
      `__Host-latchkey-session=${'x'.repeat(43)}; Path=/; Max-Age=3600; HttpOnly; Secure; SameSite=Lax`,
    );
    expect(cookie.clear()).toBe('__Host-latchkey-session=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax');
    const dev = resolveSessionCookie({ secure: false, sameSite: 'Strict' }, 60);
    expect(dev.set('y'.repeat(43))).toBe(`latchkey-session=${'y'.repeat(43)}; Path=/; Max-Age=60; HttpOnly; SameSite=Strict`);
  });

  it('reads back only a well-formed id', () => {
    const cookie = resolveSessionCookie({}, 60);
    const id = newSessionId();
    expect(cookie.read(view(`other=1; __Host-latchkey-session=${id}`))).toBe(id);
    for (const bad of ['', 'short', `${id}x`, `${id.slice(0, 42)}!`])
      expect(cookie.read(view(`__Host-latchkey-session=${bad}`))).toBeNull();
  });

  it('never lets the cookie be readable by page scripts or sent cross-site', () => {
    expect(() => resolveSessionCookie({ sameSite: 'None' as never }, 60)).toThrow(/Lax" or "Strict/);
    expect(resolveSessionCookie({ httpOnly: false } as never, 60).attributes.httpOnly).toBe(true);
  });
});
