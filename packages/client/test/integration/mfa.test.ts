/**
 * Second factors against a real Latchkey server (in-process, real HTTP, PGlite, the server's fake
 * clock shared by the client). TOTP codes are computed here from the enrolled secret (RFC 6238,
 * node:crypto), independently of the server's library. Each test signs up its own user.
 */
import { createHmac } from 'node:crypto';
import { startTestServer, type TestServer } from '@latchkey/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, memoryStorage, type AuthChangeEvent, type LatchkeyClient, type Lock, type StorageAdapter } from '../../src/index.js';
import * as mfa from '../../src/mfa.js';
import { uniqueKey } from '../helpers.js';

const PASSWORD = 'correct horse battery staple';
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ config: { jwtExp: 60, refreshReuseInterval: 10 } });
});
afterAll(async () => {
  await server?.close();
});

/** RFC 4648 base32 → bytes. */
function base32(secret: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of secret.replace(/=+$/, '').toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  return Buffer.from(bits.match(/.{8}/g)!.map((b) => parseInt(b, 2)));
}

/** RFC 6238 (SHA-1, 30 s, 6 digits) via RFC 4226's dynamic truncation. */
function totp(secret: string, nowMs: number): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(nowMs / 1000 / 30)));
  const mac = createHmac('sha1', base32(secret)).update(counter).digest();
  const offset = mac[mac.length - 1]! & 0xf;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

function client(options: { storage?: StorageAdapter; storageKey?: string; lock?: Lock } = {}): LatchkeyClient {
  return createClient({
    url: server.authUrl,
    clock: { now: () => server.clock() },
    storage: options.storage ?? memoryStorage(),
    storageKey: options.storageKey ?? uniqueKey(),
    lock: options.lock,
    autoRefresh: false,
  });
}

function events(auth: LatchkeyClient): AuthChangeEvent[] {
  const seen: AuthChangeEvent[] = [];
  auth.onAuthStateChange((event) => void seen.push(event));
  return seen;
}

/** A signed-up user with an enrolled TOTP factor (not verified yet). */
async function enrolled(auth: LatchkeyClient) {
  const email = `${uniqueKey()}@example.com`;
  expect((await auth.signUp({ email, password: PASSWORD })).error).toBeNull();
  const { data, error } = await mfa.enroll(auth, { factorType: 'totp', friendlyName: 'Phone' });
  expect(error).toBeNull();
  return { email, factor: data as mfa.TotpEnrollment };
}

