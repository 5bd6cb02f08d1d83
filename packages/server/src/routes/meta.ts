import { LatchkeyError } from '../errors.js';
import { route } from '../http/route.js';

export const health = route({
  method: 'GET',
  path: '/health',
  auth: 'public',
  summary: 'Liveness and version (also HEAD); 503 service_unavailable when the database does not answer within LATCHKEY_DB_TIMEOUT_MS.',
  async handler({ app }) {
    // Bounded on every database (PGlite has no statement timeout): a load balancer learns that
    // this process cannot serve within seconds, whatever holds the database up.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new LatchkeyError('service_unavailable', 'The database did not answer in time.')),
        app.config.dbTimeoutMs,
      );
    });
    try {
      await Promise.race([app.db.query('SELECT 1'), timeout]);
    } finally {
      clearTimeout(timer);
    }
    return { body: { version: '0.1.0', name: 'Latchkey', description: 'Latchkey is a Supabase Auth compatible auth server.' } };
  },
});

export const settings = route({
  method: 'GET',
  path: '/settings',
  auth: 'public',
  summary: 'Which sign-in methods are enabled (GoTrue settings).',
  async handler({ app }) {
    return {
      body: {
        external: {
          anonymous_users: app.config.externalAnonymousUsersEnabled,
          email: true,
          phone: false,
          // Each enabled identity provider by name, true (GoTrue lists its providers the same way).
          ...Object.fromEntries([...app.providers.keys()].map((name) => [name, true])),
        },
        disable_signup: app.config.disableSignup,
        mailer_autoconfirm: app.config.mailerAutoconfirm,
        phone_autoconfirm: false,
        sms_provider: '',
        saml_enabled: false,
        passkeys_enabled: app.config.passkeyEnabled,
      },
    };
  },
});

export const jwks = route({
  method: 'GET',
  path: '/.well-known/jwks.json',
  auth: 'public',
  summary: 'Public keys that verify access tokens.',
  async handler({ app }) {
    // Cacheable: verifiers fetch it rarely; a new key is published before it signs (issue #8).
    return { body: app.keys.jwks, headers: { 'cache-control': 'public, max-age=600' } };
  },
});
