/**
 * One bounded HTTP GET returning JSON: a hard deadline covering connect, headers and body, a size
 * cap, and no redirects. Used for the JWKS and for the live-session check.
 */

export interface FetchJsonOptions {
  timeoutMs: number;
  maxBytes: number;
  headers?: Record<string, string>;
}

export interface JsonReply {
  status: number;
  /** The parsed body; undefined when it is empty or not JSON. */
  body: unknown;
}

/**
 * Throws on network failure, deadline, oversize body, or redirect; any status is a reply.
 */
export async function fetchJson(url: string, options: FetchJsonOptions): Promise<JsonReply> {
  const response = await fetch(url, {
    headers: { accept: 'application/json', ...options.headers },
    // One deadline for the whole exchange, body included: a trickling server cannot hold us.
    signal: AbortSignal.timeout(options.timeoutMs),
    // Redirects are refused: a redirect could hand our key lookup, or our bearer token, to
    // another origin than the one configured.
    redirect: 'error',
    cache: 'no-store',
  });
  const text = await readBounded(response, options.maxBytes);
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, body };
}

async function readBounded(response: Response, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get('content-length'));
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw new Error(`response larger than ${maxBytes} bytes`);
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    // The cap holds even without (or against) Content-Length.
    if (size > maxBytes) {
      await reader.cancel();
      throw new Error(`response larger than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
