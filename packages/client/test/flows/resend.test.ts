/** resend: POST /resend { email, type } for signup and email_change, PKCE as the first message had it. */
import { describe, expect, it } from 'vitest';
import { resend } from '../../src/flows/resend.js';
import { fakeClock, fakeServer, json, s256, testClient } from '../helpers.js';

describe('resend', () => {
  it('signup and email_change, with redirect_to', async () => {
    const server = fakeServer({ 'POST /resend': () => json(200, {}) });
    const t = await testClient({ fetch: server.fetch, clock: fakeClock() });
    expect(await resend(t.auth, { type: 'signup', email: 'ada@example.com', emailRedirectTo: 'https://app.example/' })).toEqual({
      data: { user: null, session: null },
      error: null,
    });
    await resend(t.auth, { type: 'email_change', email: 'ada@example.com' });
    expect(server.calls.map((c) => [c.path, c.body])).toEqual([
      ['/resend?redirect_to=https%3A%2F%2Fapp.example%2F', { email: 'ada@example.com', type: 'signup' }],
      ['/resend', { email: 'ada@example.com', type: 'email_change' }],
    ]);
  });

  it('pkce: a challenge, and its verifier kept', async () => {
    const server = fakeServer({ 'POST /resend': () => json(200, {}) });
    const t = await testClient({ fetch: server.fetch, clock: fakeClock(), flowType: 'pkce' });
    await resend(t.auth, { type: 'signup', email: 'ada@example.com' });
    const verifier = (await t.storage.getItem(`${t.key}-code-verifier`)) as string;
    expect(server.calls[0]?.body.code_challenge).toBe(s256(verifier));
  });

  it('refuses other types (magic links and recoveries are asked for again with their own calls)', async () => {
    const server = fakeServer({});
    const t = await testClient({ fetch: server.fetch, clock: fakeClock() });
    expect((await resend(t.auth, { type: 'magiclink', email: 'a@example.com' } as never)).error?.code).toBe('invalid_argument');
    expect(server.calls).toEqual([]);
  });
});
