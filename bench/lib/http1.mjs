/**
 * A minimal HTTP/1.1 keep-alive client: one socket, one request in flight, precise timing.
 *
 * Why not node:http or autocannon: the load generator shares a 2-core machine with the server
 * and Postgres, so its own cost per request must be small (node:http's client costs about as much
 * CPU per request as a small server does); and each virtual client must own its sessions and
 * carry the rotated token into its next request, with sub-millisecond latencies (autocannon keeps
 * a per-connection context that resets every request, and records whole milliseconds).
 *
 * Handles Content-Length and chunked bodies, reconnects after `Connection: close`.
 */
import { connect as netConnect } from 'node:net';

const CRLF2 = Buffer.from('\r\n\r\n');

/**
 * @param {string | URL} base  e.g. http://127.0.0.1:9999
 * @returns {{ request(method: string, path: string, headers?: Record<string,string>, body?: string | Buffer): Promise<{ status: number, headers: Record<string,string>, body: string }>, close(): void }}
 */
export function connection(base) {
  const url = new URL(base);
  const host = url.hostname;
  const port = Number(url.port || 80);
  let socket;
  let pending; // { resolve, reject }
  let buf = Buffer.alloc(0);
  let head; // parsed head of the response being read

  function open() {
    socket = netConnect({ host, port });
    socket.setNoDelay(true);
    socket.on('data', onData);
    socket.on('error', (error) => fail(error));
    socket.on('close', () => {
      socket = undefined;
      fail(new Error('connection closed'));
    });
  }

  function fail(error) {
    if (!pending) return;
    const { reject } = pending;
    pending = undefined;
    buf = Buffer.alloc(0);
    head = undefined;
    reject(error);
  }

  function onData(chunk) {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    for (;;) {
      if (!head) {
        const end = buf.indexOf(CRLF2);
        if (end < 0) return;
        const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
        const status = Number(lines[0].split(' ')[1]);
        const headers = {};
        for (let i = 1; i < lines.length; i++) {
          const colon = lines[i].indexOf(':');
          headers[lines[i].slice(0, colon).toLowerCase()] = lines[i].slice(colon + 1).trim();
        }
        head = {
          status,
          headers,
          chunked: /chunked/i.test(headers['transfer-encoding'] ?? ''),
          length: Number(headers['content-length'] ?? 0),
        };
        buf = buf.subarray(end + 4);
      }
      let body;
      if (head.chunked) {
        // Walk the chunks; wait for more data until the terminating 0-size chunk is in.
        const parts = [];
        let at = 0;
        for (;;) {
          const lineEnd = buf.indexOf('\r\n', at);
          if (lineEnd < 0) return;
          const size = parseInt(buf.subarray(at, lineEnd).toString('latin1'), 16);
          if (size === 0) {
            if (buf.length < lineEnd + 4) return;
            at = lineEnd + 4;
            break;
          }
          if (buf.length < lineEnd + 2 + size + 2) return;
          parts.push(buf.subarray(lineEnd + 2, lineEnd + 2 + size));
          at = lineEnd + 2 + size + 2;
        }
        body = Buffer.concat(parts).toString('utf8');
        buf = buf.subarray(at);
      } else {
        if (buf.length < head.length) return;
        body = buf.subarray(0, head.length).toString('utf8');
        buf = buf.subarray(head.length);
      }
      const done = { status: head.status, headers: head.headers, body };
      const closeAfter = /close/i.test(head.headers.connection ?? '');
      head = undefined;
      const p = pending;
      pending = undefined;
      if (closeAfter) {
        socket?.removeAllListeners('close');
        socket?.destroy();
        socket = undefined;
      }
      p?.resolve(done);
      if (!buf.length) return;
    }
  }

  return {
    request(method, path, headers = {}, body) {
      if (pending) return Promise.reject(new Error('one request at a time per connection'));
      if (!socket) open();
      const payload = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(body);
      let text = `${method} ${path} HTTP/1.1\r\nhost: ${url.host}\r\n`;
      for (const [name, value] of Object.entries(headers)) text += `${name}: ${value}\r\n`;
      text += `content-length: ${payload ? payload.length : 0}\r\n\r\n`;
      return new Promise((resolve, reject) => {
        pending = { resolve, reject };
        socket.write(payload ? Buffer.concat([Buffer.from(text, 'latin1'), payload]) : text);
      });
    },
    close() {
      socket?.removeAllListeners('close');
      socket?.destroy();
      socket = undefined;
    },
  };
}
