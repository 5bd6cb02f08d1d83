/**
 * Verifying what an email carried (GoTrue's /verify):
 * - POST /verify { type, token_hash } or { type, email, token } → a session (supabase-js verifyOtp);
 * - GET /verify?token=…&type=…&redirect_to=… (the link in the email) → 303 to the app, with the
 *   session in the URL fragment, or `?code=` for a flow started with PKCE, or the error as
 *   `error`, `error_code`, `error_description`.
 *
 * A token is used up in the statement that finds it (store/one-time-tokens.ts); everything the
 * verification does (confirm the address, change it, start the session) happens in that same
 * transaction, so a failure (a banned user, an address taken meanwhile) leaves the token usable.
 */
import { z } from 'zod';
import type { App } from '../../app.js';
import { hashCode, hashLinkToken, looksLikeLinkToken, mintAuthCode, PKCE_PREFIX } from '../../crypto/one-time-token.js';
import { LatchkeyError, isLatchkeyError } from '../../errors.js';
import { emailField, parse, route, type Reply, type RequestInfo } from '../../http/route.js';
import { issueAuthCode } from '../../store/flow-states.js';
import { consumeByCode, consumeByLink, hasLiveToken, type OneTimeTokenRow, type TokenType } from '../../store/one-time-tokens.js';
import { createSession, type SessionWithUser } from '../../store/sessions.js';
import { completeEmailChange, confirmEmail, lockUser } from '../../store/user-email.js';
import { isBanned, type UserRow } from '../../store/users.js';
import { sessionResponse } from '../session-response.js';
import { assertGuessesLeft, countWrongGuess } from './guesses.js';

/** Which tokens each verification type accepts (GoTrue's: `email` is a sign-up or a magic link code). */
const TOKEN_TYPES: Record<string, readonly TokenType[]> = {
  signup: ['confirmation'],
  invite: ['confirmation'],
  recovery: ['recovery'],
  magiclink: ['recovery'],
  email: ['confirmation', 'recovery'],
  email_change: ['email_change_current', 'email_change_new'],
};

/** GoTrue's answer when one address of a secure email change has confirmed and the other has not yet. */
export const SINGLE_CONFIRMATION = 'Confirmation link accepted. Please proceed to confirm link sent to the other email';

const LINK_FAILED = 'Email link is invalid or has expired';
const CODE_FAILED = 'Token has expired or is invalid';

type Presented = { via: 'link'; token: string } | { via: 'code'; email: string; token: string };

const unprefixed = (token: string) => (token.startsWith(PKCE_PREFIX) ? token.slice(PKCE_PREFIX.length) : token);

type Outcome =
  | { kind: 'session'; session: SessionWithUser; user: UserRow; emailChanged: { from: string | null; to: string } | undefined }
  | { kind: 'auth_code'; code: string; user: UserRow }
  | { kind: 'partial'; user: UserRow; flowStateId: string | null };

/**
 * Uses the presented token and does what it was for. `issueCode`: a followed link of a PKCE flow
 * gets an auth code (exchanged at /token with the verifier) instead of a session.
 */
