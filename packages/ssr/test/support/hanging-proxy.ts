/**
 * A proxy to the auth server that forwards a refresh request, lets the auth server answer it (so
 * the token has rotated there), and then never answers the caller: a BFF holding the session lock
 * while waiting on it is a holder mid-refresh, ready to be killed.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export async function hangingRefreshProxy(authUrl: string) {
  const origin = new URL(authUrl).origin;
  let markSeen!: (status: number) => void;
  const refreshSeen = new Promise<number>((resolve) => (markSeen = resolve));
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers: Record<string, string> = {};
    for (const name of ['content-type', 'authorization', 'apikey', 'x-supabase-api-version']) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    const upstream = await fetch(`${origin}${req.url}`, {
      method: req.method,
      headers,
      body: chunks.length ? Buffer.concat(chunks) : undefined,
    });
    const text = await upstream.text();
    if (req.url?.includes('grant_type=refresh_token')) {
      markSeen(upstream.status); // rotated at the auth server; the answer is never delivered
      return;
    }
    res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' }).end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    authUrl: `${url}${new URL(authUrl).pathname}`,
    refreshSeen,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
