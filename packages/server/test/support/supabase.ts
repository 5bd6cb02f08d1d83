/**
 * supabase-js clients for the compatibility tests, built one way: supabase-js itself, unchanged,
 * pointed at a test server. No timers (autoRefreshToken off) and nothing read from a URL.
 */
import { createClient, type SupabaseClient, type SupportedStorage } from '@supabase/supabase-js';

interface Server {
  url: string;
  publishableKey: string;
  secretKey: string;
}

/** A storage of one client's own, for flows that keep state between calls (PKCE verifiers, sessions). */
export function memoryStorage(): SupportedStorage {
  const items = new Map<string, string>();
  return {
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, value),
    removeItem: (key) => void items.delete(key),
  };
}

/**
 * An app's client (the publishable key). Without `flowType` it keeps no session between calls;
 * with one, it keeps its session and PKCE verifier in a memory storage of its own.
 */
export function supabaseClient(server: Server, flowType?: 'implicit' | 'pkce'): SupabaseClient {
  return createClient(server.url, server.publishableKey, {
    auth: flowType
      ? { flowType, storage: memoryStorage(), persistSession: true, autoRefreshToken: false, detectSessionInUrl: false }
      : { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
  });
}

/** The admin API's client (the secret key). */
export function supabaseAdmin(server: Server): SupabaseClient {
  return createClient(server.url, server.secretKey, { auth: { persistSession: false, autoRefreshToken: false } });
}
