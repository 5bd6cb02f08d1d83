/**
 * The notes API: it verifies access tokens with @latchkey/verify and never sees a refresh token.
 * It also serves the built SPA and /config.json (where the SPA finds the auth server).
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

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function startApi(options: ApiOptions): Promise<RunningApi> {
  const notes = await openNotesStore(options.database);
  const verifier = createVerifier({
    jwksUrl: `${options.authUrl}/.well-known/jwks.json`,
    issuer: options.authUrl,
    audience: 'authenticated',
  });
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '16kb' }));

  app.get('/config.json', (_req, res) => {
    res.json({ authUrl: options.authUrl, apiUrl: '/api' });
  });

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
  app.use('/api', api);
  app.use(express.static(options.webRoot));

  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(options.port ?? 0, options.host ?? '127.0.0.1', (error?: Error) => (error ? reject(error) : resolve(s)));
  });
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