async function verify(app: App, request: RequestInfo, type: string, presented: Presented, issueCode: boolean): Promise<Outcome> {
  const types = TOKEN_TYPES[type];
  if (!types)
    throw new LatchkeyError(
      'validation_failed',
      presented.via === 'link' ? 'Invalid email verification type' : 'Unsupported verification type',
    );
  const address = presented.via === 'code' ? presented.email : undefined;
  await assertGuessesLeft(app, request, address);
  const outcome = await app.db.transaction(async (tx): Promise<Outcome | undefined> => {
    const now = request.now;
    let row: OneTimeTokenRow | undefined;
    if (presented.via === 'link') {
      // Not a token we mint (64 hex) cannot match: no need to ask the database.
      const token = unprefixed(presented.token);
      row = looksLikeLinkToken(token) ? await consumeByLink(tx, hashLinkToken(token), types, now) : undefined;
    } else {
      row = /^\d{6,10}$/.test(presented.token)
        ? await consumeByCode(tx, presented.email, hashCode(app.codeKey, presented.email, presented.token), types, now)
        : undefined;
    }
    if (!row) return undefined;
    let user = await lockUser(tx, row.user_id);
    if (!user) return undefined;
    // Thrown inside the transaction: it rolls back and the token stays usable once the ban ends.
    if (isBanned(user, now)) throw new LatchkeyError('user_banned', 'User is banned');
    let emailChanged: { from: string | null; to: string } | undefined;
    if (row.token_type === 'email_change_current' || row.token_type === 'email_change_new') {
      const other = row.token_type === 'email_change_current' ? 'email_change_new' : 'email_change_current';
      // The user row is locked: of two confirmations arriving together, the second to get here
      // sees the first's token gone and completes the change; neither can leave it half done.
      if (await hasLiveToken(tx, user.id, other, now)) return { kind: 'partial', user, flowStateId: row.flow_state_id };
      const from = user.email;
      const changed = await completeEmailChange(tx, user.id, now);
      if (!changed) return undefined;
      emailChanged = { from, to: changed.email as string };
      user = changed;
    } else {
      // A sign-up, invite, magic link or recovery link proves the address: confirm it (GoTrue does too).
      user = (await confirmEmail(tx, user.id, now)) ?? user;
    }
    if (issueCode && row.flow_state_id) {
      const code = mintAuthCode();
      if (!(await issueAuthCode(tx, row.flow_state_id, hashLinkToken(code), now))) {
        throw new LatchkeyError('flow_state_not_found', 'No associated flow state found.', { status: 400 });
      }
      return { kind: 'auth_code', code, user };
    }
    // amr `recovery` marks a session that exists to set a new password (GoTrue's PKCE flows name
    // their method the same way); every other email verification is GoTrue's `otp`.
    const session = await createSession(tx, user.id, row.token_type === 'recovery' && type === 'recovery' ? 'recovery' : 'otp', {
      now,
      userAgent: request.userAgent,
      ip: request.ip,
    });
    return { kind: 'session', session, user, emailChanged };
  });
  if (!outcome) {
    await countWrongGuess(app, request, address);
    await app.audit({
      type: 'verification_failed',
      actor: 'anonymous',
      ip: request.ip,
      userAgent: request.userAgent,
      data: { type, via: presented.via, ...(address ? { email: address } : {}) },
    });
    throw new LatchkeyError('otp_expired', presented.via === 'link' ? LINK_FAILED : CODE_FAILED);
  }
  await app.audit({
    type: 'verified',
    actor: 'user',
    userId: outcome.user.id,
    sessionId: outcome.kind === 'session' ? outcome.session.session.id : undefined,
    ip: request.ip,
    userAgent: request.userAgent,
    data: { type, via: presented.via, result: outcome.kind },
  });
  if (outcome.kind === 'session' && outcome.emailChanged) {
    await app.audit({
      type: 'email_changed',
      actor: 'user',
      userId: outcome.user.id,
      ip: request.ip,
      userAgent: request.userAgent,
      data: outcome.emailChanged,
    });
  }
  return outcome;
}

const postBody = z.object({
  type: z.string().nullish(),
  token: z.string().max(1024).nullish(),
  token_hash: z.string().max(1024).nullish(),
  email: z.string().nullish(),
  phone: z.string().nullish(),
  redirect_to: z.string().nullish(),
});

