import { describe, expect, it } from 'vitest';
import { normalizeOptions } from '../../src/lib/options.js';
import { AUDIENCE, ISSUER, makeKey } from '../support/tokens.js';

describe('normalizeOptions', () => {
  it('fills the documented defaults, durations in milliseconds', () => {
    const settings = normalizeOptions({ jwksUrl: `${ISSUER}/.well-known/jwks.json`, issuer: ISSUER, audience: AUDIENCE });
    expect([...settings.algorithms]).toEqual(['ES256']);
    expect(settings.clockTolerance).toBe(5);
    expect(settings.cacheEntries).toBe(10_000);
    expect(settings.keys).toEqual({
      kind: 'remote',
      url: `${ISSUER}/.well-known/jwks.json`,
      maxAgeMs: 600_000,
      cooldownMs: 30_000,
      timeoutMs: 5_000,
      maxStaleMs: 3_600_000,
    });
    expect(settings.session).toEqual({ userUrl: `${ISSUER}/user`, ttlMs: 5_000, timeoutMs: 3_000, apiKey: undefined });
    expect(settings.now).toBe(Date.now);
  });

  it('takes seconds and turns them into milliseconds', () => {
    const settings = normalizeOptions({
      jwksUrl: new URL('https://auth.test/jwks'),
      issuer: ISSUER,
      audience: [AUDIENCE, 'api'],
      jwks: { maxAge: 60, cooldown: 10, timeout: 1.5, maxStale: 90 },
      session: { url: 'https://auth.test/auth/v1/', ttl: 0, timeout: 0.5, apiKey: 'pk' },
      cache: false,
    });
    expect(settings.keys).toMatchObject({ maxAgeMs: 60_000, cooldownMs: 10_000, timeoutMs: 1_500, maxStaleMs: 90_000 });
    expect(settings.session).toEqual({ userUrl: 'https://auth.test/auth/v1/user', ttlMs: 0, timeoutMs: 500, apiKey: 'pk' });
    expect(settings.cacheEntries).toBe(0);
    expect([...settings.audiences]).toEqual([AUDIENCE, 'api']);
  });

  it('caps the cooldown at the max age', () => {
    const settings = normalizeOptions({
      jwksUrl: 'https://auth.test/jwks',
      issuer: ISSUER,
      audience: AUDIENCE,
      jwks: { maxAge: 5, cooldown: 60 },
    });
    expect(settings.keys).toMatchObject({ maxAgeMs: 5_000, cooldownMs: 5_000 });
  });

  it('imports static keys at creation', () => {
    const key = makeKey();
    const settings = normalizeOptions({ keys: [key.jwk], issuer: ISSUER, audience: AUDIENCE });
    expect(settings.keys.kind === 'static' && settings.keys.entries.map((e) => e.kid)).toEqual([key.kid]);
  });

  it('names the option at fault', () => {
    expect(() => normalizeOptions({ jwksUrl: 'https://a.test/j', issuer: ISSUER, audience: AUDIENCE, jwks: { cooldown: -1 } })).toThrow(
      /jwks\.cooldown/,
    );
    expect(() =>
      normalizeOptions({ jwksUrl: 'https://a.test/j', issuer: ISSUER, audience: AUDIENCE, jwks: { maxStale: Number.NaN } }),
    ).toThrow(/jwks\.maxStale/);
    expect(() => normalizeOptions({ keys: [makeKey().jwk, { kty: 'oct' }], issuer: ISSUER, audience: AUDIENCE })).toThrow(/keys\[1\]/);
    expect(() => normalizeOptions({ keys: [makeKey().jwk], issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256' as never] })).toThrow(
      /"HS256" is not supported/,
    );
  });
});
