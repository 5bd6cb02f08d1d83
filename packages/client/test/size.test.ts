/**
 * Size budget: the core (createClient: sign-in, session, refresh, fetch) stays ≤ 8 kB min+gzip,
 * and the email flows (exported as functions, so that an app that does not import them does not
 * ship them) add nothing to it.
 *
 * Bundled and minified from src with rolldown (vite's bundler, already installed), which strips
 * the TypeScript the way tsc does; no build step, so it never races the browser test's build.
 * What an app downloads up front is the entry chunk plus every chunk it imports statically;
 * chunks only reached by `import()` (PKCE for `signUp` / `updateUser` under `flowType: 'pkce'`)
 * load when used and are counted apart.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const BUDGET = 8 * 1024;
const index = JSON.stringify(join(packageDir, 'src/index.ts'));
const mfaEntry = JSON.stringify(join(packageDir, 'src/mfa.ts'));
const passkeyEntry = JSON.stringify(join(packageDir, 'src/passkey.ts'));

interface Measure {
  /** min+gzip bytes of what loads up front (gzipped as one file: the chunks concatenated). */
  upFront: number;
  /** min+gzip bytes of the chunks loaded on demand. */
  lazy: number;
  code: string;
}

async function measure(entry: string): Promise<Measure> {
  const { rolldown } = await import('rolldown');
  const bundle = await rolldown({
    input: 'entry',
    cwd: packageDir,
    resolve: { extensionAlias: { '.js': ['.ts', '.js'] } },
    plugins: [
      { name: 'entry', resolveId: (id: string) => (id === 'entry' ? id : null), load: (id: string) => (id === 'entry' ? entry : null) },
    ],
  });
  const { output } = await bundle.generate({ format: 'esm', minify: true });
  const chunks = new Map(output.filter((o) => o.type === 'chunk').map((c) => [c.fileName, c]));
  const first = output[0];
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    for (const next of chunks.get(name)?.imports ?? []) visit(next);
  };
  visit(first.fileName);
  const upFrontCode = [...seen].map((name) => chunks.get(name)!.code).join('\n');
  const lazyCode = [...chunks.keys()].filter((name) => !seen.has(name)).map((name) => chunks.get(name)!.code);
  return {
    upFront: gzipSync(upFrontCode).length,
    lazy: lazyCode.reduce((sum, code) => sum + gzipSync(code).length, 0),
    code: upFrontCode,
  };
}

const FLOWS = [
  'signInWithOtp',
  'verifyOtp',
  'resetPasswordForEmail',
  'resend',
  'reauthenticate',
  'exchangeCodeForSession',
  'signInAnonymously',
  'detectSessionInUrl',
  'signInWithOAuth',
  'signInWithIdToken',
  'linkIdentity',
  'unlinkIdentity',
  'getUserIdentities',
];

describe('size', () => {
  it('core ≤ 8 kB min+gzip; the email and provider flows add nothing to it', async () => {
    const core = await measure(`export { createClient, isLatchkeyError } from ${index};`);
    const flows = await measure(`export { createClient, isLatchkeyError, ${FLOWS.join(', ')} } from ${index};`);
    const everything = await measure(`export * from ${index};`);
    console.info(
      `[size] core ${core.upFront} B (+${core.lazy} B on demand), core + email flows ${flows.upFront} B, everything ${everything.upFront} B ` +
        `(min+gzip; budget ${BUDGET} B for core)`,
    );
    expect(core.upFront).toBeGreaterThan(2000); // sanity: the bundle really contains the client
    expect(core.upFront).toBeLessThanOrEqual(BUDGET);
    // Tree-shaken: none of the flows' requests, nor URL handling, is in what a core app loads.
    for (const marker of [
      '/otp',
      '/verify',
      '/recover',
      '/resend',
      '/reauthenticate',
      'grant_type=pkce',
      'replaceState',
      'auth_code',
      '/authorize',
      'grant_type=id_token',
      '/user/identities',
      'skip_http_redirect',
    ]) {
      expect(core.code, marker).not.toContain(marker);
      expect(flows.code, marker).toContain(marker);
    }
    expect(flows.upFront - core.upFront).toBeGreaterThan(500); // sanity: the flows are real code
  });

  it('second factors and passkeys are entry points of their own: the core pays nothing for them', async () => {
    const core = await measure(`export { createClient, isLatchkeyError } from ${index};`);
    const mfa = await measure(`export { createClient, isLatchkeyError } from ${index}; export * as mfa from ${mfaEntry};`);
    const totpOnly = await measure(
      `export { createClient, isLatchkeyError } from ${index}; export { enroll, challengeAndVerify, getAuthenticatorAssuranceLevel } from ${mfaEntry};`,
    );
    const passkey = await measure(`export { createClient, isLatchkeyError } from ${index}; export * from ${passkeyEntry};`);
    console.info(
      `[size] core ${core.upFront} B, core + mfa ${mfa.upFront} B (TOTP only: ${totpOnly.upFront} B), core + passkey ${passkey.upFront} B (min+gzip)`,
    );
    for (const marker of ['/factors', 'MFA_CHALLENGE_VERIFIED', 'data:image/svg+xml']) {
      expect(core.code, marker).not.toContain(marker);
      expect(mfa.code, marker).toContain(marker);
    }
    for (const marker of ['/passkeys', 'parseRequestOptionsFromJSON']) {
      expect(core.code, marker).not.toContain(marker);
      expect(passkey.code, marker).toContain(marker);
    }
    // TOTP-only apps do not ship the browser's WebAuthn ceremony.
    expect(totpOnly.code).not.toContain('parseCreationOptionsFromJSON');
    expect(mfa.code).toContain('parseCreationOptionsFromJSON');
  });
});
