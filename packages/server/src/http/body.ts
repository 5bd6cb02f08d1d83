/** Reading request bodies: bounded in size and time, parsed as JSON (or a form for /token). */
import type { IncomingMessage } from 'node:http';
import { LatchkeyError } from '../errors.js';
import { jsonProblem } from './json-check.js';

/** Larger than any legitimate auth request (metadata included), small enough to be harmless. */
export const MAX_BODY_BYTES = 64 * 1024;

/**
 * The request ended before its body arrived: the client disconnected, or Node's own request
 * timeout answered 408 and closed the connection. Nobody is left to answer, and it says nothing
 * about the server's health (it is not a 5xx: anyone could trip 5xx alerts with it).
 */
export class RequestEndedEarly extends Error {
  override name = 'RequestEndedEarly';
}

/**
 * No request body nests deeper than this (metadata, the deepest field, stops at 32 levels).
 * JSON.parse copes with 60,000 levels, but JSON.stringify and any recursive reader after it would
 * overflow the stack (a 500); a body never holds such a value past this line.
 */
export const MAX_BODY_DEPTH = 64;

export async function readBody(req: IncomingMessage): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? 0);
  // Refuse before reading a byte when the client says up front that it is too large.
  if (declared > MAX_BODY_BYTES) throw new LatchkeyError('request_entity_too_large');
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) throw new LatchkeyError('request_entity_too_large');
      chunks.push(chunk);
    }
  } catch (error) {
    if (error instanceof LatchkeyError) throw error;
    throw new RequestEndedEarly('the request ended before its body arrived', { cause: error });
  }
  if (size === 0) return undefined;
  const text = Buffer.concat(chunks).toString('utf8');
  const type = (req.headers['content-type'] ?? '').toLowerCase();
  // A form body for OAuth-style clients of /token; JSON otherwise (also when mislabeled as a form).
  if (type.startsWith('application/x-www-form-urlencoded') && !text.trimStart().startsWith('{'))
    return Object.fromEntries(new URLSearchParams(text));
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch {
    throw new LatchkeyError('bad_json', 'Could not parse request body as JSON.');
  }
  if (jsonProblem(value, { maxDepth: MAX_BODY_DEPTH, strings: false }))
    throw new LatchkeyError('validation_failed', `The request body must not be nested deeper than ${MAX_BODY_DEPTH} levels.`);
  return value;
}
