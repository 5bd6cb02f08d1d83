/**
 * The live-session check: a revoked session's access token stays valid until its `exp`, so a
 * sensitive route can ask the auth server (`GET /user`, which answers 403 `session_not_found`
 * for a revoked session) before trusting it.
 *
 * Answers are cached per session for `ttlMs` (a revocation therefore takes effect within `ttlMs`
 * plus one round trip), checks of one session in flight at once are shared, and the cache is
 * bounded. When the auth server cannot answer, the check fails closed: a route that asked for
 * the check does not run on an unknown answer.
 */
import { VerifyError } from '../errors.js';
import { fetchJson } from './fetch-json.js';

/** Refusals that say the session (or its user) is over, whatever token asked. */
const SESSION_WIDE_REFUSALS = new Set(['session_not_found', 'user_not_found', 'user_banned']);

export interface SessionCheckOptions {
  /** The auth server's `/user` endpoint; undefined when it is not configured. */
  userUrl: string | undefined;
  ttlMs: number;
  timeoutMs: number;
  apiKey?: string | undefined;
  maxEntries: number;
}

interface Answer {
  live: boolean;
  /** The auth server's error code when not live (a known GoTrue code, never token data). */
  code?: string;
  until: number;
}

// GoTrue's error codes are lower snake case; anything else from the wire is not echoed.
const ERROR_CODE = /^[a-z_]{1,64}$/;

export class SessionCheck {
  readonly #options: SessionCheckOptions;
  readonly #answers = new Map<string, Answer>();
  readonly #inflight = new Map<string, Promise<Answer>>();

  constructor(options: SessionCheckOptions) {
    this.#options = options;
  }

  /** Resolves when the session is live; throws `session_revoked` or `session_check_unavailable`. */
  async check(token: string, sessionId: string, nowMs: number): Promise<void> {
    const { userUrl } = this.#options;
    if (userUrl === undefined) {
      throw new VerifyError(
        'invalid_options',
        'Invalid verifier options: the live-session check needs session.url (the issuer is not an http(s) URL).',
      );
    }
    let answer = this.#answers.get(sessionId);
    if (answer === undefined || nowMs >= answer.until) {
      this.#answers.delete(sessionId);
      let pending = this.#inflight.get(sessionId);
      if (!pending) {
        pending = this.#ask(userUrl, token, sessionId, nowMs).finally(() => this.#inflight.delete(sessionId));
        this.#inflight.set(sessionId, pending);
      }
      answer = await pending;
    }
    if (!answer.live) {
      throw new VerifyError('session_revoked', answer.code ? `The session of the access token has ended (${answer.code}).` : undefined);
    }
  }

  async #ask(userUrl: string, token: string, sessionId: string, nowMs: number): Promise<Answer> {
    const headers: Record<string, string> = {
      // The token goes in the Authorization header only, never in the URL (RFC 6750 §2.3, §5.3).
      authorization: `Bearer ${token}`,
      // Ask for GoTrue's modern error shape, { code, message }.
      'x-supabase-api-version': '2024-01-01',
    };
    if (this.#options.apiKey) headers.apikey = this.#options.apiKey;
    let status: number;
    let body: unknown;
    try {
      ({ status, body } = await fetchJson(userUrl, { timeoutMs: this.#options.timeoutMs, maxBytes: 256 * 1024, headers }));
    } catch (error) {
      throw new VerifyError('session_check_unavailable', undefined, { cause: error });
    }
    let answer: Answer;
    if (status === 200) {
      answer = { live: true, until: nowMs + this.#options.ttlMs };
    } else if (status === 401 || status === 403 || status === 404) {
      // A definitive no: session_not_found (revoked), or the user is gone or banned, or the
      // server refuses the token. Any of them means this request must not proceed.
      const code = (body as { code?: unknown } | undefined)?.code;
      answer = {
        live: false,
        code: typeof code === 'string' && ERROR_CODE.test(code) ? code : undefined,
        until: nowMs + this.#options.ttlMs,
      };
    } else {
      // 5xx, 429 and anything unexpected: no answer about the session. Fail closed, cache nothing.
      throw new VerifyError('session_check_unavailable', `The auth server answered the live-session check with HTTP ${status}.`);
    }
    // Cache only what is true of the whole session (live, or gone: session_not_found,
    // user_not_found, user_banned). A refusal of this particular token (bad_jwt: e.g. just past
    // exp but inside our clock tolerance) must not poison the session's fresh tokens.
    const sessionWide = answer.live || (answer.code !== undefined && SESSION_WIDE_REFUSALS.has(answer.code));
    if (this.#options.ttlMs > 0 && sessionWide) this.#remember(sessionId, answer);
    return answer;
  }

  #remember(sessionId: string, answer: Answer): void {
    if (this.#answers.size >= this.#options.maxEntries) {
      // Bounded: the oldest answer goes first (Map keeps insertion order).
      const oldest = this.#answers.keys().next();
      if (!oldest.done) this.#answers.delete(oldest.value);
    }
    this.#answers.set(sessionId, answer);
  }
}
