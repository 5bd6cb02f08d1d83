/**
 * PKCE for the flows built into the client object (`signUp`, `updateUser({ email })`), loaded only
 * when a client with `flowType: 'pkce'` needs it: an app that signs in with a password does not
 * ship it. (The flows exported as functions import `pkce.ts` directly; bundlers share one copy.)
 * Failures here (no CSPRNG, a chunk that cannot be fetched, storage) come back to the flow's
 * `{ error }` as `unexpected_response` with the reason as `cause`, keeping the core small.
 */
import type { Context } from '../context.js';
import type { PkceStart } from './pkce.js';

export async function maybePkce(ctx: Context): Promise<PkceStart | undefined> {
  // Awaited in the flow's try: a failure (no CSPRNG, a chunk that cannot be fetched) is its `{ error }`.
  if (ctx.options.flowType === 'pkce') return (await import('./pkce.js')).startPkce(ctx.options);
}
