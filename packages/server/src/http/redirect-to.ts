/**
 * Where an email link may send the user: `redirect_to` when it names the site (LATCHKEY_SITE_URL)
 * or an entry of LATCHKEY_URI_ALLOW_LIST, else the site URL. GoTrue's rules (utilities'
 * IsRedirectURLValid), made stricter where they let an attacker pick the destination.
 *
 * An open redirect here would hand a session to whoever chose the URL (the session rides in the
 * fragment), so a URL is judged by what a browser would make of it, never by its text alone:
 * it is parsed (WHATWG URL, what browsers run), refused when it is ambiguous, and the canonical
 * form that was judged is the one redirected to.
 */

/** Schemes that run code or read local data instead of navigating: never a destination. */
const NEVER = new Set(['javascript:', 'data:', 'vbscript:', 'file:', 'blob:', 'about:', 'filesystem:']);
const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);
const MAX_URL_LENGTH = 2048;

export interface RedirectPolicy {
  /** The canonical form of `requested` when it is an allowed destination, else undefined. */
  allowed(requested: string): string | undefined;
  /** Where to send the user: `requested` (canonical) if allowed, else the site URL. */
  resolve(requested: string | undefined): string;
}

/**
 * A URL parsed the way a browser would, or undefined when it is not a plain absolute URL:
 * relative or scheme-relative (`//evil`), with credentials (`https://site@evil`), with a
 * backslash (browsers read `https:\\evil` and `https://evil\@site` as paths to evil), with control
 * characters or spaces (which parsers strip or keep inconsistently), or with a scheme that runs
 * code.
 */
function parseDestination(raw: string): URL | undefined {
  if (raw.length === 0 || raw.length > MAX_URL_LENGTH) return undefined;
  // Control characters, spaces and backslashes: the WHATWG parser silently drops tabs and line
  // breaks and turns "\" into "/" for http(s), so the text a pattern sees would not be the URL a
  // browser follows.
  if (/[\u0000-\u0020\u007f\\]/.test(raw)) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    // Not absolute: "//evil.example", "/path", "evil.example".
    return undefined;
  }
  if (NEVER.has(url.protocol)) return undefined;
  // Userinfo never belongs in a redirect and is how "https://site.example@evil.example" reads as the site.
  if (url.username !== '' || url.password !== '') return undefined;
  if (url.protocol === 'http:' || url.protocol === 'https:') {
    // A host the URL standard accepted after decoding (so "%2e", "%2f" tricks are already
    // resolved or refused); beyond that only names and IP literals: GoTrue's rule.
    if (!/^([a-z0-9]([a-z0-9-]*[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$|^\[[0-9a-f:.]+\]$/.test(url.hostname)) return undefined;
  } else if (url.host === '' && !url.pathname.startsWith('/')) {
    // "myapp:callback" (no authority) is fine for an app; anything opaque beyond that is not.
    if (!/^[A-Za-z0-9._~/-]*$/.test(url.pathname)) return undefined;
  }
  return url;
}

/** The URL without its fragment: what is matched and what is redirected to (the session goes in the fragment). */
function canonical(url: URL): string {
  const copy = new URL(url.href);
  copy.hash = '';
  return copy.href;
}

/**
 * Compiles a GoTrue allow-list glob (gobwas/glob with `.` and `/` as separators): `*` is any run
 * of characters within a host label or path segment, `**` any run across them, `?` one such
 * character, `[abc]`/`[!a-z]` a class, `{a,b}` alternatives, `\` escapes. Anchored at both ends.
 */
export function compileGlob(pattern: string): RegExp {
  let i = 0;
  const parse = (inBraces: boolean): string => {
    let out = '';
    while (i < pattern.length) {
      const c = pattern[i] as string;
      if (inBraces && (c === ',' || c === '}')) return out;
      i++;
      if (c === '\\') {
        if (i >= pattern.length) throw new Error(`unfinished escape at the end of "${pattern}"`);
        out += escapeRegExp(pattern[i++] as string);
      } else if (c === '*') {
        if (pattern[i] === '*') {
          i++;
          out += '.*';
        } else out += '[^./]*';
      } else if (c === '?') out += '[^./]';
      else if (c === '[') {
        const end = pattern.indexOf(']', i + 1);
        if (end === -1) throw new Error(`unclosed "[" in "${pattern}"`);
        let body = pattern.slice(i, end);
        i = end + 1;
        const negate = body.startsWith('!');
        if (negate) body = body.slice(1);
        out += `[${negate ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
      } else if (c === '{') {
        const options: string[] = [];
        for (;;) {
          options.push(parse(true));
          const next = pattern[i++];
          if (next === '}') break;
          if (next !== ',') throw new Error(`unclosed "{" in "${pattern}"`);
        }
        out += `(?:${options.join('|')})`;
      } else out += escapeRegExp(c);
    }
    if (inBraces) throw new Error(`unclosed "{" in "${pattern}"`);
    return out;
  };
  return new RegExp(`^${parse(false)}$`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

export function redirectPolicy(siteUrl: string, allowList: readonly string[]): RedirectPolicy {
  const site = new URL(siteUrl);
  const patterns = allowList.map((entry) => {
    try {
      return compileGlob(entry);
    } catch (error) {
      throw new Error(`LATCHKEY_URI_ALLOW_LIST: ${(error as Error).message}`);
    }
  });
  // The fallback is the setting as written (GoTrue's too), so an app sees the URL it configured.
  const siteFallback = siteUrl;

  function allowed(requested: string): string | undefined {
    const url = parseDestination(requested);
    if (!url) return undefined;
    const href = canonical(url);
    // The site itself, any path: same scheme and host, and the same port except on a loopback
    // host, where native apps and dev servers pick free ports (RFC 8252 §7.3; GoTrue's rule).
    if (
      url.protocol === site.protocol &&
      url.hostname === site.hostname &&
      (url.port === site.port || (LOOPBACK_NAMES.has(url.hostname) && (url.protocol === 'http:' || url.protocol === 'https:')))
    ) {
      return href;
    }
    // Allow-list patterns see the canonical text, so "https://*.example.com/**" cannot match
    // "https://evil?.example.com/": that parses as host "evil" and reads "https://evil/?.example.com/".
    // A URL typed without a path ("https://app.example.com") may match the entry written that way.
    const candidates = [href];
    if (url.pathname === '/' && url.search === '' && requested.replace(/#.*$/, '') === href.slice(0, -1))
      candidates.push(href.slice(0, -1));
    if (patterns.some((pattern) => candidates.some((candidate) => pattern.test(candidate)))) return href;
    return undefined;
  }

  return {
    allowed,
    resolve(requested) {
      if (requested === undefined || requested === '') return siteFallback;
      return allowed(requested) ?? siteFallback;
    },
  };
}
