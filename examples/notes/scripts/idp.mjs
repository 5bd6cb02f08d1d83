/**
 * The demo's identity provider, for its "Continue with Demo IdP" button: a real OpenID provider
 * (node-oidc-provider, the certified implementation many IdPs build on) with its development
 * login and consent pages, in memory. Any login name and any password sign in: `ada` becomes
 * `ada@idp.example` (a verified email, so it joins an account already registered with that
 * address, as a company IdP's would); a login that is an email address keeps it.
 *
 * It listens before the auth server starts (whose settings need the issuer) and learns where to
 * send users back, the auth server's `/callback`, once that server runs: `configure()`.
 * Never a production IdP: development keys, cookies and interactions, all in memory.
 */
import { appendFileSync } from 'node:fs';
import { createServer } from 'node:http';

export const DEMO_IDP = {
  /** The provider's name at the auth server: `?provider=demo`, LATCHKEY_EXTERNAL_DEMO_*. */
  name: 'demo',
  clientId: 'latchkey-notes',
  /** Not a secret: this provider exists only on this machine, for the demo. */
  clientSecret: 'latchkey-notes-demo-idp',
};

/** Who a login name is: its email (verified) and a display name. */
export function demoAccount(login) {
  const email = login.includes('@') ? login.toLowerCase() : `${login.toLowerCase()}@idp.example`;
  return { sub: login, email, email_verified: true, name: login.split('@')[0] };
}

/**
 * node-oidc-provider says what a development setup lacks (in-memory adapter, development keys,
 * its Node version) with `console.warn` / `console.info` lines of its own, at import and later.
 * True, and meant for its operators: here they go to the IdP's log file, not the demo's terminal
 * (whose errors are one line each).
 */
let noticeLog;
function divertProviderNotices(logFile) {
  const installed = noticeLog !== undefined;
  noticeLog = logFile; // the newest demo's log, when a process starts several (the tests)
  if (installed) return;
  for (const method of ['warn', 'info']) {
    const original = console[method];
    console[method] = (...args) => {
      if (typeof args[0] === 'string' && args[0].includes('oidc-provider ')) appendFileSync(noticeLog, `${args.join(' ')}\n`);
      else original.apply(console, args);
    };
  }
}

/**
 * Starts the IdP on `port` (0: any free one) of 127.0.0.1 — a loopback issuer, the one kind the
 * auth server accepts over plain http. Resolves with its issuer, `configure`, and `close`.
 * The provider's own notices go to `logFile`.
 */
export async function startDemoIdp({ port = 0, logFile }) {
  divertProviderNotices(logFile);
  // Loaded here, not at the top: only the demo (a development dependency) needs it.
  const { default: Provider } = await import('oidc-provider');
  let callback;
  const server = createServer((req, res) => {
    if (!callback) {
      res.statusCode = 503;
      res.end('The demo IdP is starting.');
      return;
    }
    callback(req, res);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const issuer = `http://127.0.0.1:${server.address().port}`;
  return {
    issuer,
    /** Registers the auth server's callback as the one place this provider sends users back to. */
    configure(redirectUri) {
      const provider = new Provider(issuer, {
        clients: [
          {
            client_id: DEMO_IDP.clientId,
            client_secret: DEMO_IDP.clientSecret,
            redirect_uris: [redirectUri],
            grant_types: ['authorization_code'],
            response_types: ['code'],
          },
        ],
        async findAccount(_ctx, id) {
          const claims = demoAccount(id);
          return { accountId: id, claims: async () => claims };
        },
        claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
        cookies: { keys: ['latchkey-notes-demo-idp-cookies'] },
        features: { devInteractions: { enabled: true } },
        pkce: { required: () => true },
        // A failed step shows one line of words, not the provider's debugging page.
        renderError(ctx, out) {
          ctx.type = 'html';
          ctx.body = `<!doctype html><title>Demo IdP</title><p>The demo IdP could not go on: ${String(out.error_description ?? out.error).replace(/[<>&"]/g, '')}</p>`;
        },
      });
      callback = provider.callback();
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
