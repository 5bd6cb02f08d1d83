/**
 * The remote JWKS cache, against a local HTTP server that counts fetches and can be slow,
 * broken or down; time is injected.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isVerifyError, type VerifyError } from '../../src/errors.js';
import { RemoteKeySet } from '../../src/lib/remote-key-set.js';
import type { Jwk, VerifierOptions } from '../../src/types.js';
import { createVerifier } from '../../src/verifier.js';
import { JWKS_PATH, hang, json, reset, serveKeys, startStub, type StubServer } from '../support/stub-server.js';
import { AUDIENCE, ISSUER, makeKey, signToken, type TestKey } from '../support/tokens.js';

let stub: StubServer;
beforeEach(async () => {
  stub = await startStub();
});
afterEach(async () => {
  await stub.close();
});

const MAX_AGE = 600;
const COOLDOWN = 30;

/** A verifier on the stub's JWKS with its own clock; `published` is what the JWKS serves. */
function rig(keys: TestKey[], extra: Partial<VerifierOptions> = {}) {
  const state = { now: Date.now(), published: keys.map((k) => k.jwk) as Jwk[] };
  stub.on(
    JWKS_PATH,
    serveKeys(() => state.published),
  );
  const verifier = createVerifier({
    jwksUrl: `${stub.url}${JWKS_PATH}`,
    issuer: ISSUER,
    audience: AUDIENCE,
    now: () => state.now,
    jwks: { maxAge: MAX_AGE, cooldown: COOLDOWN, timeout: 2 },
    ...extra,
  });
  const fetches = () => stub.count(JWKS_PATH);
  const advance = (seconds: number) => {
    state.now += seconds * 1000;
  };
  return { state, verifier, fetches, advance };
}

async function code(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    if (isVerifyError(error)) return error.code;
    throw error;
  }
}

describe('fetching', () => {
  it('fetches once for concurrent first calls (single-flight)', async () => {
    const key = makeKey();
    const { verifier, fetches } = rig([key]);
    const results = await Promise.all(Array.from({ length: 20 }, () => verifier.verify(signToken(key))));
    expect(results).toHaveLength(20);
    expect(fetches()).toBe(1);
  });

  it('reuses the keys until maxAge, then refetches once', async () => {
    const key = makeKey();
    const { verifier, fetches, advance } = rig([key], { cache: false });
    await verifier.verify(signToken(key));
    advance(MAX_AGE - 1);
    await verifier.verify(signToken(key));
    expect(fetches()).toBe(1);
    advance(1);
    await Promise.all([verifier.verify(signToken(key)), verifier.verify(signToken(key))]);
    expect(fetches()).toBe(2);
  });

  it('skips keys that cannot verify (symmetric, encryption, unknown type) and uses the rest', async () => {
    const key = makeKey();
    const { state, verifier } = rig([key]);
    state.published = [
      { kty: 'oct', kid: 'hmac', k: 'c2VjcmV0' },
      { ...makeKey().jwk, kid: 'enc', use: 'enc' },
      { kty: 'XYZ', kid: 'odd' },
      key.jwk,
    ];
    await expect(verifier.verify(signToken(key))).resolves.toBeTruthy();
    expect(await code(verifier.verify(signToken(key, { header: { kid: 'hmac' } })))).toBe('unknown_key');
    expect(await code(verifier.verify(signToken(key, { header: { kid: 'enc' } })))).toBe('unknown_key');
  });
});

describe('key rotation', () => {
  it('picks up a key published after the first fetch (unknown kid → one refetch)', async () => {
    const [oldKey, newKey] = [makeKey(), makeKey()];
    const { state, verifier, fetches } = rig([oldKey]);
    await verifier.verify(signToken(oldKey));
    state.published = [oldKey.jwk, newKey.jwk];
    await expect(verifier.verify(signToken(newKey))).resolves.toBeTruthy();
    await expect(verifier.verify(signToken(oldKey))).resolves.toBeTruthy();
    expect(fetches()).toBe(2);
  });

  it('stops verifying a removed key once the cache turns over, cached tokens included', async () => {
    const [removed, kept] = [makeKey(), makeKey()];
    const { state, verifier, advance } = rig([removed, kept]);
    const token = signToken(removed);
    await verifier.verify(token);
    state.published = [kept.jwk];
    advance(MAX_AGE - 1);
    await expect(verifier.verify(token)).resolves.toBeTruthy();
    advance(1);
    expect(await code(verifier.verify(token))).toBe('unknown_key');
    expect(await code(verifier.verify(signToken(removed)))).toBe('unknown_key');
    await expect(verifier.verify(signToken(kept))).resolves.toBeTruthy();
  });

  it('drops a cached token whose kid now names different key material', async () => {
    const [original, replacement] = [makeKey(), makeKey()];
    const { state, verifier, advance } = rig([original]);
    const token = signToken(original);
    await verifier.verify(token);
    state.published = [{ ...replacement.jwk, kid: original.kid }];
    advance(MAX_AGE);
    expect(await code(verifier.verify(token))).toBe('bad_signature');
  });
});

