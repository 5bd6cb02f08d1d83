/**
 * Wire compatibility: @supabase/supabase-js pointed at Latchkey works unchanged for every flow
 * of issue #2, and error codes come through as `error.code` in both of GoTrue's body shapes.
 */
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, testDatabases, type TestServer } from '../src/testing.js';
import { uniqueEmail } from './helpers.js';
import { supabaseAdmin, supabaseClient } from './support/supabase.js';

const PASSWORD = 'correct horse battery';

describe.each(testDatabases().map((d) => [d.startsWith('postgres') ? 'postgres' : 'pglite', d]))(
  'supabase-js against Latchkey on %s',
  (_name, database) => {
    let server: TestServer;
    let admin: SupabaseClient;
    const client = () => supabaseClient(server);

    beforeAll(async () => {
      server = await startTestServer({ database });
      admin = supabaseAdmin(server);
    });
    afterAll(() => server?.close());

    it('signUp gives a confirmed user and a session; a second signUp is user_already_exists', async () => {
      const supabase = client();
      const email = uniqueEmail();
      const { data, error } = await supabase.auth.signUp({ email, password: PASSWORD, options: { data: { name: 'Ada' } } });
      expect(error).toBeNull();
      expect(data.user?.email).toBe(email);
      expect(data.user?.user_metadata).toEqual({ name: 'Ada' });
      expect(data.user?.email_confirmed_at).toBeTruthy();
      expect(data.session?.refresh_token).toBeTruthy();
      const again = await client().auth.signUp({ email, password: PASSWORD });
      expect(again.error?.code).toBe('user_already_exists');
      expect(again.error?.status).toBe(422);
    });

    it('signUp with a short password is weak_password with reasons', async () => {
      const { error } = await client().auth.signUp({ email: uniqueEmail(), password: 'short' });
      expect(error?.code).toBe('weak_password');
      expect((error as { reasons?: string[] }).reasons).toEqual(['length']);
    });

    it('signInAnonymously is anonymous_provider_disabled (422), with or without data', async () => {
      for (const options of [undefined, { data: { theme: 'dark' } }]) {
        const { data, error } = await client().auth.signInAnonymously(options ? { options } : undefined);
        expect(error?.code).toBe('anonymous_provider_disabled');
        expect(error?.status).toBe(422);
        expect(error?.message).toBe('Anonymous sign-ins are disabled');
        expect(data.session).toBeNull();
      }
    });

    it('admin.listUsers() right after createUser finds the new user (newest first, as GoTrue)', async () => {
      // More users than the default page of 50, so an oldest-first list would leave the new one off page 1.
      for (let i = 0; i < 51; i++) {
        const res = await fetch(`${server.authUrl}/admin/users`, {
          method: 'POST',
          headers: { authorization: `Bearer ${server.secretKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ email: uniqueEmail('filler') }),
        });
        expect(res.status).toBe(200);
      }
      server.clock.advance(1_000);
      const created = await admin.auth.admin.createUser({ email: uniqueEmail('newest'), password: PASSWORD });
      const { data, error } = await admin.auth.admin.listUsers();
      expect(error).toBeNull();
      expect(data.users[0]?.id).toBe(created.data.user!.id);
    });

    it('signInWithPassword, getUser, refreshSession, updateUser, signOut', async () => {
      const email = uniqueEmail();
      await client().auth.signUp({ email, password: PASSWORD });
      const supabase = client();
      const signIn = await supabase.auth.signInWithPassword({ email, password: PASSWORD });
      expect(signIn.error).toBeNull();
      const { data: userData } = await supabase.auth.getUser();
      expect(userData.user?.email).toBe(email);

      const before = signIn.data.session!.refresh_token;
      const refreshed = await supabase.auth.refreshSession();
      expect(refreshed.error).toBeNull();
      expect(refreshed.data.session?.refresh_token).not.toBe(before);

      const updated = await supabase.auth.updateUser({ data: { plan: 'pro' } });
      expect(updated.error).toBeNull();
      expect(updated.data.user?.user_metadata).toEqual({ plan: 'pro' });
      const changed = await supabase.auth.updateUser({ password: 'a brand new password' });
      expect(changed.error).toBeNull();
      const same = await supabase.auth.updateUser({ password: 'a brand new password' });
      expect(same.error?.code).toBe('same_password');

      const token = (await supabase.auth.getSession()).data.session!.access_token;
      const out = await supabase.auth.signOut();
      expect(out.error).toBeNull();
      // The access token of the signed-out session is refused at /user.
      const gone = await client().auth.getUser(token);
      expect(gone.error?.name).toBe('AuthSessionMissingError');
      const oldPassword = await client().auth.signInWithPassword({ email, password: PASSWORD });
      expect(oldPassword.error?.code).toBe('invalid_credentials');
      expect((await client().auth.signInWithPassword({ email, password: 'a brand new password' })).error).toBeNull();
    });

    it('signOut scopes: others keeps this session, local ends only this one', async () => {
      const email = uniqueEmail();
      await client().auth.signUp({ email, password: PASSWORD });
      const [a, b, c] = [client(), client(), client()];
      for (const s of [a, b, c]) await s.auth.signInWithPassword({ email, password: PASSWORD });
      const tokens = await Promise.all([a, b, c].map(async (s) => (await s.auth.getSession()).data.session!.access_token));
      await a.auth.signOut({ scope: 'others' });
      expect((await client().auth.getUser(tokens[0])).error).toBeNull();
      expect((await client().auth.getUser(tokens[1])).error).not.toBeNull();
      expect((await client().auth.getUser(tokens[2])).error).not.toBeNull();
      await a.auth.signOut({ scope: 'local' });
      expect((await client().auth.getUser(tokens[0])).error).not.toBeNull();
    });

    it('wrong password and unknown user are both invalid_credentials', async () => {
      const email = uniqueEmail();
      await client().auth.signUp({ email, password: PASSWORD });
      expect((await client().auth.signInWithPassword({ email, password: 'wrong password!' })).error?.code).toBe('invalid_credentials');
      expect((await client().auth.signInWithPassword({ email: uniqueEmail(), password: PASSWORD })).error?.code).toBe(
        'invalid_credentials',
      );
    });

    it('refreshing a used token after the reuse interval is refresh_token_already_used', async () => {
      const supabase = client();
      const { data } = await supabase.auth.signUp({ email: uniqueEmail(), password: PASSWORD });
      const original = data.session!.refresh_token;
      await supabase.auth.refreshSession();
      server.clock.advance(11_000);
      const { error } = await client().auth.refreshSession({ refresh_token: original });
      expect(error?.code).toBe('refresh_token_already_used');
    });

    it('admin: create, get, list (paged), update, ban ends sessions, delete', async () => {
      const email = uniqueEmail('admin');
      const created = await admin.auth.admin.createUser({
        email,
        password: PASSWORD,
        email_confirm: true,
        user_metadata: { a: 1 },
        app_metadata: { tier: 'gold' },
      });
      expect(created.error).toBeNull();
      const id = created.data.user!.id;
      expect(created.data.user!.app_metadata).toMatchObject({ provider: 'email', tier: 'gold' });
      expect((await admin.auth.admin.createUser({ email, password: PASSWORD })).error?.code).toBe('email_exists');

      const got = await admin.auth.admin.getUserById(id);
      expect(got.data.user?.email).toBe(email);

      for (let i = 0; i < 3; i++) await admin.auth.admin.createUser({ email: uniqueEmail('page'), password: PASSWORD });
      const page1 = await admin.auth.admin.listUsers({ page: 1, perPage: 2 });
      expect(page1.error).toBeNull();
      expect(page1.data.users).toHaveLength(2);
      expect((page1.data as { total?: number }).total).toBeGreaterThanOrEqual(4);
      expect((page1.data as { nextPage?: number }).nextPage).toBe(2);

      const supabase = client();
      await supabase.auth.signInWithPassword({ email, password: PASSWORD });
      const token = (await supabase.auth.getSession()).data.session!.access_token;
      const updated = await admin.auth.admin.updateUserById(id, { user_metadata: { b: 2 }, ban_duration: '24h' });
      expect(updated.error).toBeNull();
      expect(updated.data.user?.user_metadata).toEqual({ a: 1, b: 2 });
      expect((await client().auth.getUser(token)).error?.name).toBe('AuthSessionMissingError');
      expect((await client().auth.signInWithPassword({ email, password: PASSWORD })).error?.code).toBe('user_banned');
      await admin.auth.admin.updateUserById(id, { ban_duration: 'none' });
      expect((await client().auth.signInWithPassword({ email, password: PASSWORD })).error).toBeNull();

      const deleted = await admin.auth.admin.deleteUser(id);
      expect(deleted.error).toBeNull();
      expect((await admin.auth.admin.getUserById(id)).error?.code).toBe('user_not_found');
    });

    it('admin API refuses a user access token (not_admin) and a missing one (no_authorization)', async () => {
      const { data } = await client().auth.signUp({ email: uniqueEmail(), password: PASSWORD });
      const asUser = createClient(server.url, data.session!.access_token, { auth: { persistSession: false, autoRefreshToken: false } });
      const refused = await asUser.auth.admin.listUsers();
      expect(refused.error?.code).toBe('not_admin');
      expect(refused.error?.status).toBe(403);
      const res = await fetch(`${server.authUrl}/admin/users`, { headers: { 'x-supabase-api-version': '2024-01-01' } });
      expect(res.status).toBe(401);
      expect((await res.json()).code).toBe('no_authorization');
    });

    it('error codes come through supabase-js with the legacy body shape too', async () => {
      // Without an API version header, GoTrue answers { code: <status>, error_code, msg }.
      const legacyFetch: typeof fetch = (input, init) => {
        const headers = new Headers(init?.headers);
        headers.delete('x-supabase-api-version');
        return fetch(input, { ...init, headers });
      };
      const legacy = createClient(server.url, server.publishableKey, {
        auth: { persistSession: false, autoRefreshToken: false },
        global: { fetch: legacyFetch },
      });
      const email = uniqueEmail();
      await legacy.auth.signUp({ email, password: PASSWORD });
      const again = await legacy.auth.signUp({ email, password: PASSWORD });
      expect(again.error?.code).toBe('user_already_exists');
      expect((await legacy.auth.signInWithPassword({ email, password: 'nope nope nope' })).error?.code).toBe('invalid_credentials');
    });

    it('GET /settings and /health through supabase-js paths', async () => {
      const settings = await fetch(`${server.authUrl}/settings`);
      expect((await settings.json()).external.email).toBe(true);
      const health = await fetch(`${server.authUrl}/health`);
      expect(health.status).toBe(200);
    });
  },
);
