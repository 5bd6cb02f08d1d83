/**
 * Splitting a compact JWS (RFC 7515 §7.1) into its parts, strictly: three base64url segments,
 * a JSON-object header with a string `alg`, no `crit` extensions.
 */
import { VerifyError } from '../errors.js';

export interface JwsHeader {
  alg: string;
  kid?: unknown;
  [member: string]: unknown;
}

export interface CompactJws {
  header: Readonly<JwsHeader>;
  headerSegment: string;
  /** `header.payload`, the bytes the signature covers. */
  signingInput: string;
  /** The payload segment, still base64url: decoded only after the signature checks out. */
  payload: string;
  signature: Buffer;
}

// An access token is well under this; a bigger "token" is refused before any decoding work.
export const MAX_TOKEN_LENGTH = 16 * 1024;

// Strict base64url (RFC 7515 §2, no padding): Buffer's decoder silently skips other characters,
// which would let many strings stand for one token.
const COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

const malformed = (message = 'The access token is malformed.') => new VerifyError('malformed', message);

// Parsed headers by their encoded segment. A server signs every token of a key with the same
// header, so this is nearly always a hit. Only the headers of tokens whose signature checked
// out enter (rememberHeader), and it is bounded: forged headers cannot fill it.
const HEADER_CACHE_SIZE = 64;
const headers = new Map<string, JwsHeader>();

function parseHeader(segment: string): JwsHeader {
  const cached = headers.get(segment);
  if (cached !== undefined) return cached;
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    throw malformed('The access token header is not JSON.');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header) || typeof (header as JwsHeader).alg !== 'string') {
    throw malformed('The access token header is not a JWS header.');
  }
  // RFC 7515 §4.1.11: a recipient that does not understand a critical extension MUST reject the
  // token, and we understand none (e.g. "b64": false would change what the signature covers).
  if ((header as JwsHeader).crit !== undefined) throw malformed('The access token header has critical extensions.');
  return header as JwsHeader;
}

/** Keeps the parsed header of a token whose signature checked out, for the next token. */
export function rememberHeader(jws: CompactJws): void {
  if (headers.size < HEADER_CACHE_SIZE && !headers.has(jws.headerSegment)) headers.set(jws.headerSegment, jws.header);
}

/** Parses the header of a compact JWS; throws `malformed`. Never looks at the payload. */
export function parseCompact(token: unknown): CompactJws {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH || !COMPACT.test(token)) {
    throw malformed('The access token is not a compact JWS (three base64url segments).');
  }
  const first = token.indexOf('.');
  const second = token.indexOf('.', first + 1);
  const headerSegment = token.slice(0, first);
  return {
    header: parseHeader(headerSegment),
    headerSegment,
    signingInput: token.slice(0, second),
    payload: token.slice(first + 1, second),
    signature: Buffer.from(token.slice(second + 1), 'base64url'),
  };
}
