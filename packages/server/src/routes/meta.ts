import { route } from '../http/route.js';

export const health = route({
  method: 'GET',
  path: '/health',
  auth: 'public',
  summary: 'Liveness and version.',
  async handler({ app }) {
    await app.db.query('SELECT 1');
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
        external: { anonymous_users: false, email: true, phone: false },
        disable_signup: app.config.disableSignup,
        mailer_autoconfirm: true,
        phone_autoconfirm: false,
        sms_provider: '',
        saml_enabled: false,
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