export const verifyPost = route({
  method: 'POST',
  path: '/verify',
  auth: 'public',
  summary:
    '{ type, token_hash } or { type, email, token } (the link token or the code of an email) → a session (supabase-js verifyOtp). type: signup, invite, recovery, magiclink, email, email_change. Wrong or used: 403 otp_expired; wrong codes are limited per address and IP.',
  body: postBody,
  async handler({ app, body, request }) {
    const type = body.type ?? '';
    if (!type) throw new LatchkeyError('validation_failed', 'Verify requires a verification type');
    const token = body.token ?? '';
    const tokenHash = body.token_hash ?? '';
    if ((token === '') === (tokenHash === ''))
      throw new LatchkeyError('validation_failed', 'Verify requires either a token or a token hash');
    let presented: Presented;
    if (token !== '') {
      if (body.phone && !body.email) throw new LatchkeyError('otp_expired', CODE_FAILED);
      if (!body.email || body.phone) {
        throw new LatchkeyError('validation_failed', 'Only an email address or phone number should be provided on verify');
      }
      let email: string;
      try {
        email = parse(z.object({ email: emailField }), body).email;
      } catch {
        throw new LatchkeyError('validation_failed', 'Invalid email format', { status: 422 });
      }
      presented = { via: 'code', email, token };
    } else {
      if (body.email || body.phone || body.redirect_to) {
        throw new LatchkeyError('validation_failed', 'Only the token_hash and type should be provided');
      }
      presented = { via: 'link', token: tokenHash };
    }
    const outcome = await verify(app, request, type, presented, false);
    if (outcome.kind === 'partial') return { body: { msg: SINGLE_CONFIRMATION, code: '200' } };
    if (outcome.kind === 'auth_code') throw new Error('unreachable: POST /verify issues sessions');
    return { body: sessionResponse(app, outcome.session, request.now) };
  },
});

/** OAuth 2's `error` for a status, as GoTrue maps them in its redirects. */
const OAUTH_ERROR: Record<number, string> = {
  400: 'invalid_request',
  401: 'unauthorized_client',
  403: 'access_denied',
  500: 'server_error',
  503: 'temporarily_unavailable',
};

/** `key=value&…` sorted by key, as Go's url.Values.Encode writes it (GoTrue's fragments). */
function encodeSorted(params: Record<string, string>): string {
  return new URLSearchParams(Object.entries(params).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))).toString();
}

function redirect(location: string): Reply {
  return { status: 303, headers: { location } };
}

function withQuery(base: string, params: Record<string, string>): string {
  const url = new URL(base);
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  return url.href;
}

export const verifyGet = route({
  method: 'GET',
  path: '/verify',
  auth: 'public',
  summary:
    'The link in an email: ?token=…&type=…&redirect_to=… → 303 to redirect_to (when allowed, else LATCHKEY_SITE_URL) with the session in the fragment (access_token, refresh_token, expires_in, expires_at, token_type, type), or ?code= for a PKCE flow (exchange it at /token?grant_type=pkce), or #error=…&error_code=…&error_description=….',
  query: z.object({
    token: z.string().max(1024).optional(),
    type: z.string().max(64).optional(),
    redirect_to: z.string().max(4096).optional(),
  }),
  async handler({ app, query, request }) {
    if (!query.type) throw new LatchkeyError('validation_failed', 'Verify requires a verification type');
    if (!query.token) throw new LatchkeyError('validation_failed', 'Verify requires a token or a token hash');
    // Where the browser goes, whatever happens next: an allowed URL or the site, never the caller's choice.
    const to = app.redirects.resolve(query.redirect_to);
    let outcome: Outcome;
    try {
      outcome = await verify(app, request, query.type, { via: 'link', token: query.token }, true);
    } catch (error) {
      if (!isLatchkeyError(error)) throw error;
      const params: Record<string, string> = { error_code: error.code, error_description: error.message, sb: '' };
      const oauth = OAUTH_ERROR[error.status];
      if (oauth) params.error = oauth;
      // A PKCE flow's callback may run on a server, which cannot read the fragment: the error goes
      // in the query too (as GoTrue does), so it can say what went wrong.
      const base = query.token.startsWith(PKCE_PREFIX) ? withQuery(to, params) : to;
      return redirect(`${base}#${encodeSorted(params)}`);
    }
    if (outcome.kind === 'partial') {
      const base = outcome.flowStateId ? withQuery(to, { message: SINGLE_CONFIRMATION }) : to;
      return redirect(`${base}#${encodeSorted({ message: SINGLE_CONFIRMATION, sb: '' })}`);
    }
    if (outcome.kind === 'auth_code') return redirect(withQuery(to, { code: outcome.code }));
    const tokens = sessionResponse(app, outcome.session, request.now);
    return redirect(
      `${to}#${encodeSorted({
        access_token: tokens.access_token,
        expires_at: String(tokens.expires_at),
        expires_in: String(tokens.expires_in),
        refresh_token: tokens.refresh_token,
        sb: '',
        token_type: tokens.token_type,
        type: query.type,
      })}`,
    );
  },
});
