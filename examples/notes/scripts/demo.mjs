/**
 * Starts the whole demo and returns its URLs: the Latchkey auth server (embedded PGlite), a second
 * "strict" Latchkey server with no reuse interval (in memory: the page's "without Latchkey" lane
 * runs against it), a local OpenID provider for "Continue with Demo IdP" (scripts/idp.mjs), and
 * the notes API, which also serves the SPA. Used by `npm run demo`
 * (scripts/start.mjs) and by the browser tests.
 *
 * On any failure it stops what it had started before rejecting, and each auth server runs under
 * scripts/auth-server.mjs, which stops it when this process goes away, however it goes.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEMO_IDP, startDemoIdp } from './idp.mjs';
import { DemoStartError, isAddressInUse } from './ports.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const authServerScript = join(here, 'auth-server.mjs');
/** A first start creates and migrates an embedded database: slow on a busy machine, never this slow. */
const LISTEN_TIMEOUT_MS = 120_000;

/** Where `npm run demo` keeps its databases and logs: one directory per auth port. */
export function defaultDataDir(authPort) {
  return join(root, '.data', String(authPort));
}

/** `path` relative to the working directory when that is shorter (for messages). */
export function shortPath(path) {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') && rel.length < path.length ? rel : path;
}

/** The `latchkey: …` line a failed server printed last (its one-line error), or its last line. */
function lastError(output) {
  const lines = output
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  return [...lines].reverse().find((line) => line.startsWith('latchkey:')) ?? lines.at(-1) ?? 'no output';
}

/** A port free right now (the OS picks it): the web app's URL must be known before the auth server starts. */
function freePort(host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.once('error', reject);
    probe.listen({ port: 0, host, exclusive: true }, () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/**
 * The auth server's secret key, for the notes API's dev-outbox proxy: the one set in the
 * environment, else the one `latchkey serve` keeps beside its embedded database (settings.json,
 * readable by this user only). It stays on the server side: the browser never gets it.
 */
function readSecretKey(authDatabase) {
  if (process.env.LATCHKEY_SECRET_KEY) return process.env.LATCHKEY_SECRET_KEY;
  try {
    return JSON.parse(readFileSync(join(authDatabase, 'settings.json'), 'utf8')).secret_key;
  } catch {
    return undefined;
  }
}

/**
 * Starts `latchkey serve` and resolves once it listens. Its output goes to `logFile`, and to
 * `echo` line by line when given (`--verbose`).
 *
 * @param {{ name: string, port?: number, database: string, env?: Record<string, string>,
 *   logFile: string, echo?: (line: string) => void, portVariable?: string }} options
 */
export function startAuthServer({ name, port = 0, database, env = {}, logFile, echo, portVariable = 'AUTH_PORT' }) {
  mkdirSync(dirname(logFile), { recursive: true });
  const log = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(process.execPath, [authServerScript, 'serve', '--port', String(port), '--database', database], {
    env: { ...process.env, LATCHKEY_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  // The channel is only the child's lifeline (see auth-server.mjs): it must not keep us alive.
  child.channel?.unref();
  log.write(`--- ${new Date().toISOString()} ${name}: latchkey serve --port ${port} --database ${database} (pid ${child.pid})\n`);

  let output = '';
  let pending = '';
  const onData = (chunk) => {
    const text = String(chunk);
    output += text;
    log.write(text);
    if (!echo) return;
    pending += text;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) echo(line);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  exited.then(() => log.end());

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      // latchkey drains in-flight requests for up to 10 s before it exits.
      const killer = setTimeout(() => child.kill('SIGKILL'), 12_000);
      await exited;
      clearTimeout(killer);
    }
  };

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new DemoStartError(`the ${name} did not start within ${LISTEN_TIMEOUT_MS / 1000} s; its log: ${shortPath(logFile)}`));
    }, LISTEN_TIMEOUT_MS);
    child.stdout.on('data', () => {
      const match = /Latchkey listening on (http:\/\/\S+)/.exec(output);
      if (!match) return;
      clearTimeout(timer);
      resolve({ child, pid: child.pid, url: match[1], authUrl: `${match[1]}/auth/v1`, logFile, output: () => output, stop });
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      const said = lastError(output);
      const locked = /another latchkey \(pid (\d+)\) is serving (\S+)/.exec(said);
      let message;
      if (isAddressInUse(said))
        message = `port ${port} (${portVariable}) is in use by another process; set ${portVariable} to a free port, e.g. ${portVariable}=${port + 1} npm run demo`;
      else if (locked)
        message = `another latchkey (pid ${locked[1]}) is serving ${shortPath(locked[2].replace(/;$/, ''))}, an earlier demo on this port still running? Stop it (kill ${locked[1]}), or set ${portVariable} to run a second demo beside it`;
      else
        message = `the ${name} exited (${signal ?? code}) before listening: ${said.replace(/^latchkey: /, '')}; its log: ${shortPath(logFile)}`;
      reject(new DemoStartError(message));
    });
  });
}

