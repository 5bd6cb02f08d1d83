/**
 * Endpoints are declared once: method, path, who may call it, and zod schemas for the query and
 * body. The router validates both before the handler runs, so a handler only ever sees typed,
 * valid input, and bad input is a coded 400, never a 500.
 */
import { z } from 'zod';
import type { App } from '../app.js';
import type { AccessTokenClaims } from '../crypto/jwt.js';
import { LatchkeyError, type ErrorCode } from '../errors.js';
import type { SessionWithUser } from '../store/sessions.js';

export type AuthMode = 'public' | 'user' | 'admin';

export interface RequestInfo {
  ip: string;
  userAgent: string | undefined;
  now: Date;
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
  const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  throw new LatchkeyError(code, `${where}${issue?.message ?? 'invalid input'}`);
}

/** Postgres text cannot hold NUL; refuse it at the edge (a 400), not in the database (a 500). */
const NO_NUL = (value: unknown): boolean => !JSON.stringify(value ?? null).includes('\\u0000');

// Shared field schemas.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export const emailField = z
  .string()
  .trim()
  .max(254)
  .transform((value) => value.toLowerCase())
  .refine((value) => EMAIL.test(value), 'Unable to validate email address: invalid format')
  .refine(NO_NUL, 'must not contain NUL characters');
export const passwordField = z.string().min(1, 'Password is required').max(1024);
export const metadataField = z.record(z.string(), z.unknown()).refine(NO_NUL, 'must not contain NUL characters');
