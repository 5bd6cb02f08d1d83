/** Reading the small JSON bodies of the token handler's POST routes. */

/** A route's body is a few short strings; anything much larger is not one. */
const MAX_BODY_BYTES = 8 * 1024;

/**
 * The request's JSON object, or null when it is not one. JSON only: a cross-site HTML form
 * cannot send `application/json` without a CORS preflight.
 */
export async function readJson(request: Request): Promise<Record<string, unknown> | null> {
  if (!(request.headers.get('content-type') ?? '').toLowerCase().startsWith('application/json')) return null;
  if (Number(request.headers.get('content-length') ?? 0) > MAX_BODY_BYTES) return null;
  const text = await request.text().catch(() => '');
  if (text.length > MAX_BODY_BYTES) return null;
  try {
    const body: unknown = JSON.parse(text);
    return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** `body[key]` when it is a non-empty string. */
export function text(body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}
