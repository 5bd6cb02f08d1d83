/**
 * The notes API: it verifies access tokens with @latchkey/verify and never sees a refresh token.
 * It also serves the built SPA and /config.json (where the SPA finds the auth servers).
 *
 * `/dev/outbox` shows the auth server's dev outbox (the mail it would have sent: sign-in links,
 * codes, password recovery) so the demo's email paths work with no mail server. It reads
 * `GET /admin/outbox` with the auth server's secret key, which stays here: the browser only gets
 * the messages.
 *
 * `/api/strict/ping` accepts tokens of the demo's second, strict auth server instead: the page's
 * "without Latchkey" lane calls it with a throwaway session, so the demo user is never at risk.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createVerifier } from '@latchkey/verify';
import { requireAuth } from '@latchkey/verify/express';
import { openNotesStore } from './notes-store.js';

export interface ApiOptions {
  /** The auth server's API base, e.g. http://127.0.0.1:9999/auth/v1 (also the token issuer). */
  authUrl: string;
  /** The strict auth server's API base (no reuse interval), for `/api/strict`; none: no such route. */
  strictAuthUrl?: string;
  /** More settings for the SPA, served in /config.json (e.g. the auth server's reuse interval). */
  clientConfig?: Record<string, unknown>;
  /**
   * The auth server's secret key, to read its dev outbox for `/dev/outbox`; none: no such route.
   * Only for a local demo: the route shows every message (links that sign in) to whoever can reach it.
   */
  outboxSecretKey?: string;
  /** Where the built SPA is (dist/web). */
  webRoot: string;
  /** `memory`, a PGlite directory, or a postgres:// URL. */
  database: string;
  port?: number;
  host?: string;
}

export interface RunningApi {
  url: string;
  close(): Promise<void>;
}

/** What the page shows of a message: no HTML body, no delivery internals. */
interface OutboxMessage {
  id: string;
  created_at: string;
  to: string;
  kind: string;
  status: string;
  subject?: string;
  link?: string;
  code?: string;
  last_error?: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function startApi(options: ApiOptions): Promise<RunningApi> {
  const notes = await openNotesStore(options.database);
  const verifierFor = (authUrl: string) =>
    createVerifier({ jwksUrl: `${authUrl}/.well-known/jwks.json`, issuer: authUrl, audience: 'authenticated' });
  const verifier = verifierFor(options.authUrl);
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '16kb' }));

  app.get('/config.json', (_req, res) => {
    res.json({
      ...options.clientConfig,
      authUrl: options.authUrl,
      apiUrl: '/api',
      ...(options.strictAuthUrl ? { strictAuthUrl: options.strictAuthUrl, strictApiUrl: '/api/strict' } : {}),
      ...(options.outboxSecretKey ? { outboxUrl: '/dev/outbox' } : {}),
    });
  });

  if (options.outboxSecretKey) {
    const secretKey = options.outboxSecretKey;
    app.get('/dev/outbox', async (_req, res) => {
      res.set('cache-control', 'no-store');
      let response: Response;
      try {
        response = await fetch(`${options.authUrl}/admin/outbox?limit=10`, {
          headers: { authorization: `Bearer ${secretKey}` },
          signal: AbortSignal.timeout(5_000),
        });
      } catch {
        res.status(502).json({ code: 'auth_unreachable', message: "Can't reach the auth server to read its outbox." });
        return;
      }
      if (!response.ok) {
        // The auth server's refusal is about our key, not the caller: say what happened, never the key.
        res.status(502).json({ code: 'outbox_unavailable', message: `The auth server answered ${response.status} for its outbox.` });
        return;
      }
      const body = (await response.json()) as { transport: string; messages: OutboxMessage[] };
      res.json({
        transport: body.transport,
        messages: body.messages.map(({ id, created_at, to, kind, status, subject, link, code, last_error }) => ({
          id,
          created_at,
          to,
          kind,
          status,
          subject,
          link,
          code,
          last_error,
        })),
      });
    });
  }

  const api = express.Router();
  api.use(requireAuth(verifier));
  api.get('/ping', (req, res) => {
    res.json({ ok: true, sub: req.auth!.sub });
  });
  api.get('/notes', async (req, res) => {
    res.json(await notes.list(req.auth!.sub));
  });
  api.post('/notes', async (req, res) => {
    const text = typeof req.body?.text === 'string' ? req.body.text.trim() : '';
    if (!text || text.length > 500) {
      res.status(422).json({ code: 'validation_failed', message: 'text: 1 to 500 characters' });
      return;
    }
    res.status(201).json(await notes.add(req.auth!.sub, text));
  });
  api.delete('/notes/:id', async (req, res) => {
    const id = req.params.id;
    const removed = UUID.test(id) && (await notes.remove(req.auth!.sub, id));
    res.status(removed ? 204 : 404).end();
  });
  if (options.strictAuthUrl) {
    const strict = express.Router();
    strict.use(requireAuth(verifierFor(options.strictAuthUrl)));
    strict.get('/ping', (req, res) => {
      res.json({ ok: true, sub: req.auth!.sub });
    });
    app.use('/api/strict', strict);
  }
  app.use('/api', api);
  app.use(express.static(options.webRoot));

  let server: Server;
  try {
    server = await new Promise((resolve, reject) => {
      const s = app.listen(options.port ?? 0, options.host ?? '127.0.0.1', (error?: Error) => (error ? reject(error) : resolve(s)));
    });
  } catch (error) {
    await notes.close(); // a port in use must not leave the database open
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await notes.close();
    },
  };
}
