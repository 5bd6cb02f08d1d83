/**
 * Wire compatibility of issue #13's flows: @supabase/supabase-js 2.109, unchanged, against
 * Latchkey with a real SMTP server: signInWithOtp → verifyOtp, resetPasswordForEmail →
 * verifyOtp({ type: 'recovery' }) → updateUser({ password }), PKCE with exchangeCodeForSession,
 * signUp with confirmation and resend, signInAnonymously, reauthenticate, admin.generateLink and
 * admin.inviteUserByEmail.
 */
import type { SupabaseClient } from '@supabase/supabase-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabases } from '../src/testing.js';
import { databaseCases, uniqueEmail } from './helpers.js';
import { codeIn } from './support/smtp-server.js';
import { supabaseAdmin, supabaseClient } from './support/supabase.js';
import { follow, nextLink, SITE_URL, startMailTestServer, type MailTestServer } from './support/email.js';

const PASSWORD = 'correct horse battery';

describe.each(databaseCases(testDatabases()))('supabase-js email flows against Latchkey on %s', (_name, database) => {
  let t: MailTestServer;
  let admin: SupabaseClient;
  const client = (flowType: 'implicit' | 'pkce' = 'implicit') => supabaseClient(t.server, flowType);

  beforeAll(async () => {
    t = await startMailTestServer(database, {
      mailerAutoconfirm: false,
      externalAnonymousUsersEnabled: true,
      securityUpdatePasswordRequireReauthentication: true,
    });
    admin = supabaseAdmin(t.server);
  });
  afterAll(() => t?.close());

  it('signInWithOtp → the emailed code → verifyOtp signs in', async () => {
    const supabase = client();
    const email = uniqueEmail();
    const sent = await supabase.auth.signInWithOtp({ email, options: { data: { name: 'Ada' } } });
    expect(sent.error).toBeNull();
    const code = codeIn(await t.smtp.next(email));
    const { data, error } = await supabase.auth.verifyOtp({ email, token: code, type: 'email' });
    expect(error).toBeNull();
    expect(data.session?.access_token).toBeTruthy();
    expect(data.user?.user_metadata).toEqual({ name: 'Ada' });
    expect((await supabase.auth.getUser()).data.user?.email).toBe(email);
    const again = await client().auth.verifyOtp({ email, token: code, type: 'email' });
    expect(again.error?.code).toBe('otp_expired');
    expect(again.error?.status).toBe(403);
  });

  it('signInWithOtp shouldCreateUser false: no error for an unknown address', async () => {
    const { error } = await client().auth.signInWithOtp({ email: uniqueEmail('nobody'), options: { shouldCreateUser: false } });
    expect(error).toBeNull();
  });

  it('resetPasswordForEmail → verifyOtp({ type: recovery }) → updateUser({ password })', async () => {
    const email = uniqueEmail();
    await admin.auth.admin.createUser({ email, password: PASSWORD, email_confirm: true });
    const supabase = client();
    const events: string[] = [];
    supabase.auth.onAuthStateChange((event) => void events.push(event));
    expect((await supabase.auth.resetPasswordForEmail(email, { redirectTo: `${SITE_URL}/reset` })).error).toBeNull();
    const { mail, link } = await nextLink(t.smtp, email);
    expect(new URL(link).searchParams.get('redirect_to')).toBe(`${SITE_URL}/reset`);
    const verified = await supabase.auth.verifyOtp({ email, token: codeIn(mail), type: 'recovery' });
    expect(verified.error).toBeNull();
    expect(events).toContain('PASSWORD_RECOVERY');
    const updated = await supabase.auth.updateUser({ password: 'a recovered password' });
    expect(updated.error).toBeNull();
    expect((await client().auth.signInWithPassword({ email, password: 'a recovered password' })).error).toBeNull();
  });

  it('PKCE: signInWithOtp → the link gives ?code= → exchangeCodeForSession (the verifier stayed in storage)', async () => {
    const supabase = client('pkce');
    const email = uniqueEmail();
    await supabase.auth.signInWithOtp({ email, options: { emailRedirectTo: `${SITE_URL}/auth/callback` } });
    const landed = await follow((await nextLink(t.smtp, email)).link);
    expect(landed.url.pathname).toBe('/auth/callback');
    const code = landed.url.searchParams.get('code')!;
    const { data, error } = await supabase.auth.exchangeCodeForSession(code);
    expect(error).toBeNull();
    expect(data.session?.user.email).toBe(email);
    expect((await supabase.auth.getSession()).data.session?.access_token).toBe(data.session?.access_token);
    const reused = await client('pkce').auth.exchangeCodeForSession(code);
    expect(reused.error).not.toBeNull();
  });

  it('PKCE recovery: resetPasswordForEmail → exchangeCodeForSession is a recovery (redirectType recovery)', async () => {
    const email = uniqueEmail();
    await admin.auth.admin.createUser({ email, password: PASSWORD, email_confirm: true });
    const supabase = client('pkce');
    await supabase.auth.resetPasswordForEmail(email, { redirectTo: `${SITE_URL}/reset` });
    const code = (await follow((await nextLink(t.smtp, email)).link)).url.searchParams.get('code')!;
    const { data, error } = await supabase.auth.exchangeCodeForSession(code);
    expect(error).toBeNull();
    expect((data as { redirectType?: string | null }).redirectType).toBe('recovery');
    expect((await supabase.auth.updateUser({ password: 'a pkce recovered password' })).error).toBeNull();
  });

  it('signUp with confirmation: no session, email_not_confirmed, resend, then the link', async () => {
    const supabase = client();
    const email = uniqueEmail();
    const signedUp = await supabase.auth.signUp({ email, password: PASSWORD, options: { emailRedirectTo: `${SITE_URL}/welcome` } });
    expect(signedUp.error).toBeNull();
    expect(signedUp.data.session).toBeNull();
    expect(signedUp.data.user?.email).toBe(email);
    const early = await client().auth.signInWithPassword({ email, password: PASSWORD });
    expect(early.error?.code).toBe('email_not_confirmed');
    await t.smtp.next(email);
    t.server.clock.advance(61_000);
    expect((await supabase.auth.resend({ type: 'signup', email, options: { emailRedirectTo: `${SITE_URL}/welcome` } })).error).toBeNull();
    const landed = await follow((await nextLink(t.smtp, email)).link);
    expect(landed.url.pathname).toBe('/welcome');
    expect((await client().auth.signInWithPassword({ email, password: PASSWORD })).error).toBeNull();
  });

  it('signInAnonymously, then the user adds an address (confirmed by mail) and a password', async () => {
    const supabase = client();
    const { data, error } = await supabase.auth.signInAnonymously({ options: { data: { theme: 'dark' } } });
    expect(error).toBeNull();
    expect(data.user?.is_anonymous).toBe(true);
    const email = uniqueEmail();
    const added = await supabase.auth.updateUser({ email });
    expect(added.error).toBeNull();
    expect(added.data.user?.new_email).toBe(email);
    const code = codeIn(await t.smtp.next(email));
    const confirmed = await supabase.auth.verifyOtp({ email, token: code, type: 'email_change' });
    expect(confirmed.error).toBeNull();
    expect(confirmed.data.user?.is_anonymous).toBe(false);
    expect((await supabase.auth.updateUser({ password: PASSWORD })).error).toBeNull();
    expect((await client().auth.signInWithPassword({ email, password: PASSWORD })).error).toBeNull();
  });

  it('reauthenticate → the nonce → updateUser({ password, nonce }) from a session signed in over a day ago', async () => {
    const email = uniqueEmail();
    await admin.auth.admin.createUser({ email, password: PASSWORD, email_confirm: true });
    const supabase = client();
    await supabase.auth.signInWithPassword({ email, password: PASSWORD });
    t.server.clock.advance(25 * 3_600_000);
    await supabase.auth.refreshSession();
    const needed = await supabase.auth.updateUser({ password: 'a reauthenticated password' });
    expect(needed.error?.code).toBe('reauthentication_needed');
    expect((await supabase.auth.reauthenticate()).error).toBeNull();
    const nonce = codeIn(await t.smtp.next(email));
    expect((await supabase.auth.updateUser({ password: 'a reauthenticated password', nonce })).error).toBeNull();
  });

  it('admin.generateLink: properties and user as supabase-js types them; hashed_token verifies', async () => {
    const email = uniqueEmail();
    await admin.auth.admin.createUser({ email, password: PASSWORD, email_confirm: true });
    const { data, error } = await admin.auth.admin.generateLink({ type: 'magiclink', email, options: { redirectTo: `${SITE_URL}/in` } });
    expect(error).toBeNull();
    expect(data.user.email).toBe(email);
    expect(data.properties).toMatchObject({ verification_type: 'magiclink', redirect_to: `${SITE_URL}/in` });
    expect(data.properties.email_otp).toMatch(/^\d{6}$/);
    const supabase = client();
    const verified = await supabase.auth.verifyOtp({ token_hash: data.properties.hashed_token, type: 'magiclink' });
    expect(verified.error).toBeNull();
    expect(verified.data.user?.email).toBe(email);
    const link = await admin.auth.admin.generateLink({ type: 'recovery', email });
    expect((await follow(link.data.properties.action_link)).fragment.get('type')).toBe('recovery');
  });

  it('admin.inviteUserByEmail: the invitation arrives and its link signs the user in', async () => {
    const email = uniqueEmail('invited');
    const { data, error } = await admin.auth.admin.inviteUserByEmail(email, { data: { team: 'blue' }, redirectTo: `${SITE_URL}/join` });
    expect(error).toBeNull();
    expect(data.user?.email).toBe(email);
    expect(data.user?.invited_at).toBeTruthy();
    const landed = await follow((await nextLink(t.smtp, email)).link);
    expect(landed.url.pathname).toBe('/join');
    expect(landed.fragment.get('type')).toBe('invite');
    const { data: user } = await client().auth.getUser(landed.fragment.get('access_token')!);
    expect(user.user?.user_metadata).toEqual({ team: 'blue' });
  });
});
