/**
 * Reading (not verifying) an access token's claims on the client: the token came from the auth
 * server over TLS and is only read for display and routing decisions (which level the session
 * has). APIs verify it (`@latchkey/verify`); nothing here grants anything.
 */

/** The claims of a JWT's payload, or undefined when it is not a readable JWT. */
export function readClaims(jwt: string): Record<string, unknown> | undefined {
  const part = jwt.split('.')[1];
  if (!part) return undefined;
  try {
    const base64 = part.replace(/-/g, '+').replace(/_/g, '/');
    const binary = atob(base64.padEnd(base64.length + ((4 - (base64.length % 4)) % 4), '='));
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    const claims: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return typeof claims === 'object' && claims !== null && !Array.isArray(claims) ? (claims as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
