/**
 * Per-provider settings: `LATCHKEY_EXTERNAL_<NAME>_<SUFFIX>` (GoTrue's `GOTRUE_EXTERNAL_<NAME>_*`).
 * Their names are dynamic, so they are declared here as one table of suffixes, which feeds the
 * parser below, `latchkey serve --help` and the configuration reference; config.ts declares one
 * setting (`externalProviders`) that is resolved from them.
 */

/** What a provider speaks: OpenID Connect (discovery, ID tokens) or GitHub's OAuth 2.0 and REST API. */
export type ProviderKind = 'oidc' | 'github';

export interface ExternalProviderConfig {
  /** Lower-case name, as apps pass it in `?provider=` (`google`, `my_idp`). */
  name: string;
  kind: ProviderKind;
  /** The client id the flows use; the first of LATCHKEY_EXTERNAL_<NAME>_CLIENT_ID. */
  clientId: string;
  /** Every client id an ID token may be issued to (the whole comma-separated list: web, iOS, Android apps). */
  audiences: string[];
  secret: string | undefined;
  /** The callback URL registered at the provider; default: `<LATCHKEY_API_EXTERNAL_URL>/callback`. */
  redirectUri: string | undefined;
  /** The OpenID issuer (OIDC), or GitHub's base URL (GitHub Enterprise; default https://github.com). */
  issuer: string;
  scopes: string[];
}

/** One suffix of the per-provider table. */
export interface ProviderSetting {
  suffix: string;
  description: string;
}

export const PROVIDER_SETTINGS: readonly ProviderSetting[] = [
  { suffix: 'ENABLED', description: 'Turn the provider on (true/false). Only enabled providers are read and listed by GET /settings.' },
  {
    suffix: 'CLIENT_ID',
    description:
      'The client id registered at the provider. A comma-separated list for the id_token grant: the first runs the redirect flow, all are accepted audiences.',
  },
  { suffix: 'SECRET', description: 'The client secret (optional for a public OIDC client).' },
  { suffix: 'REDIRECT_URI', description: 'The callback URL registered at the provider (default: <LATCHKEY_API_EXTERNAL_URL>/callback).' },
  {
    suffix: 'ISSUER',
    description:
      "OpenID Connect issuer URL, discovered at <issuer>/.well-known/openid-configuration (presets fill it; required otherwise). GitHub: the base URL of a GitHub Enterprise server. _URL is accepted as GoTrue's alias.",
  },
  { suffix: 'SCOPES', description: 'Extra scopes, comma- or space-separated, added to the preset ones (OIDC always asks for openid).' },
];

interface Preset {
  kind: ProviderKind;
  issuer?: string;
  scopes: string[];
}

/** Providers known by name: the issuer and scopes they need. Any other name is a generic OIDC provider. */
export const PROVIDER_PRESETS: Readonly<Record<string, Preset>> = {
  google: { kind: 'oidc', issuer: 'https://accounts.google.com', scopes: ['openid', 'email', 'profile'] },
  gitlab: { kind: 'oidc', issuer: 'https://gitlab.com', scopes: ['openid', 'email', 'profile'] },
  // Entra ID's multi-tenant issuers are templates ({tenantid}) that no strict validator accepts:
  // name the tenant, https://login.microsoftonline.com/<tenant-id>/v2.0.
  azure: { kind: 'oidc', scopes: ['openid', 'email', 'profile'] },
  keycloak: { kind: 'oidc', scopes: ['openid', 'email', 'profile'] },
  github: { kind: 'github', issuer: 'https://github.com', scopes: ['read:user', 'user:email'] },
};

/** Names under LATCHKEY_EXTERNAL_* that are settings of their own, not providers. */
const NOT_PROVIDERS = new Set(['ANONYMOUS_USERS', 'EMAIL', 'PHONE']);

const truthy = (raw: string | undefined) => raw !== undefined && /^(1|true|yes|on)$/i.test(raw.trim());
const list = (raw: string | undefined) => (raw ?? '').split(/[\s,]+/).filter(Boolean);

/**
 * Reads every enabled provider from the environment. Throws an Error naming the variable on a
 * missing or bad value, so a misconfigured provider stops the server at start, not at sign-in.
 */
export function parseExternalProviders(env: NodeJS.ProcessEnv): Record<string, ExternalProviderConfig> {
  const providers: Record<string, ExternalProviderConfig> = {};
  for (const key of Object.keys(env).sort()) {
    const match = /^LATCHKEY_EXTERNAL_([A-Z0-9]+(?:_[A-Z0-9]+)*)_ENABLED$/.exec(key);
    if (!match || NOT_PROVIDERS.has(match[1]!) || !truthy(env[key])) continue;
    const NAME = match[1]!;
    const prefix = `LATCHKEY_EXTERNAL_${NAME}_`;
    const name = NAME.toLowerCase();
    const preset = PROVIDER_PRESETS[name];
    const clientIds = list(env[`${prefix}CLIENT_ID`]);
    if (clientIds.length === 0) throw new Error(`${prefix}CLIENT_ID is required when ${key} is on`);
    const issuer = env[`${prefix}ISSUER`] ?? env[`${prefix}URL`] ?? preset?.issuer;
    if (!issuer) throw new Error(`${prefix}ISSUER is required for the ${name} provider`);
    checkUrl(issuer, `${prefix}ISSUER`);
    const redirectUri = env[`${prefix}REDIRECT_URI`] || undefined;
    if (redirectUri) checkUrl(redirectUri, `${prefix}REDIRECT_URI`);
    const kind = preset?.kind ?? 'oidc';
    const scopes = [
      ...new Set([...(preset?.scopes ?? (kind === 'oidc' ? ['openid', 'email', 'profile'] : [])), ...list(env[`${prefix}SCOPES`])]),
    ];
    if (kind === 'oidc' && !scopes.includes('openid')) scopes.unshift('openid');
    providers[name] = {
      name,
      kind,
      clientId: clientIds[0]!,
      audiences: clientIds,
      secret: env[`${prefix}SECRET`] || undefined,
      redirectUri,
      issuer: issuer.replace(/\/$/, ''),
      scopes,
    };
  }
  return providers;
}

function checkUrl(value: string, name: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${name} must be an absolute URL, got "${value}"`);
  }
  // Plain HTTP only to this machine (a local test IdP); anywhere else the provider's answers,
  // keys and our client secret would cross the network unauthenticated.
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname))) {
    throw new Error(`${name} must be an https URL (http only for localhost), got "${value}"`);
  }
}

export function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]';
}

/** The per-provider rows of `--help` and the configuration reference. */
export function providerSettingsHelp(): string {
  return PROVIDER_SETTINGS.map((s) => `  LATCHKEY_EXTERNAL_<NAME>_${s.suffix}  ${s.description}`).join('\n');
}
