/**
 * Wire compatibility of MFA: @supabase/supabase-js's `auth.mfa` API, unchanged, against Latchkey
 * (enroll, challenge, verify, challengeAndVerify, listFactors, getAuthenticatorAssuranceLevel,
 * unenroll, and the admin's listFactors/deleteFactor). Codes come from the enrolled secret.
 */
import type { SupabaseClient } from '@supabase/supabase-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, testDatabases, type TestServer } from '../src/testing.js';
import { uniqueEmail } from './helpers.js';
import { supabaseAdmin, supabaseClient } from './support/supabase.js';
import { totpAt } from './support/totp.js';

const PASSWORD = 'correct horse battery';

describe.each(testDatabases().map((d) => [d.startsWith('postgres') ? 'postgres' : 'pglite', d]))(
  'supabase-js auth.mfa against Latchkey on %s',
  (_name, database) => {
    let server: TestServer;
    let admin: SupabaseClient;
    const client = () => supabaseClient(server);

    beforeAll(async () => {
      server = await startTestServer({ database });
      admin = supabaseAdmin(server);
    });
    afterAll(() => server?.close());

    async function signedUp() {
      const supabase = client();
      const email = uniqueEmail('mfa');
      const { error } = await supabase.auth.signUp({ email, password: PASSWORD });
      expect(error).toBeNull();
      return { supabase, email };
    }

    it('enroll → challenge → verify raises the session to aal2; listFactors and getAuthenticatorAssuranceLevel agree', async () => {
      const { supabase } = await signedUp();
      expect((await supabase.auth.mfa.getAuthenticatorAssuranceLevel()).data).toMatchObject({ currentLevel: 'aal1', nextLevel: 'aal1' });

      const enrolled = await supabase.auth.mfa.enroll({ factorType: 'totp', friendlyName: 'Authenticator', issuer: 'Acme' });
      expect(enrolled.error).toBeNull();
      const { id, totp } = enrolled.data!;
      // supabase-js turns GoTrue's raw SVG into a data URI: the server must not do it too.
      expect(totp.qr_code).toMatch(/^data:image\/svg\+xml;utf-8,<svg /);
      expect(totp.uri).toContain('issuer=Acme');

      const challenge = await supabase.auth.mfa.challenge({ factorId: id });
      expect(challenge.error).toBeNull();
      const wrong = await supabase.auth.mfa.verify({
        factorId: id,
        challengeId: challenge.data!.id,
        code: '000000' === totpAt(totp.secret, server.clock()) ? '111111' : '000000',
      });
      expect(wrong.error?.code).toBe('mfa_verification_failed');
      const verified = await supabase.auth.mfa.verify({
        factorId: id,
        challengeId: challenge.data!.id,
        code: totpAt(totp.secret, server.clock()),
      });
      expect(verified.error).toBeNull();

      const aal = await supabase.auth.mfa.getAuthenticatorAssuranceLevel();
      expect(aal.data).toMatchObject({ currentLevel: 'aal2', nextLevel: 'aal2' });
      expect(aal.data!.currentAuthenticationMethods.map((m) => m.method)).toEqual(['totp', 'password']);
      const factors = await supabase.auth.mfa.listFactors();
      expect(factors.data!.totp).toEqual([
        expect.objectContaining({ id, friendly_name: 'Authenticator', factor_type: 'totp', status: 'verified' }),
      ]);
      // A refresh keeps the level.
      const refreshed = await supabase.auth.refreshSession();
      expect(refreshed.error).toBeNull();
      expect((await supabase.auth.mfa.getAuthenticatorAssuranceLevel()).data).toMatchObject({ currentLevel: 'aal2', nextLevel: 'aal2' });
    });

    it('a later sign-in is aal1 with nextLevel aal2, also after a refresh; challengeAndVerify raises it; unenroll needs aal2', async () => {
      const { supabase, email } = await signedUp();
      const { data } = await supabase.auth.mfa.enroll({ factorType: 'totp' });
      const { id, totp } = data!;
      expect((await supabase.auth.mfa.challengeAndVerify({ factorId: id, code: totpAt(totp.secret, server.clock()) })).error).toBeNull();

      const later = client();
      expect((await later.auth.signInWithPassword({ email, password: PASSWORD })).error).toBeNull();
      expect((await later.auth.mfa.getAuthenticatorAssuranceLevel()).data).toMatchObject({ currentLevel: 'aal1', nextLevel: 'aal2' });
      expect((await later.auth.refreshSession()).error).toBeNull();
      expect((await later.auth.mfa.getAuthenticatorAssuranceLevel()).data).toMatchObject({ currentLevel: 'aal1', nextLevel: 'aal2' });
      const refused = await later.auth.mfa.unenroll({ factorId: id });
      expect(refused.error?.code).toBe('insufficient_aal');

      server.clock.advance(30_000);
      expect((await later.auth.mfa.challengeAndVerify({ factorId: id, code: totpAt(totp.secret, server.clock()) })).error).toBeNull();
      expect((await later.auth.mfa.getAuthenticatorAssuranceLevel()).data).toMatchObject({ currentLevel: 'aal2', nextLevel: 'aal2' });
      const removed = await later.auth.mfa.unenroll({ factorId: id });
      expect(removed.error).toBeNull();
      expect(removed.data).toEqual({ id });
      expect((await later.auth.mfa.listFactors()).data!.all).toEqual([]);
    });

    it('the admin API: mfa.listFactors and mfa.deleteFactor', async () => {
      const { supabase } = await signedUp();
      const { data } = await supabase.auth.mfa.enroll({ factorType: 'totp' });
      const userId = (await supabase.auth.getUser()).data.user!.id;
      const listed = await admin.auth.admin.mfa.listFactors({ userId });
      expect(listed.error).toBeNull();
      expect(listed.data!.factors).toEqual([expect.objectContaining({ id: data!.id, status: 'unverified' })]);
      const deleted = await admin.auth.admin.mfa.deleteFactor({ userId, id: data!.id });
      expect(deleted.error).toBeNull();
      // supabase-js 2.109 wraps the factor once more ({ data: { data: factor } }); GoTrue answers the factor.
      expect((deleted.data as unknown as { data: unknown }).data).toMatchObject({ id: data!.id });
      expect((await admin.auth.admin.mfa.listFactors({ userId })).data!.factors).toEqual([]);
    });
  },
);
