/**
 * One refresh per refresh token per process.
 *
 * On a server every request gets its own client over its own request's cookies, so the client's
 * single-flight (per client) cannot see that ten concurrent requests of one browser carry the same
 * refresh token. This `fetch` wrapper sits under every server client of the process and merges
 * refresh requests (`POST …/token?grant_type=refresh_token`) by the token they present: the first
 * is sent, the others wait for its answer and get a copy. A successful answer is also kept for a
 * few seconds, for requests that carried the old cookie but arrived just after the refresh ended
 * (a browser's parallel requests rarely arrive together).
 *
 * The client stays the one place that decides to refresh, retries and drops sessions; this only
 * makes N identical wire requests into one.
 */
import { sha256 } from '../lib/hash.js';

/**
 * How long a successful refresh answer is handed to later presentations of the same token. The
 * auth server would answer those with the same successor during its reuse interval (10 s by
 * default); keeping this well inside it means the process never extends what the server would
 * allow: after the window the token goes to the server, which decides (same successor, or reuse).
 */
export const REPLAY_WINDOW_MS = 5_000;

interface Answer {
  status: number;
  statusText: string;
  headers: [string, string][];
  body: string;
}

interface Flight {
  answer: Promise<Answer>;
  /** A successful answer and when it arrived (only successful answers are kept). */
  done?: { at: number; answer: Answer };
}

// On globalThis under a registered symbol: shared by every copy of this package in the process.
const REGISTRY = Symbol.for('latchkey.ssr.refresh-flights');

function flights(): Map<string, Flight> {
  const holder = globalThis as { [REGISTRY]?: Map<string, Flight> };
  return (holder[REGISTRY] ??= new Map());
}

/** The endpoint and token of a refresh request, or null for any other request. */
function refreshTarget(input: RequestInfo | URL, init: RequestInit | undefined): { endpoint: string; token: string } | null {
  const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
  if (method !== 'POST' || typeof init?.body !== 'string') return null;
  let url: URL;
  try {
    url = new URL(input instanceof Request ? input.url : String(input));
  } catch {
    return null;
  }
  if (!url.pathname.endsWith('/token') || url.searchParams.get('grant_type') !== 'refresh_token') return null;
  try {
    const body = JSON.parse(init.body) as { refresh_token?: unknown };
    return typeof body.refresh_token === 'string' && body.refresh_token
      ? { endpoint: `${url.origin}${url.pathname}`, token: body.refresh_token }
      : null;
  } catch {
    return null;
  }
}

async function send(base: typeof fetch, input: RequestInfo | URL, init: RequestInit | undefined): Promise<Answer> {
  const response = await base(input, init);
  const body = await response.text();
  // The body is already decoded: its length and encoding headers no longer describe it.
  const headers = [...response.headers].filter(([name]) => name !== 'content-length' && name !== 'content-encoding');
  return { status: response.status, statusText: response.statusText, headers, body };
}

function whileNotAborted<T>(promise: Promise<T>, signal: AbortSignal | null | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/**
 * A kept answer handed out `ageMs` after it arrived, or null when it is too old to hand out. The
 * client computes the access token's expiry as "time of receipt + expires_in", so a replayed
 * answer must say how long its token has *left*: the token was issued when the answer arrived,
 * not now. A token with no whole second left is not replayed (the caller asks the server).
 */
function aged(answer: Answer, ageMs: number): Answer | null {
  if (ageMs < 1000) return answer;
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(answer.body) as Record<string, unknown>;
  } catch {
    return null;
  }
  if (typeof body.expires_in !== 'number') return null;
  const left = body.expires_in - Math.ceil(ageMs / 1000);
  if (left <= 0) return null;
  return { ...answer, body: JSON.stringify({ ...body, expires_in: left }) };
}

function prune(map: Map<string, Flight>, now: number): void {
  for (const [key, flight] of map) if (flight.done && now - flight.done.at >= REPLAY_WINDOW_MS) map.delete(key);
}

/**
 * Wraps `base` so that concurrent refresh requests presenting the same refresh token, from any
 * server client of this process, become one request to the auth server.
 */
export function coalesceRefreshes(base: typeof fetch, now: () => number): typeof fetch {
  return async (input, init) => {
    const target = refreshTarget(input, init);
    if (!target) return base(input, init);
    // Keyed by the token's hash, so the map never holds a refresh token as a key; the answers it
    // holds for the replay window are in this process's memory only, like any in-flight response.
    const key = `${target.endpoint}\n${await sha256(target.token)}`;
    const map = flights();
    prune(map, now());
    // From here to map.set nothing is awaited: two callers cannot both decide to send.
    let flight = map.get(key);
    if (flight?.done) {
      // A successful answer already in hand: replay it, aged, if its token has time left.
      const replay = aged(flight.done.answer, now() - flight.done.at);
      if (replay) return toResponse(replay);
      map.delete(key);
      flight = undefined;
    }
    if (!flight) {
      const created: Flight = { answer: send(base, input, init) };
      created.answer.then(
        (answer) => {
          if (answer.status >= 200 && answer.status < 300) created.done = { at: now(), answer };
          else if (map.get(key) === created) map.delete(key); // refusals and failures are not replayed
        },
        () => {
          if (map.get(key) === created) map.delete(key);
        },
      );
      map.set(key, created);
      flight = created;
    }
    // The first caller's signal bounds the shared request (the client's 5 s refresh time-out);
    // a caller that joined and gives up stops waiting without cancelling it for the others.
    return toResponse(await whileNotAborted(flight.answer, init?.signal));
  };
}

function toResponse(answer: Answer): Response {
  const empty = answer.status === 204 || answer.status === 304;
  return new Response(empty ? null : answer.body, { status: answer.status, statusText: answer.statusText, headers: answer.headers });
}
