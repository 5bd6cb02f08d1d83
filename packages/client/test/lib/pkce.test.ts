/** PKCE: verifiers, S256 challenges (RFC 7636 Appendix B), and the verifier's place in storage. */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { base64url, challengeFor, newVerifier, readVerifier, removeVerifier, startPkce, verifierKey } from '../../src/lib/pkce.js';
import { memoryStorage } from '../../src/storage/memory.js';
import { RFC_CHALLENGE, RFC_VERIFIER, s256 } from '../helpers.js';

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('pkce', () => {
  it('base64url agrees with node for every length mod 3', () => {
    for (let length = 0; length < 40; length++) {
      const bytes = randomBytes(length);
      expect(base64url(new Uint8Array(bytes))).toBe(bytes.toString('base64url'));
    }
  });

  it('a verifier is 43 base64url characters (32 random bytes), never the same twice', () => {
    const verifiers = new Set(Array.from({ length: 50 }, () => newVerifier()));
    expect(verifiers.size).toBe(50);
    for (const verifier of verifiers) expect(verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('S256 is RFC 7636’s own example; without Web Crypto’s subtle the challenge is plain', async () => {
    expect(await challengeFor(RFC_VERIFIER)).toEqual({ code_challenge: RFC_CHALLENGE, code_challenge_method: 's256' });
    vi.stubGlobal('crypto', { getRandomValues: (a: Uint8Array) => a.fill(7) });
    expect(await challengeFor(RFC_VERIFIER)).toEqual({ code_challenge: RFC_VERIFIER, code_challenge_method: 'plain' });
  });

  it('no CSPRNG, no flow: never a Math.random verifier', async () => {
    vi.stubGlobal('crypto', undefined);
    expect(newVerifier()).toBeNull();
    await expect(startPkce({ storage: memoryStorage(), storageKey: 'k' })).rejects.toThrow(/getRandomValues/);
  });

  it('keeps the verifier under <key>-code-verifier only when saved, marked for a recovery', async () => {
    const storage = memoryStorage();
    const start = await startPkce({ storage, storageKey: 'k' }, true);
    expect(storage.getItem(verifierKey('k'))).toBeNull();
    await start.save();
    const raw = storage.getItem('k-code-verifier') as string;
    expect(raw).toMatch(/^[A-Za-z0-9_-]{43}\/recovery$/);
    const stored = await readVerifier({ storage, storageKey: 'k' });
    expect(stored).toEqual({ verifier: raw.slice(0, 43), recovery: true, raw });
    expect(start.params).toEqual({ code_challenge: s256(stored!.verifier), code_challenge_method: 's256' });
  });

  it('reads nothing it did not write, and removes a verifier only if it is still the one used', async () => {
    const storage = memoryStorage();
    const home = { storage, storageKey: 'k' };
    storage.setItem('k-code-verifier', 'short');
    expect(await readVerifier(home)).toBeNull();
    await (await startPkce(home)).save();
    const used = (await readVerifier(home))!;
    await (await startPkce(home)).save(); // a newer flow replaced it
    await removeVerifier(home, used);
    expect(storage.getItem('k-code-verifier')).not.toBeNull();
    const newer = (await readVerifier(home))!;
    await removeVerifier(home, newer);
    expect(storage.getItem('k-code-verifier')).toBeNull();
  });
});