describe('TOTP against the server', () => {
  it('enrol → a code computed from the secret → aal2, kept through refreshes; listFactors and the level agree', async () => {
    const auth = client();
    const seen = events(auth);
    const { factor } = await enrolled(auth);
    expect(factor.totp.qr_code.startsWith('data:image/svg+xml;utf-8,<svg')).toBe(true);
    expect(factor.totp.uri).toContain(`secret=${factor.totp.secret}`);
    expect((await mfa.getAuthenticatorAssuranceLevel(auth)).data).toMatchObject({ currentLevel: 'aal1', nextLevel: 'aal1' });

    const before = (await auth.getSession()).data.session!;
    const { data, error } = await mfa.challengeAndVerify(auth, { factorId: factor.id, code: totp(factor.totp.secret, server.clock()) });
    expect(error).toBeNull();
    expect(data.session?.refresh_token).not.toBe(before.refresh_token);
    expect(seen.at(-1)).toBe('MFA_CHALLENGE_VERIFIED');
    const level = (await mfa.getAuthenticatorAssuranceLevel(auth)).data;
    expect(level).toMatchObject({ currentLevel: 'aal2', nextLevel: 'aal2' });
    expect(level.currentAuthenticationMethods?.map((m) => m.method)).toEqual(['totp', 'password']);

    // Past the access token's expiry: refreshed on demand, twice, still aal2.
    for (let i = 0; i < 2; i++) {
      server.clock.advance(61_000);
      expect((await auth.refreshSession()).error).toBeNull();
      expect((await mfa.getAuthenticatorAssuranceLevel(auth)).data).toMatchObject({ currentLevel: 'aal2', nextLevel: 'aal2' });
    }
    const factors = (await mfa.listFactors(auth)).data;
    expect(factors.totp.map((f) => f.id)).toEqual([factor.id]);
    expect(factors.all[0]).toMatchObject({ status: 'verified', factor_type: 'totp', friendly_name: 'Phone' });
  });

  it('a new sign-in of a user with a verified factor is aal1 with nextLevel aal2; a wrong code is refused, the right one raises it', async () => {
    const first = client();
    const { email, factor } = await enrolled(first);
    expect((await mfa.challengeAndVerify(first, { factorId: factor.id, code: totp(factor.totp.secret, server.clock()) })).error).toBeNull();

    server.clock.advance(30_000); // the next step: a used code is accepted once only
    const second = client();
    expect((await second.signInWithPassword({ email, password: PASSWORD })).error).toBeNull();
    expect((await mfa.getAuthenticatorAssuranceLevel(second)).data).toMatchObject({ currentLevel: 'aal1', nextLevel: 'aal2' });
    const code = totp(factor.totp.secret, server.clock());
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    expect((await mfa.challengeAndVerify(second, { factorId: factor.id, code: wrong })).error?.code).toBe('mfa_verification_failed');
    expect((await mfa.challengeAndVerify(second, { factorId: factor.id, code })).error).toBeNull();
    expect((await mfa.challengeAndVerify(second, { factorId: factor.id, code })).error?.code).toBe('mfa_verification_failed'); // replay
    expect((await mfa.getAuthenticatorAssuranceLevel(second)).data?.currentLevel).toBe('aal2');
  });

  it('unenrolling the verified factor from aal2 lowers the session: aal1, nextLevel aal1', async () => {
    const auth = client();
    const { factor } = await enrolled(auth);
    await mfa.challengeAndVerify(auth, { factorId: factor.id, code: totp(factor.totp.secret, server.clock()) });
    expect((await mfa.unenroll(auth, { factorId: factor.id })).error).toBeNull();
    expect((await mfa.getAuthenticatorAssuranceLevel(auth)).data).toMatchObject({ currentLevel: 'aal1', nextLevel: 'aal1' });
    expect((await mfa.listFactors(auth)).data.all).toEqual([]);
  });
});

describe('a refresh racing a verify', () => {
  it('one client: refreshes before, during and after the verification; the session never ends and ends aal2', async () => {
    const auth = client();
    const seen = events(auth);
    const { factor } = await enrolled(auth);
    server.clock.advance(61_000); // due: getSession and the flows refresh first
    const code = totp(factor.totp.secret, server.clock());
    const results = await Promise.all([
      auth.refreshSession(),
      mfa.challengeAndVerify(auth, { factorId: factor.id, code }),
      auth.refreshSession(),
      auth.getSession(),
      auth.refreshSession(),
    ]);
    expect(results.map((r) => r.error)).toEqual([null, null, null, null, null]);
    expect(seen).not.toContain('SIGNED_OUT');
    server.clock.advance(61_000);
    expect((await auth.refreshSession()).error).toBeNull();
    expect((await mfa.getAuthenticatorAssuranceLevel(auth)).data?.currentLevel).toBe('aal2');
  });

  it('a holder outside the lock (a server process, a tab without Web Locks) refreshing the pre-verify token gets the aal2 successor', async () => {
    const verifier = client();
    const other = client({ lock: { run: (_name, fn) => fn() } });
    const seen = events(other);
    const { factor } = await enrolled(verifier);
    const preVerify = (await verifier.getSession()).data.session!;
    await storageOf(other, preVerify);
    const verified = await mfa.challengeAndVerify(verifier, { factorId: factor.id, code: totp(factor.totp.secret, server.clock()) });
    expect(verified.error).toBeNull();
    // Inside the reuse interval the parent of the verified token is answered with its successor.
    server.clock.advance(5_000);
    const refreshed = await other.refreshSession();
    expect(refreshed.error).toBeNull();
    expect(refreshed.data.session?.refresh_token).toBe(verified.data.session?.refresh_token);
    expect((await mfa.getAuthenticatorAssuranceLevel(other)).data?.currentLevel).toBe('aal2');
    expect(seen).not.toContain('SIGNED_OUT');
  });
});

/** Puts `session` into a client's storage and lets it pick it up (as another tab's write). */
async function storageOf(auth: LatchkeyClient, session: unknown): Promise<void> {
  const { INTERNALS } = await import('../../src/internals.js');
  await (auth as unknown as Record<symbol, (fn: (ctx: any) => Promise<void>) => Promise<void>>)[INTERNALS]!(async (ctx) => {
    await ctx.store.commit(session, true);
  });
}
