/** `listFactors`: the user's factors as the server knows them now (`GET /user`). */
import type { LatchkeyClient } from '../client.js';
import { getUser } from '../flows/get-user.js';
import { fail, ok } from '../flows/result.js';
import { withClient } from '../internals.js';
import type { Result } from '../types.js';
import type { Factor } from './types.js';

export interface FactorList {
  /** Every factor, verified or not. */
  all: Factor[];
  /** Verified TOTP factors. */
  totp: Factor[];
  /** Verified WebAuthn factors. */
  webauthn: Factor[];
  /** Verified phone factors (Latchkey has none; GoTrue may). */
  phone: Factor[];
}

const KEYS: (keyof FactorList)[] = ['all', 'totp', 'webauthn', 'phone'];

/**
 * Lists the user's factors: `all`, and the verified ones by type (as supabase-js does). Asks the
 * server (`GET /user`), so a factor added in another tab is there.
 *
 * @example
 * import * as mfa from '@latchkey/client/mfa';
 * const { data } = await mfa.listFactors(auth);
 * const totp = data.totp[0]; // the verified TOTP factor to challenge, if any
 */
export function listFactors(client: LatchkeyClient): Promise<Result<FactorList>> {
  return withClient(client, KEYS, async (ctx) => {
    const { data, error } = await getUser(ctx);
    if (error) return fail(KEYS, error);
    const list: FactorList = { all: [], totp: [], webauthn: [], phone: [] };
    for (const factor of (Array.isArray(data.user.factors) ? data.user.factors : []) as Factor[]) {
      list.all.push(factor);
      if (factor.status === 'verified' && factor.factor_type in list) list[factor.factor_type].push(factor);
    }
    return ok(list);
  });
}