describe('unknown kids', () => {
  it('refetch at most once per cooldown, however many kids are sprayed', async () => {
    const key = makeKey();
    const { verifier, fetches, advance } = rig([key]);
    await verifier.verify(signToken(key));
    const spray = () =>
      Promise.all(
        Array.from({ length: 25 }, (_, i) => code(verifier.verify(signToken(key, { header: { kid: `random-${Math.random()}-${i}` } })))),
      );
    expect(new Set(await spray())).toEqual(new Set(['unknown_key']));
    expect(fetches()).toBe(2);
    for (let i = 0; i < 5; i++) await spray();
    advance(COOLDOWN - 1);
    await spray();
    expect(fetches()).toBe(2);
    advance(1);
    await spray();
    expect(fetches()).toBe(3);
  });
});

describe('when the auth server is down', () => {
  it('fails with jwks_unavailable at the first fetch, retries only after the cooldown, then recovers', async () => {
    const key = makeKey();
    const { verifier, fetches, advance } = rig([key]);
    stub.on(JWKS_PATH, json(503, { code: 'service_unavailable' }));
    expect(await code(verifier.verify(signToken(key)))).toBe('jwks_unavailable');
    expect(await code(verifier.verify(signToken(key)))).toBe('jwks_unavailable');
    expect(fetches()).toBe(1);
    stub.on(
      JWKS_PATH,
      serveKeys(() => [key.jwk]),
    );
    advance(COOLDOWN);
    await expect(verifier.verify(signToken(key))).resolves.toBeTruthy();
    expect(fetches()).toBe(2);
  });

  it('fails with jwks_unavailable on a network error, keeping the cause', async () => {
    const key = makeKey();
    const { verifier } = rig([key]);
    stub.on(JWKS_PATH, reset);
    let error: VerifyError | undefined;
    await verifier.verify(signToken(key)).catch((e: VerifyError) => (error = e));
    expect(error?.code).toBe('jwks_unavailable');
    expect(error?.cause).toBeInstanceOf(Error);
  });

  it('serves the cached keys past maxAge, retrying once per cooldown', async () => {
    const key = makeKey();
    const { verifier, fetches, advance } = rig([key], { cache: false });
    await verifier.verify(signToken(key));
    stub.on(JWKS_PATH, json(500, {}));
    advance(MAX_AGE + 1);
    await expect(verifier.verify(signToken(key))).resolves.toBeTruthy();
    await expect(verifier.verify(signToken(key))).resolves.toBeTruthy();
    expect(fetches()).toBe(2);
    advance(COOLDOWN);
    await expect(verifier.verify(signToken(key))).resolves.toBeTruthy();
    expect(fetches()).toBe(3);
    // Back up: the next attempt (a cooldown later) refreshes the keys for a new maxAge.
    stub.on(
      JWKS_PATH,
      serveKeys(() => [key.jwk]),
    );
    advance(COOLDOWN);
    await verifier.verify(signToken(key));
    advance(MAX_AGE - 1);
    await verifier.verify(signToken(key));
    expect(fetches()).toBe(4);
  });

  it('serves stale keys for at most jwks.maxStale past maxAge, then fails closed, and recovers', async () => {
    const MAX_STALE = 120;
    const key = makeKey();
    const { verifier, fetches, advance } = rig([key], {
      cache: false,
      jwks: { maxAge: MAX_AGE, cooldown: COOLDOWN, timeout: 2, maxStale: MAX_STALE },
    });
    await verifier.verify(signToken(key));
    stub.on(JWKS_PATH, json(500, {}));
    // Inside the stale window, from the failed refetch and from the cooldown path alike.
    advance(MAX_AGE + MAX_STALE - COOLDOWN - 1);
    expect(await code(verifier.verify(signToken(key)))).toBe('ok');
    expect(await code(verifier.verify(signToken(key)))).toBe('ok');
    // Past it: the auth server is still down, and the old keys no longer answer, with or without a
    // fetch attempt (tokens signed with them are refused as unverifiable, not as forged).
    advance(COOLDOWN + 2);
    expect(await code(verifier.verify(signToken(key)))).toBe('jwks_unavailable');
    expect(await code(verifier.verify(signToken(key)))).toBe('jwks_unavailable');
    const attempts = fetches();
    // Back up: after the cooldown the next lookup fetches, and verification works again.
    stub.on(
      JWKS_PATH,
      serveKeys(() => [key.jwk]),
    );
    advance(COOLDOWN);
    expect(await code(verifier.verify(signToken(key)))).toBe('ok');
    expect(fetches()).toBe(attempts + 1);
  });

  it('jwks.maxStale 0: no stale keys at all once maxAge has passed and the JWKS cannot be fetched', async () => {
    const key = makeKey();
    const { verifier, advance } = rig([key], { cache: false, jwks: { maxAge: MAX_AGE, cooldown: COOLDOWN, timeout: 2, maxStale: 0 } });
    await verifier.verify(signToken(key));
    stub.on(JWKS_PATH, json(500, {}));
    advance(MAX_AGE + 1);
    expect(await code(verifier.verify(signToken(key)))).toBe('jwks_unavailable');
  });

  it('bounds a fetch that never answers by jwks.timeout', { timeout: 5_000 }, async () => {
    const key = makeKey();
    const { verifier } = rig([key], { jwks: { timeout: 0.2 } });
    stub.on(JWKS_PATH, hang);
    expect(await code(verifier.verify(signToken(key)))).toBe('jwks_unavailable');
  });

  it('bounds a body that trickles by jwks.timeout', { timeout: 5_000 }, async () => {
    const key = makeKey();
    const { verifier } = rig([key], { jwks: { timeout: 0.2 } });
    stub.on(JWKS_PATH, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"keys":[');
    });
    expect(await code(verifier.verify(signToken(key)))).toBe('jwks_unavailable');
  });

  it.each<[string, (k: TestKey) => Parameters<StubServer['on']>[1]]>([
    ['not JSON', () => (_req, res) => res.writeHead(200).end('<html>')],
    ['JSON without a keys array', () => json(200, { keys: 'none' })],
    ['a redirect, even to a real JWKS', () => (_req, res) => res.writeHead(302, { location: '/elsewhere' }).end()],
    ['a body over 256 KiB', (k) => json(200, { keys: [k.jwk], padding: 'x'.repeat(300 * 1024) })],
  ])('treats %s as unavailable', async (_name, handler) => {
    const key = makeKey();
    const { verifier } = rig([key]);
    stub.on(
      '/elsewhere',
      serveKeys(() => [key.jwk]),
    );
    stub.on(JWKS_PATH, handler(key));
    expect(await code(verifier.verify(signToken(key)))).toBe('jwks_unavailable');
    expect(stub.count('/elsewhere')).toBe(0);
  });
});

