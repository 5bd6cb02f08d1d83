/** Cookie storage against a cookie jar that enforces the 4096-byte per-cookie limit. */
import { describe, expect, it } from 'vitest';
import { cookieStorage } from '../../src/storage/cookie.js';
import { session } from '../helpers.js';

/** `document.cookie` semantics: the setter takes one cookie with attributes; the getter lists name=value pairs. */
function cookieJar() {
  const jar = new Map<string, string>();
  const written: string[] = [];
  return {
    jar,
    written,
    get cookie() {
      return [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
    },
    set cookie(line: string) {
      written.push(line);
      const [pair, ...attributes] = line.split('; ');
      const index = (pair as string).indexOf('=');
      const name = (pair as string).slice(0, index);
      const value = (pair as string).slice(index + 1);
      if (name.length + value.length > 4096) throw new Error(`cookie ${name} over 4096 bytes: a browser would drop it`);
      if (attributes.includes('Max-Age=0')) jar.delete(name);
      else jar.set(name, value);
    },
  };
}

describe('cookieStorage', () => {
  it('a session with a large user is split under the per-cookie limit and read back intact', async () => {
    const doc = cookieJar();
    const storage = cookieStorage({ document: doc, secure: true });
    const big = { ...session(1, 0), user: { ...session(1, 0).user, user_metadata: { bio: 'é"; '.repeat(2000) } } };
    const value = JSON.stringify(big);
    await storage.setItem('lk', value);
    expect(doc.jar.size).toBeGreaterThan(2);
    expect(await storage.getItem('lk')).toBe(value);
    expect(doc.written[0]).toMatch(/; Path=\/; Max-Age=34560000; SameSite=Lax; Secure$/);
  });

  it('removal deletes every chunk', async () => {
    const doc = cookieJar();
    const storage = cookieStorage({ document: doc });
    await storage.setItem('lk', 'x'.repeat(10_000));
    await storage.removeItem('lk');
    expect(doc.jar.size).toBe(0);
  });

  it('leaves unrelated cookies alone and finds its own among them', async () => {
    const doc = cookieJar();
    doc.jar.set('other', 'v');
    doc.jar.set('lk2', 'nope');
    const storage = cookieStorage({ document: doc });
    await storage.setItem('lk', 'value; with=specials');
    expect(await storage.getItem('lk')).toBe('value; with=specials');
    await storage.removeItem('lk');
    expect([...doc.jar.keys()]).toEqual(['other', 'lk2']);
  });
});
