/** Test doubles for second factors: an unsigned JWT carrying the claims the client reads. */
import { USER } from '../helpers.js';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A JWT-shaped token (not signed: the client reads claims, it never verifies them). */
export function jwt(claims: Record<string, unknown>): string {
  return `${b64({ alg: 'ES256', typ: 'JWT' })}.${b64(claims)}.c2ln`;
}

export const VERIFIED_TOTP = {
  id: '11111111-1111-4111-8111-111111111111',
  friendly_name: 'Phone',
  factor_type: 'totp',
  status: 'verified',
  created_at: '2030-01-01T00:00:00Z',
  updated_at: '2030-01-01T00:00:00Z',
};

export const USER_WITH_FACTOR = { ...USER, factors: [VERIFIED_TOTP] };