describe('RemoteKeySet', () => {
  const options = (now: () => number) => ({ url: `${stub.url}${JWKS_PATH}`, maxAgeMs: 1000, cooldownMs: 0, timeoutMs: 2000, maxStaleMs: 3_600_000, now });

  it('imports each key once: a refetch with the same material keeps the same entry and KeyObject', async () => {
    const key = makeKey();
    let now = 0;
    stub.on(
      JWKS_PATH,
      serveKeys(() => [key.jwk]),
    );
    const set = new RemoteKeySet(options(() => now));
    const first = await set.lookup(key.kid, now);
    now = 5000;
    const second = await set.lookup(key.kid, now);
    expect(stub.count(JWKS_PATH)).toBe(2);
    expect(second).toBe(first);
    expect(second?.key).toBe(first?.key);
    expect(set.current(key.kid, now)).toBe(first);
  });

  it('imports anew when the material under a kid changes', async () => {
    const [a, b] = [makeKey(), makeKey()];
    let now = 0;
    let published = a.jwk;
    stub.on(
      JWKS_PATH,
      serveKeys(() => [published]),
    );
    const set = new RemoteKeySet(options(() => now));
    const first = await set.lookup(a.kid, now);
    published = { ...b.jwk, kid: a.kid };
    now = 5000;
    const second = await set.lookup(a.kid, now);
    expect(second).not.toBe(first);
    expect(second?.thumbprint).not.toBe(first?.thumbprint);
  });

  it('current() answers only from fresh keys and never fetches', async () => {
    const key = makeKey();
    let now = 0;
    stub.on(
      JWKS_PATH,
      serveKeys(() => [key.jwk]),
    );
    const set = new RemoteKeySet(options(() => now));
    expect(set.current(key.kid, now)).toBeUndefined();
    await set.lookup(key.kid, now);
    expect(set.current(key.kid, 999)).toBeDefined();
    expect(set.current(key.kid, 1000)).toBeUndefined();
    expect(stub.count(JWKS_PATH)).toBe(1);
  });
});