/**
 * Starts the demo. `authPort`/`apiPort` 0 pick free ports (the tests do). Resolves with the URLs
 * and `stop()`; rejects (with a one-line `DemoStartError` where the cause is known) after stopping
 * whatever it had started.
 *
 * @param {{ dataDir?: string, authPort?: number, apiPort?: number, jwtExp?: number,
 *   env?: Record<string, string>, onProgress?: (line: string) => void,
 *   echo?: (server: string, line: string) => void }} [options]
 */
export async function startDemo(options = {}) {
  const progress = options.onProgress ?? (() => {});
  const authPort = options.authPort ?? 9999;
  // Chosen now, not by the API's listen: the auth server's site URL (where email links land) is the web app's URL.
  const apiPort = options.apiPort === 0 ? await freePort() : (options.apiPort ?? 5173);
  // The web app as people open it: localhost, not 127.0.0.1. Passkeys (WebAuthn) need a relying
  // party id that is a domain, and localhost is the one browsers accept over plain http.
  const appUrl = `http://localhost:${apiPort}`;
  if (options.dataDir === undefined && authPort === 0)
    throw new DemoStartError('startDemo: pass a dataDir when the auth port is chosen at random');
  const dataDir = options.dataDir ?? defaultDataDir(authPort);
  const webRoot = join(root, 'dist/web');
  const apiModule = join(root, 'dist/tsc/api/server.js');
  if (!existsSync(join(webRoot, 'index.html')) || !existsSync(apiModule))
    throw new DemoStartError('the demo is not built: run `npm run build` at the repository root');
  mkdirSync(dataDir, { recursive: true });

  const env = { ...(options.jwtExp ? { LATCHKEY_JWT_EXP: String(options.jwtExp) } : {}), ...options.env };
  const reuseInterval = Number(env.LATCHKEY_REFRESH_REUSE_INTERVAL ?? process.env.LATCHKEY_REFRESH_REUSE_INTERVAL ?? 10);
  const echo = (server) => (options.echo ? (line) => options.echo?.(server, line) : undefined);
  /** What is running, to stop in reverse order on failure or on `stop()`. */
  const running = [];
  let stopped;
  const stop = () =>
    (stopped ??= (async () => {
      for (const stopOne of running.reverse()) await stopOne().catch(() => undefined);
    })());

  try {
    progress('demo identity provider (node-oidc-provider, in memory): starting');
    const idp = await startDemoIdp({ logFile: join(dataDir, 'idp.log') });
    running.push(() => idp.close());
    progress(`demo identity provider: ready at ${idp.issuer} (notices in ${shortPath(join(dataDir, 'idp.log'))})`);

    const authDatabase = join(dataDir, 'auth');
    const firstStart = !existsSync(authDatabase);
    progress(
      `auth server: starting on port ${authPort || '(any free)'}, database ${shortPath(authDatabase)}${firstStart ? ' (first start: creating it takes a few seconds)' : ''}`,
    );
    const auth = await startAuthServer({
      name: 'auth server',
      port: authPort,
      database: authDatabase,
      // Email links (sign-in links, password recovery) lead back to the web app, where the client
      // signs in from the URL. The site URL is the app as printed; the allow list adds the same app
      // reached as 127.0.0.1. Mail stays in the dev outbox: no LATCHKEY_SMTP_HOST here.
      // Passkeys on, for the app's origin only: credentials are bound to the RP id (localhost), and
      // the server accepts ceremonies from the pages at appUrl and nowhere else.
      env: {
        LATCHKEY_SITE_URL: appUrl,
        LATCHKEY_URI_ALLOW_LIST: `${appUrl}/**,http://127.0.0.1:${apiPort}/**`,
        LATCHKEY_PASSKEY_ENABLED: 'true',
        LATCHKEY_WEBAUTHN_RP_ID: 'localhost',
        LATCHKEY_WEBAUTHN_RP_ORIGINS: appUrl,
        LATCHKEY_WEBAUTHN_RP_DISPLAY_NAME: 'Latchkey notes',
        // "Continue with Demo IdP": a generic OpenID Connect provider, configured by its issuer as
        // any company IdP would be (docs/guides/providers.md).
        [`LATCHKEY_EXTERNAL_${DEMO_IDP.name.toUpperCase()}_ENABLED`]: 'true',
        [`LATCHKEY_EXTERNAL_${DEMO_IDP.name.toUpperCase()}_ISSUER`]: idp.issuer,
        [`LATCHKEY_EXTERNAL_${DEMO_IDP.name.toUpperCase()}_CLIENT_ID`]: DEMO_IDP.clientId,
        [`LATCHKEY_EXTERNAL_${DEMO_IDP.name.toUpperCase()}_SECRET`]: DEMO_IDP.clientSecret,
        ...env,
      },
      logFile: join(dataDir, 'auth.log'),
      echo: echo('auth'),
    });
    running.push(auth.stop);
    // The one URL the provider sends users back to: the auth server's, known now that it listens.
    idp.configure(`${auth.authUrl}/callback`);
    progress(`auth server: ready at ${auth.authUrl} (pid ${auth.pid}; log ${shortPath(auth.logFile)})`);

    progress('strict auth server (no reuse interval, for the "without Latchkey" lane): starting');
    const strict = await startAuthServer({
      name: 'strict auth server',
      database: 'memory',
      // Strict rotation: a used refresh token presented again is reuse, however soon. Supabase
      // Auth's own default (GOTRUE_SECURITY_REFRESH_TOKEN_REUSE_INTERVAL is 0 unless set).
      env: { ...env, LATCHKEY_REFRESH_REUSE_INTERVAL: '0' },
      logFile: join(dataDir, 'strict-auth.log'),
      echo: echo('strict'),
    });
    running.push(strict.stop);
    progress(`strict auth server: ready at ${strict.authUrl} (pid ${strict.pid}; log ${shortPath(strict.logFile)})`);

    progress(`notes API and web app: starting on port ${apiPort || '(any free)'}, database ${shortPath(join(dataDir, 'notes'))}`);
    const { startApi } = await import(apiModule);
    let api;
    try {
      api = await startApi({
        authUrl: auth.authUrl,
        strictAuthUrl: strict.authUrl,
        webRoot,
        database: join(dataDir, 'notes'),
        port: apiPort,
        clientConfig: { reuseInterval },
        outboxSecretKey: readSecretKey(authDatabase),
      });
    } catch (error) {
      if (isAddressInUse(error))
        throw new DemoStartError(
          `port ${apiPort} (PORT) is in use by another process; set PORT to a free port, e.g. PORT=${apiPort + 1} npm run demo`,
        );
      // PGlite fails with Emscripten's ErrnoError, which has a name and a number but no message.
      const said = error?.message || [error?.name, error?.errno && `errno ${error.errno}`].filter(Boolean).join(' ') || String(error);
      throw new DemoStartError(`the notes API did not start (database ${shortPath(join(dataDir, 'notes'))}): ${said.split('\n')[0]}`);
    }
    running.push(() => api.close());
    progress(`notes API and web app: ready at ${appUrl}`);
    return { url: appUrl, authUrl: auth.authUrl, strictAuthUrl: strict.authUrl, idpUrl: idp.issuer, auth, strict, dataDir, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
