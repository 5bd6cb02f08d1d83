/** The enabled providers' clients, by name, built once at start. */
import type { IdentityProviderClient } from './client.js';
import { githubClient } from './github.js';
import { oidcClient } from './oidc.js';
import type { ExternalProviderConfig } from './settings.js';

export type ProviderRegistry = ReadonlyMap<string, IdentityProviderClient>;

export function providerRegistry(providers: Record<string, ExternalProviderConfig>): ProviderRegistry {
  const clients = new Map<string, IdentityProviderClient>();
  for (const config of Object.values(providers)) {
    clients.set(config.name, config.kind === 'github' ? githubClient(config) : oidcClient(config));
  }
  return clients;
}
