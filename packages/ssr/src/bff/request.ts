/** The few things the token handler reads off a request, from a Web `Request` or a Node/Express `req` alike. */

/** A Web `Request`, or a Node `IncomingMessage` (Express's `req` included). */
export type RequestLike =
  | Request
  | {
      method?: string;
      url?: string;
      headers: Headers | Record<string, string | string[] | undefined>;
      /** Express: `http` / `https`, honouring its `trust proxy` setting. */
      protocol?: string;
      /** Node: a TLS socket has `encrypted: true`. */
      socket?: object | null;
    };

export interface RequestView {
  method: string;
  header(name: string): string | null;
  /** The origin the request was addressed to (`https://app.example`), when it can be told. */
  origin: string | null;
}

function isHeaders(value: unknown): value is Headers {
  return typeof (value as Headers | undefined)?.get === 'function';
}

export function viewOf(request: RequestLike): RequestView {
  const headers = request.headers;
  const header = isHeaders(headers)
    ? (name: string) => headers.get(name)
    : (name: string) => {
        const value = headers[name.toLowerCase()];
        if (value === undefined) return null;
        return Array.isArray(value) ? value.join(name.toLowerCase() === 'cookie' ? '; ' : ', ') : value;
      };
  let origin: string | null = null;
  const url = request.url ?? '';
  if (/^https?:\/\//i.test(url)) {
    try {
      origin = new URL(url).origin;
    } catch {
      // An unparsable absolute-form target (`GET http://[/x`): no origin, so CSRF checks refuse it.
      origin = null;
    }
  } else {
    // A Node request: its URL is a path. Express's `req.protocol` honours `trust proxy`.
    const host = header('host');
    const node = request as { protocol?: unknown; socket?: { encrypted?: boolean } | null };
    const protocol = typeof node.protocol === 'string' ? node.protocol : node.socket?.encrypted ? 'https' : 'http';
    if (host) {
      try {
        origin = new URL(`${protocol}://${host}`).origin;
      } catch {
        origin = null;
      }
    }
  }
  return { method: (request.method ?? 'GET').toUpperCase(), header, origin };
}
