/** GET /authorize?provider=…: starts a provider sign-in (supabase-js signInWithOAuth). */
import { route } from '../../http/route.js';
import { authorizeQuery, startProviderFlow } from './start.js';

export const authorize = route({
  method: 'GET',
  path: '/authorize',
  auth: 'public',
  summary:
    "Start a sign-in with an identity provider: 302 to the provider (with skip_http_redirect=true, { url }), with a signed, single-use state bound to this browser by a cookie. redirect_to is checked like the email links'; code_challenge and code_challenge_method start a PKCE flow.",
  query: authorizeQuery,
  async handler({ app, query, request }) {
    return startProviderFlow(app, query, request, null);
  },
});
