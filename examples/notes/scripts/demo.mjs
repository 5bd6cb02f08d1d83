/**
 * Starts the whole demo: a Latchkey auth server (embedded PGlite), the notes API (which also
 * serves the SPA), and returns their URLs. Used by `npm run demo` and by the browser tests.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const require = createRequire(import.meta.url);
const latchkeyBin = join(dirname(require.resolve('@latchkey/server/package.json')), 'bin', 'latchkey.js');

/** Starts `latchkey serve` and resolves with its URL once it listens. */
export function startAuthServer({ port = 0, database, env = {} }) {
  const child = spawn(process.execPath, [latchkeyBin, 'serve', '--port', String(port), '--database', database], {
    env: { ...process.env, LATCHKEY_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk) => {
      output += chunk;
      const match = /Latchkey listening on (http:\/\/\S+)/.exec(output);
      if (match) resolve({ child, url: match[1], authUrl: `${match[1]}/auth/v1`, output: () => output });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`latchkey exited (${code}) before listening:\n${output}`)));
  });
}

/**
 * @param {{ dataDir?: string, authPort?: number, apiPort?: number, jwtExp?: number, env?: Record<string,string> }} options
 */
export async function startDemo(options = {}) {
  const dataDir = options.dataDir ?? join(root, '.data');
  mkdirSync(dataDir, { recursive: true });
  if (!existsSync(join(root, 'dist/web/index.html'))) throw new Error('the SPA is not built: run `npm run build -w @latchkey/example-notes`');
  const env = { ...(options.jwtExp ? { LATCHKEY_JWT_EXP: String(options.jwtExp) } : {}), ...options.env };
  const auth = await startAuthServer({ port: options.authPort ?? 9999, database: join(dataDir, 'auth'), env });
  const { startApi } = await import('../dist/tsc/api/server.js');
  const api = await startApi({ authUrl: auth.authUrl, webRoot: join(root, 'dist/web'), database: join(dataDir, 'notes'), port: options.apiPort ?? 5173 });
  return {
    url: api.url,
    authUrl: auth.authUrl,
    auth,
    async stop() {
      await api.close();
      auth.child.kill('SIGTERM');
      await new Promise((resolve) => (auth.child.exitCode !== null ? resolve() : auth.child.once('exit', resolve)));
    },
  };
}
