/**
 * An app process for the multi-process SSR test: plain Node http with createServerClient from the
 * built package (`@latchkey/ssr`, dist). `POST /sign-in` { email, password } signs in; `GET /me`
 * answers the user (`getUser`, refreshing first when the cookie's token has expired).
 *
 * Environment: AUTH_URL. Prints "SSR listening on <url>" once ready.
 */
import http from 'node:http';
import { createServerClient, nodeCookies } from '@latchkey/ssr';

const url = process.env.AUTH_URL;
const json = (res, status, body) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

const server = http.createServer({ maxHeaderSize: 128 * 1024 }, async (req, res) => {
  const auth = createServerClient({ url, cookies: nodeCookies(req, res) });
  if (req.method === 'POST' && req.url === '/sign-in') {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const { email, password } = JSON.parse(Buffer.concat(chunks).toString());
    const { error } = await auth.signInWithPassword({ email, password });
    return json(res, error ? 400 : 200, { code: error?.code ?? null });
  }
  const { data, error } = await auth.getUser();
  return json(res, error ? 401 : 200, { id: data.user?.id ?? null, code: error?.code ?? null });
});
server.listen(0, '127.0.0.1', () => console.log(`SSR listening on http://127.0.0.1:${server.address().port}`));
