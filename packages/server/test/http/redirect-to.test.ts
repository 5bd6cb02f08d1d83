/**
 * redirect_to: allowed destinations pass (canonical), everything that could carry a session to
 * another host falls back to the site URL. Pure logic; the routes' use of it is covered over HTTP
 * in test/routes/email/verify.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { compileGlob, redirectPolicy } from '../../src/http/redirect-to.js';

const SITE = 'https://app.example.com';
const policy = redirectPolicy(SITE, ['https://*.preview.example.com/**', 'myapp://callback', 'https://docs.example.org/auth/callback']);

describe('redirect_to', () => {
  it.each([
    ['the site, any path and query', 'https://app.example.com/welcome?x=1', 'https://app.example.com/welcome?x=1'],
    ['the site without a path', 'https://app.example.com', 'https://app.example.com/'],
    ['the site, fragment dropped (the session goes there)', 'https://app.example.com/cb#old', 'https://app.example.com/cb'],
    ['a glob entry', 'https://pr-12.preview.example.com/auth/done', 'https://pr-12.preview.example.com/auth/done'],
    ['an exact entry', 'https://docs.example.org/auth/callback', 'https://docs.example.org/auth/callback'],
    ['an app scheme entry', 'myapp://callback', 'myapp://callback'],
  ])('allows %s', (_label, requested, expected) => {
    expect(policy.allowed(requested)).toBe(expected);
    expect(policy.resolve(requested)).toBe(expected);
  });

  it.each([
    ['scheme-relative', '//evil.example'],
    ['scheme-relative with backslashes', '\\\\evil.example'],
    ['relative', '/welcome'],
    ['a host ending like the site', 'https://app.example.com.evil.example/'],
    ['a host starting like the site', 'https://evilapp.example.com/'],
    ['the site as userinfo', 'https://app.example.com@evil.example/'],
    ['the site as userinfo with a password', 'https://app.example.com:pw@evil.example/'],
    ['userinfo on the site itself', 'https://evil@app.example.com/'],
    ['a backslash before @', 'https://evil.example\\@app.example.com/'],
    ['backslashes as slashes', 'https:\\\\evil.example'],
    ['an encoded dot in the host', 'https://app.example.com%2eevil.example/'],
    ['an encoded slash in the host', 'https://evil.example%2f.app.example.com/'],
    ['an encoded @', 'https://app.example.com%40evil.example/'],
    ['a tab in the host', 'https://app.exa\tmple.com.evil.example/'],
    ['a newline', 'https://app.example.com\n.evil.example/'],
    ['javascript:', 'javascript:alert(document.cookie)'],
    ['JavaScript: in capitals, with a fake authority', 'JavaScript://app.example.com/%0aalert(1)'],
    ['data:', 'data:text/html,<script>alert(1)</script>'],
    ['another scheme on the site host', 'http://app.example.com/'],
    ['another port on the site host', 'https://app.example.com:8443/'],
    ['a look-alike host (Cyrillic а)', 'https://аpp.example.com/'],
    ['a trailing-dot host', 'https://app.example.com./'],
    ['a glob entry broken by "?" (host "evil")', 'https://evil?.preview.example.com/'],
    ['a glob entry broken by "#"', 'https://evil#.preview.example.com/'],
    ['a glob entry with two labels for one *', 'https://a.b.preview.example.com/'],
    ['a glob entry on another scheme', 'http://pr-1.preview.example.com/'],
    ['an IP address', 'https://93.184.216.34/'],
    ['a decimal IP address', 'http://1572395042/'],
    ['loopback on another port (not the site)', 'http://127.0.0.1:8080/'],
    ['empty', ''],
  ])('refuses %s (falls back to the site URL)', (_label, requested) => {
    expect(policy.allowed(requested)).toBeUndefined();
    expect(policy.resolve(requested)).toBe(SITE);
  });

  it('a loopback site accepts any port on its host (native apps, dev servers), nothing else', () => {
    const local = redirectPolicy('http://localhost:3000', []);
    expect(local.allowed('http://localhost:5173/cb')).toBe('http://localhost:5173/cb');
    expect(local.allowed('http://localhost.evil.example:3000/')).toBeUndefined();
    expect(local.allowed('http://127.0.0.1:3000/')).toBeUndefined();
  });

  it('an unset redirect_to is the site URL', () => {
    expect(policy.resolve(undefined)).toBe(SITE);
  });
});

describe('allow-list globs (GoTrue syntax: separators "." and "/")', () => {
  it.each([
    ['https://*.example.com', 'https://a.example.com', true],
    ['https://*.example.com', 'https://a.b.example.com', false],
    ['https://**.example.com', 'https://a.b.example.com', true],
    ['https://example.com/*', 'https://example.com/a', true],
    ['https://example.com/*', 'https://example.com/a/b', false],
    ['https://example.com/**', 'https://example.com/a/b?c=d', true],
    ['https://ex?mple.com', 'https://example.com', true],
    ['https://{a,b}.example.com', 'https://b.example.com', true],
    ['https://{a,b}.example.com', 'https://c.example.com', false],
    ['https://[ab].example.com', 'https://a.example.com', true],
    ['https://[!ab].example.com', 'https://a.example.com', false],
    ['https://example.com/\\*', 'https://example.com/*', true],
    ['https://example.com/\\*', 'https://example.com/x', false],
  ])('%s against %s: %s', (pattern, url, expected) => {
    expect(compileGlob(pattern).test(url)).toBe(expected);
  });

  it('a broken pattern is refused at start', () => {
    expect(() => redirectPolicy(SITE, ['https://{a,b.example.com'])).toThrow(/LATCHKEY_URI_ALLOW_LIST: unclosed "\{"/);
    expect(() => compileGlob('https://[ab.example.com')).toThrow(/unclosed "\["/);
  });
});
