import { describe, expect, it } from 'vitest';
import { isVerifyError } from '../../src/errors.js';
import { prepareAuth } from '../../src/lib/authorize.js';
import type { AccessTokenClaims, Verifier } from '../../src/types.js';

/** A verifier double: any token "verifies" to claims with the given role and aal. */
function fakeVerifier(claims: Partial<AccessTokenClaims> = {}) {
  const calls: Array<{ token: string; session: boolean | undefined }> = [];
  const verifier: Verifier = {
    async verify(token, options) {
      calls.push({ token, session: options?.session });
      return { sub: 'u1', role: 'authenticated', aal: 'aal1', ...claims } as AccessTokenClaims;
    },
  };
  return { verifier, calls };
}

async function outcome(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    return isVerifyError(error) ? error.code : `other: ${String(error)}`;
  }
}

describe('prepareAuth', () => {
  it('verifies the bearer token, asking for the session check only when told to', async () => {
    const { verifier, calls } = fakeVerifier();
    await prepareAuth(verifier)('Bearer t1');
    await prepareAuth(verifier, { session: true })('Bearer t2');
    expect(calls).toEqual([
      { token: 't1', session: false },
      { token: 't2', session: true },
    ]);
  });

  it('refuses before verifying when there is no bearer token', async () => {
    const { verifier, calls } = fakeVerifier();
    expect(await outcome(prepareAuth(verifier)(undefined))).toBe('missing_token');
    expect(calls).toHaveLength(0);
  });

  it('lets a role through only if it is listed', async () => {
    const { verifier } = fakeVerifier({ role: 'service_role' });
    expect(await outcome(prepareAuth(verifier, { role: 'service_role' })('Bearer t'))).toBe('ok');
    expect(await outcome(prepareAuth(verifier, { role: ['admin', 'service_role'] })('Bearer t'))).toBe('ok');
    expect(await outcome(prepareAuth(verifier, { role: 'admin' })('Bearer t'))).toBe('forbidden');
  });

  it('checks required claim values exactly', async () => {
    const { verifier } = fakeVerifier({ aal: 'aal1' });
    expect(await outcome(prepareAuth(verifier, { claims: { aal: 'aal1', sub: 'u1' } })('Bearer t'))).toBe('ok');
    expect(await outcome(prepareAuth(verifier, { claims: { aal: 'aal2' } })('Bearer t'))).toBe('forbidden');
  });

  it('requireAal: the token’s level must reach it; a missing or unknown aal ranks lowest', async () => {
    for (const [aal, required, expected] of [
      ['aal1', 'aal2', 'insufficient_aal'],
      ['aal2', 'aal2', 'ok'],
      ['aal3', 'aal2', 'ok'],
      ['aal2', 'aal1', 'ok'],
      [undefined, 'aal1', 'insufficient_aal'],
      ['aal9', 'aal2', 'insufficient_aal'],
    ] as const) {
      const { verifier } = fakeVerifier({ aal } as Partial<AccessTokenClaims>);
      expect(await outcome(prepareAuth(verifier, { requireAal: required })('Bearer t')), `${aal} vs ${required}`).toBe(expected);
    }
  });

  it('runs a predicate, sync or async; only `true` lets the request through', async () => {
    const { verifier } = fakeVerifier();
    expect(await outcome(prepareAuth(verifier, { claims: (c) => c.sub === 'u1' })('Bearer t'))).toBe('ok');
    expect(await outcome(prepareAuth(verifier, { claims: async () => true })('Bearer t'))).toBe('ok');
    expect(await outcome(prepareAuth(verifier, { claims: () => false })('Bearer t'))).toBe('forbidden');
    expect(await outcome(prepareAuth(verifier, { claims: (() => 'yes') as never })('Bearer t'))).toBe('forbidden');
  });

  it('lets a predicate that throws propagate its own error', async () => {
    const { verifier } = fakeVerifier();
    expect(
      await outcome(
        prepareAuth(verifier, {
          claims: () => {
            throw new Error('boom');
          },
        })('Bearer t'),
      ),
    ).toBe('other: Error: boom');
  });

  it.each([
    ['no verifier', undefined, {}],
    ['a realm with a quote', fakeVerifier().verifier, { realm: 'a"b' }],
    ['an empty role list', fakeVerifier().verifier, { role: [] }],
    ['a numeric role', fakeVerifier().verifier, { role: 7 }],
    ['claims of the wrong type', fakeVerifier().verifier, { claims: 'aal2' }],
    ['an unknown assurance level', fakeVerifier().verifier, { requireAal: 'aal5' }],
  ])('refuses %s with invalid_options, at creation', (_name, verifier, options) => {
    expect(() => prepareAuth(verifier as never, options as never)).toThrow(expect.objectContaining({ code: 'invalid_options' }));
  });
});
