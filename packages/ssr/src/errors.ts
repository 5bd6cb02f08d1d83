/**
 * The one error type of `@latchkey/ssr`, with a closed list of codes.
 *
 * Failures that come from the auth server or the network stay `LatchkeyError`s of
 * `@latchkey/client` (the server client returns them in `{ error }` as the client does); an
 * `SsrError` is raised for what this package adds: its options, cookies, the token handler's
 * routes, stores and locks. When a client error is the reason, it is the `cause`.
 *
 * Messages are fixed strings written here or written by the caller of the constructor in this
 * package: never a token, a cookie value, a session id or a password.
 */

/** Every code, the HTTP status the token handler answers it with, and its default message. */
export const SSR_ERROR_CODES = {
  invalid_argument: [500, 'The options are invalid.'],
  bad_request: [400, 'The request is not what this route expects.'],
  session_missing: [401, 'There is no session: sign in first.'],
  session_ended: [401, 'The session has ended at the auth server: sign in again.'],
  csrf_rejected: [403, 'A state-changing request must come from an allowed origin.'],
  auth_refused: [502, 'The auth server refused the request.'],
  auth_unavailable: [503, 'The auth server could not be reached; try again.'],
  lock_timeout: [503, 'The session is being refreshed elsewhere and the lock was not free in time; try again.'],
  store_failed: [503, 'The session store or lock failed; try again.'],
  headers_sent: [500, 'The response was already sent, so its cookies cannot be set.'],
} as const satisfies Record<string, readonly [number, string]>;

/** The closed set of codes an {@link SsrError} can carry. */
export type SsrErrorCode = keyof typeof SSR_ERROR_CODES;

/** The codes, in declaration order (the README's table follows it; a test checks). */
export const ERROR_CODES = Object.keys(SSR_ERROR_CODES) as SsrErrorCode[];

// Symbol.for: the same symbol in every copy of this package, so `isSsrError` survives duplicate
// bundles where `instanceof` would not.
const BRAND = Symbol.for('latchkey.ssr.error');

/**
 * The error `@latchkey/ssr` throws or returns for failures of its own.
 *
 * @example
 * const { error } = await bff.getAccessToken(request);
 * if (error) return new Response(JSON.stringify({ code: error.code }), { status: error.status });
 */
export class SsrError extends Error {
  /** Which failure; one of {@link SSR_ERROR_CODES}. */
  readonly code: SsrErrorCode;
  /** The HTTP status the token handler answers this failure with. */
  readonly status: number;

  constructor(code: SsrErrorCode, message?: string, options?: { cause?: unknown }) {
    super(message ?? SSR_ERROR_CODES[code][1], options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SsrError';
    this.code = code;
    this.status = SSR_ERROR_CODES[code][0];
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/**
 * True for an {@link SsrError} from any copy of this package, optionally of one code.
 *
 * @example
 * try {
 *   createServerClient({ url, cookies, cookieOptions: { name: '__Host-sid', domain: 'example.com' } });
 * } catch (error) {
 *   if (isSsrError(error, 'invalid_argument')) console.error(error.message);
 * }
 */
export function isSsrError(value: unknown, code?: SsrErrorCode): value is SsrError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[BRAND] === true &&
    (code === undefined || (value as SsrError).code === code)
  );
}
