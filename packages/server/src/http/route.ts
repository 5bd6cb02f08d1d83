/**
 * Endpoints are declared once: method, path, who may call it, and zod schemas for the query and
 * body. The router validates both before the handler runs, so a handler only ever sees typed,
 * valid input, and bad input is a coded 400, never a 500.
 */
import { z } from 'zod';
import type { App } from '../app.js';
import type { AccessTokenClaims } from '../crypto/jwt.js';
import { MAX_PASSWORD_LENGTH, PASSWORD_TOO_LONG } from '../crypto/password.js';
import { LatchkeyError, type ErrorCode } from '../errors.js';
import type { SessionWithUser } from '../store/sessions.js';
import type { BrowserRequest } from '../console/browser-request.js';
import { canonicalEmail } from './email-address.js';
import { jsonProblem, textProblem } from './json-check.js';

export type AuthMode = 'public' | 'user' | 'admin';

export interface RequestInfo {
  ip: string;
  userAgent: string | undefined;
  now: Date;
  /**
   * The Cookie header, for the one place a cookie means something: the provider flows' browser
   * binding (crypto/oauth-state.ts). Every other route authenticates by bearer token only.
   */
  cookie: string | undefined;
  /** The console's view of the request: its cookie, CSRF header, Origin (console/browser-request.ts). */
  browser: BrowserRequest;
}

export interface Reply {
  status?: number;
  body?: unknown;
  /** A non-JSON body, sent as is (set content-type in headers). */
  raw?: string;
  headers?: Record<string, string>;
}

export interface HandlerContext<B, Q> {
  app: App;
  body: B;
  query: Q;
  params: Record<string, string>;
  request: RequestInfo;
  /** Set on `auth: 'user'` routes: the verified access token and its live session. */
  auth: (SessionWithUser & { claims: AccessTokenClaims }) | undefined;
}

export interface Route<B = unknown, Q = unknown> {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  auth: AuthMode;
  summary: string;
  body?: z.ZodType<B>;
  query?: z.ZodType<Q>;
  handler(ctx: HandlerContext<B, Q>): Promise<Reply>;
}

export function route<B = undefined, Q = undefined>(definition: Route<B, Q>): Route<B, Q> {
  return definition;
}

/** Validates `value` against `schema` or throws `validation_failed` naming the first bad field. */
export function parse<T>(schema: z.ZodType<T>, value: unknown, code: ErrorCode = 'validation_failed'): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  // GoTrue's own sentences (its email messages) go out word for word, as GoTrue sends them.
  const verbatim = issue?.code === 'custom' && (issue.params as { verbatim?: boolean } | undefined)?.verbatim === true;
  const where = issue && issue.path.length > 0 && !verbatim ? `${issue.path.join('.')}: ` : '';
  throw new LatchkeyError(code, `${where}${issue?.message ?? 'invalid input'}`);
}

/** A string Postgres and UTF-8 can hold: no NUL, no lone surrogate (see json-check.ts). */
export const storableText = (schema: z.ZodString) =>
  schema.superRefine((value, ctx) => {
    const problem = textProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem, input: value });
  });

// Shared field schemas.

/** An email address in its canonical form (email-address.ts): one address, one spelling, one account. */
export const emailField = z.string().transform((value, ctx) => {
  const result = canonicalEmail(value);
  if ('email' in result) return result.email;
  ctx.issues.push({ code: 'custom', message: result.error, input: value, params: { verbatim: true } });
  return z.NEVER;
});

/** A password to check at sign-in. Not stored, only hashed, but a lone surrogate still cannot be
 * hashed faithfully: UTF-8 encoding turns every one into U+FFFD, so "\ud800" and "\udc00" would be
 * the same password. */
export const passwordField = storableText(z.string().min(1, 'Password is required').max(MAX_PASSWORD_LENGTH, PASSWORD_TOO_LONG));
/** A new password: its strength (length, required characters) is the policy's to judge (crypto/password.ts). */
export const newPasswordField = storableText(z.string().max(MAX_PASSWORD_LENGTH, PASSWORD_TOO_LONG));

/**
 * How deep user and app metadata may nest. Real metadata is one to three levels deep; 32 leaves
 * ample room while staying far below every recursive reader of it: JSON.stringify here, Postgres'
 * jsonb functions, and the verifiers of access tokens (which carry user_metadata) in other
 * languages (Rust's serde_json stops at 128 levels).
 */
export const MAX_METADATA_DEPTH = 32;

/**
 * A JSON object of metadata, kept as parsed (every key, `__proto__` included, which a rebuilt
 * object would drop), refused when it nests too deep or holds a string Postgres cannot store.
 */
export const metadataField = z
  .custom<Record<string, unknown>>((value) => typeof value === 'object' && value !== null && !Array.isArray(value), 'expected an object')
  .superRefine((value, ctx) => {
    const problem = jsonProblem(value, { maxDepth: MAX_METADATA_DEPTH, strings: true });
    if (problem) ctx.addIssue({ code: 'custom', message: problem, input: value });
  })
  .meta({ type: 'object' });
