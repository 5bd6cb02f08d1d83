/**
 * The cookie jar under `@latchkey/client`'s chunked storage — the stack createServerClient uses —
 * without an auth server: sessions of every size round-trip through real Set-Cookie / Cookie
 * headers under the per-cookie limit; a shrinking session leaves no stale chunk; unreadable or
 * incomplete sessions are swept.
 */
import { chunkedStorage } from '@latchkey/client';
import { describe, expect, it } from 'vitest';
import { resolveAttributes } from '../../src/cookies/attributes.js';
import { createCookieJar } from '../../src/cookies/jar.js';
import { webCookies } from '../../src/index.js';
import { readStoredSession } from '@latchkey/client/session-rules';
import { Browser } from '../support/browser.js';

const NAME = 'latchkey.auth.token';
const attributes = resolveAttributes(NAME, {}, true, 'test');

/** One request of `browser`: the storage the client would see, and the response's cookies applied after. */
function request(browser: Browser) {
  const cookies = webCookies(new Request('https://app.example/', { headers: { cookie: browser.header() } }));
  const jar = createCookieJar({ methods: cookies, name: NAME, attributes, isReadable: (value) => readStoredSession(value) !== null });
  const storage = chunkedStorage(jar.storage, { chunkSize: 3180, measure: 'uri' });
  return {
    storage,
    /** Applies the cookies written since the last call to the browser, and returns their Set-Cookie lines. */
    async respond(): Promise<string[]> {
      const already = cookies.setCookieHeaders().length;
      await cookies.setAll(await jar.takeChanges());
      const lines = cookies.setCookieHeaders().slice(already);
      browser.receive(lines);
      return lines;
    },
  };
}

const base64url = (text: string) => Buffer.from(text).toString('base64url');

/** A session shaped like Latchkey's: the metadata twice, in the JWT's claims and in the user. */
function session(metadataBytes: number): string {
  // Characters cookies must not carry raw (; , " space %) and multi-byte ones.
  const alphabet = 'aZ09 ;,"%\\é→🙂{}';
  const chars = [...alphabet];
  let text = '';
  for (let size = 0; size < metadataBytes;) {
    const char = chars[Math.floor(Math.random() * chars.length)]!;
    text += char;
    size += Buffer.byteLength(char);
  }
  const user = { id: 'user-1', aud: 'authenticated', app_metadata: {}, user_metadata: metadataBytes ? { text } : {} };
  const jwt = `${base64url('{"alg":"ES256"}')}.${base64url(JSON.stringify({ sub: 'user-1', user_metadata: user.user_metadata }))}.${'s'.repeat(86)}`;
  return JSON.stringify({
    access_token: jwt,
    refresh_token: 'r'.repeat(64),
    token_type: 'bearer',
    expires_in: 3600,
    expires_at: 2e9,
    user,
  });
}

describe('cookie jar with chunked storage', () => {
  it('round-trips sessions of every size from 0 to 20 kB of user_metadata, each cookie under 4096 bytes', async () => {
    for (let bytes = 0; bytes <= 20 * 1024; bytes += 512) {
      const value = session(bytes);
      const browser = new Browser();
      const write = request(browser);
      await write.storage.setItem(NAME, value);
      const lines = await write.respond();
      for (const line of lines) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(4096);
      expect(await request(browser).storage.getItem(NAME)).toBe(value);
    }
  });

  it('a session that shrinks deletes the chunks it no longer needs, and only those', async () => {
    const browser = new Browser();
    const big = request(browser);
    await big.storage.setItem(NAME, session(12_000));
    await big.respond();
    const many = browser.names().length;
    expect(many).toBeGreaterThan(5);

    const smaller = request(browser);
    const medium = session(3_000);
    await smaller.storage.setItem(NAME, medium);
    const lines = await smaller.respond();
    const few = browser.names().length;
    expect(few).toBeLessThan(many);
    expect(lines.filter((line) => /Max-Age=0/.test(line))).toHaveLength(many - few);
    expect(await request(browser).storage.getItem(NAME)).toBe(medium);

    const tiny = request(browser);
    const value = session(0);
    await tiny.storage.setItem(NAME, value);
    await tiny.respond();
    expect(browser.names()).toEqual([NAME]);
    expect(await request(browser).storage.getItem(NAME)).toBe(value);
  });

  it('deletes stale chunks that no marker names (a chunk that outlived its session)', async () => {
    const value = session(0);
    const browser = new Browser().receive([`${NAME}=${encodeURIComponent(value)}`, `${NAME}.4=leftover`, `${NAME}.x=not-a-chunk`]);
    const r = request(browser);
    expect(await r.storage.getItem(NAME)).toBe(value);
    await r.storage.setItem(NAME, value); // any write of the session
    await r.respond();
    expect(browser.names()).toEqual([NAME, `${NAME}.x`].sort());
  });

  it('an incomplete chunk set reads as no session and is deleted, never half-read', async () => {
    const browser = new Browser();
    const write = request(browser);
    await write.storage.setItem(NAME, session(8_000));
    await write.respond();
    browser.cookies.delete(`${NAME}.1`); // the browser dropped one (per-domain cookie limit)
    const r = request(browser);
    expect(await r.storage.getItem(NAME)).toBeNull();
    await r.respond();
    expect(browser.names()).toEqual([]);
  });

  it('writes nothing when nothing changed, and writes a change once', async () => {
    const browser = new Browser();
    const r = request(browser);
    expect(await r.respond()).toEqual([]);
    await r.storage.setItem(NAME, session(0));
    expect(await r.respond()).toHaveLength(1);
    expect(await r.respond()).toEqual([]);
  });
});
