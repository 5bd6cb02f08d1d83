/**
 * `enroll`: adds a second factor to the signed-in user (`POST /factors`). The factor is
 * `unverified` until its first `verify`, which also raises the session to `aal2`.
 */
import type { LatchkeyClient } from '../client.js';
import { usableSession } from '../flows/get-session.js';
import { fail, invalid, missingSession, ok } from '../flows/result.js';
import { withClient } from '../internals.js';
import type { Result } from '../types.js';

export type EnrollParams =
  | {
      factorType: 'totp';
      /** Shown in the user's list of factors; unique per user. */
      friendlyName?: string;
      /** Shown in the authenticator app next to the account (default: the server's WebAuthn RP ID, your domain). */
      issuer?: string;
    }
  | { factorType: 'webauthn'; friendlyName?: string };

export interface TotpEnrollment {
  id: string;
  type: 'totp';
  friendly_name: string;
  totp: {
    /** The QR code as a `data:image/svg+xml` URI: put it in an `<img src>`. */
    qr_code: string;
    /** The shared secret (base32), for users who type it in instead of scanning. */
    secret: string;
    /** The `otpauth://totp/…` URI the QR code encodes. */
    uri: string;
  };
}

export interface WebAuthnEnrollment {
  id: string;
  type: 'webauthn';
  friendly_name: string;
}

export type EnrollResult<T extends EnrollParams = EnrollParams> = T extends { factorType: 'totp' }
  ? Result<TotpEnrollment>
  : Result<WebAuthnEnrollment>;

const TOTP_KEYS: (keyof TotpEnrollment)[] = ['id', 'type', 'friendly_name', 'totp'];

/**
 * Enrols a TOTP factor (answering its secret and QR code, once) or a WebAuthn factor (its
 * registration happens in its first challenge: see `verifyWithWebAuthn`). The user then proves it
 * with `challengeAndVerify` (TOTP), which marks it verified and raises this session to `aal2`.
 *
 * @example
 * import * as mfa from '@latchkey/client/mfa';
 * const { data, error } = await mfa.enroll(auth, { factorType: 'totp', friendlyName: 'Phone' });
 * if (error) throw error;
 * img.src = data.totp.qr_code; // scan it, then: mfa.challengeAndVerify(auth, { factorId: data.id, code })
 */
export function enroll<T extends EnrollParams>(client: LatchkeyClient, params: T): Promise<EnrollResult<T>>;
export function enroll(client: LatchkeyClient, params: EnrollParams): Promise<Result<TotpEnrollment | WebAuthnEnrollment>> {
  const keys = TOTP_KEYS as (keyof (TotpEnrollment | WebAuthnEnrollment))[];
  return withClient(client, keys, async (ctx) => {
    const type = params?.factorType;
    if (type !== 'totp' && type !== 'webauthn') return fail(keys, invalid("enroll needs { factorType: 'totp' | 'webauthn' }."));
    const { session, error } = await usableSession(ctx);
    if (!session) return fail(keys, error ?? missingSession());
    try {
      const body = await ctx.http<TotpEnrollment | WebAuthnEnrollment>('POST', '/factors', {
        token: session.access_token,
        body: {
          factor_type: type,
          friendly_name: params.friendlyName,
          ...(params.factorType === 'totp' ? { issuer: params.issuer } : {}),
        },
      });
      if (typeof body?.id !== 'string') return fail(keys, undefined);
      // GoTrue answers the raw SVG; supabase-js hands apps a data URI, and so do we.
      if (body.type === 'totp' && typeof body.totp?.qr_code === 'string' && !body.totp.qr_code.startsWith('data:')) {
        body.totp.qr_code = `data:image/svg+xml;utf-8,${body.totp.qr_code}`;
      }
      return ok(body);
    } catch (thrown) {
      return fail(keys, thrown);
    }
  });
}
