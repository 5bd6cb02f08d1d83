/** PKCE for the flows exported as functions: `lib/pkce.ts` with its failures turned into coded errors. */
import type { Context } from '../context.js';
import { LatchkeyError, toLatchkeyError } from '../errors.js';
import { NO_CSPRNG, startPkce, type PkceStart } from '../lib/pkce.js';

/**
 * Starts a PKCE flow when the client's `flowType` is `pkce` (undefined otherwise). Throws
 * `invalid_argument` without a CSPRNG; the returned `save` throws `storage_failed`.
 */
export async function beginPkce(ctx: Context, recovery = false): Promise<PkceStart | undefined> {
  if (ctx.options.flowType !== 'pkce') return undefined;
  let start: PkceStart;
  try {
    start = await startPkce(ctx.options, recovery);
  } catch (error) {
    throw new LatchkeyError('invalid_argument', NO_CSPRNG, { cause: error });
  }
  return {
    params: start.params,
    async save() {
      try {
        await start.save();
      } catch (error) {
        throw toLatchkeyError(error, 'storage_failed', 'The storage adapter failed to keep the PKCE code verifier.');
      }
    },
  };
}
