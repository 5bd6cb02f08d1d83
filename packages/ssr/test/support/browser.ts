/**
 * A browser's cookie jar, reduced to what these tests need: it stores what `Set-Cookie` headers
 * say (a `Max-Age=0` deletes) and sends the `Cookie` header back. Attributes are kept for checks.
 */
export interface StoredCookie {
  name: string;
  value: string;
  attributes: Record<string, string | true>;
}

export function parseSetCookie(line: string): StoredCookie {
  const [pair = '', ...rest] = line.split(';');
  const index = pair.indexOf('=');
  const attributes: Record<string, string | true> = {};
  for (const part of rest) {
    const [key = '', ...value] = part.trim().split('=');
    attributes[key.toLowerCase()] = value.length ? value.join('=') : true;
  }
  return { name: pair.slice(0, index).trim(), value: decodeURIComponent(pair.slice(index + 1).trim()), attributes };
}

export class Browser {
  readonly cookies = new Map<string, StoredCookie>();

  /** Applies the `Set-Cookie` lines of a response, in order (a later line for a name wins). */
  receive(lines: string[] | Headers | Response): this {
    const list = lines instanceof Response ? lines.headers.getSetCookie() : lines instanceof Headers ? lines.getSetCookie() : lines;
    for (const line of list) {
      const cookie = parseSetCookie(line);
      if (cookie.attributes['max-age'] === '0') this.cookies.delete(cookie.name);
      else this.cookies.set(cookie.name, cookie);
    }
    return this;
  }

  /** The `Cookie` request header. */
  header(): string {
    return [...this.cookies.values()].map((c) => `${c.name}=${encodeURIComponent(c.value)}`).join('; ');
  }

  clone(): Browser {
    const copy = new Browser();
    for (const [name, cookie] of this.cookies) copy.cookies.set(name, { ...cookie, attributes: { ...cookie.attributes } });
    return copy;
  }

  names(): string[] {
    return [...this.cookies.keys()].sort();
  }
}

/**
 * The session the browser's cookies hold, reassembled as `@latchkey/client`'s chunked storage
 * reads it (`name`, or a `__latchkey_chunks__:<n>` marker and `name.0 … name.<n-1>`).
 */
export function sessionIn(
  browser: Browser,
  name = 'latchkey.auth.token',
): { access_token: string; refresh_token: string; user: { id: string } } | null {
  const base = browser.cookies.get(name)?.value;
  if (!base) return null;
  const marker = /^__latchkey_chunks__:(\d+)$/.exec(base);
  let value = base;
  if (marker) {
    value = '';
    for (let i = 0; i < Number(marker[1]); i++) value += browser.cookies.get(`${name}.${i}`)?.value ?? '';
  }
  return JSON.parse(value);
}
