#!/usr/bin/env node
/**
 * `npm run demo [-- --verbose]`: the auth servers, the notes API and the web app, in one command.
 * Prints a line per step; a failure is one line on stderr naming what to change, exit code 1, and
 * nothing left running.
 */
import { parseArgs } from 'node:util';
import { ensureBuilt } from './build.mjs';
import { shortPath, startDemo } from './demo.mjs';
import { choosePort, DemoStartError } from './ports.mjs';

const HELP = `Usage: npm run demo [-- --verbose]

Starts the Latchkey notes demo: the auth server, a strict auth server (no reuse interval) for the
"without Latchkey" lane, a local OpenID provider for "Continue with Demo IdP" (any login name and
password), and the notes API serving the web app. Ctrl-C stops everything.
Open the app at the http://localhost:<PORT> URL it prints: passkeys are bound to the name
localhost (the auth server runs with LATCHKEY_PASSKEY_ENABLED and its WebAuthn RP id and origin
set for that URL), and do not work at 127.0.0.1.

Environment:
  PORT               web app and notes API port (default 5173, or the next free one)
  AUTH_PORT          auth server port (default 9999, or the next free one); the data directory
                     is per auth port: examples/notes/.data/<AUTH_PORT>
  LATCHKEY_JWT_EXP   access-token lifetime in seconds (default 120 here)
  DEMO_DATA_DIR      keep databases and logs there instead

Options:
  --verbose          also print the auth servers' logs here (they always go to files, named on start)
  --help             show this help`;

function fail(message) {
  process.stderr.write(`demo: ${message}\n`);
  process.exit(1);
}

let verbose = false;
try {
  const { values } = parseArgs({ options: { verbose: { type: 'boolean' }, help: { type: 'boolean' } }, strict: true });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    process.exit(0);
  }
  verbose = values.verbose === true;
} catch (error) {
  fail(`${error.message.split('\n')[0]} (try --help)`);
}

const say = (line) => process.stdout.write(`${line}\n`);
let demo;
let stopping = false;
const stop = (signal) => {
  if (stopping) return;
  stopping = true;
  // Still starting: exiting is enough. The auth servers stop themselves when we are gone
  // (scripts/auth-server.mjs), and nothing else outlives the process.
  if (!demo) process.exit(130);
  say(`\n${signal}: stopping the demo…`);
  demo.stop().then(() => process.exit(0));
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));

say('Latchkey notes demo: starting (Ctrl-C stops it)');
try {
  await ensureBuilt((line) => say(`  ${line}`));
  const auth = await choosePort({ variable: 'AUTH_PORT', value: process.env.AUTH_PORT, preferred: 9999 });
  const api = await choosePort({ variable: 'PORT', value: process.env.PORT, preferred: 5173 });
  for (const moved of [auth.moved, api.moved]) if (moved) say(`  ${moved}`);
  const jwtExp = process.env.LATCHKEY_JWT_EXP ?? '120';
  if (!/^\d+$/.test(jwtExp) || Number(jwtExp) < 1)
    throw new DemoStartError(`LATCHKEY_JWT_EXP must be a whole number of seconds, got "${jwtExp}"`);
  demo = await startDemo({
    authPort: auth.port,
    apiPort: api.port,
    jwtExp: Number(jwtExp),
    ...(process.env.DEMO_DATA_DIR ? { dataDir: process.env.DEMO_DATA_DIR } : {}),
    onProgress: (line) => say(`  ${line}`),
    ...(verbose ? { echo: (server, line) => say(`  [${server}] ${line}`) } : {}),
  });
} catch (error) {
  fail(error instanceof DemoStartError ? error.message : `could not start: ${String(error?.message ?? error).split('\n')[0]}`);
}

say(
  [
    '',
    'Latchkey notes demo is running',
    `  open:         ${demo.url}`,
    `  auth server:  ${demo.authUrl}  (access tokens last ${process.env.LATCHKEY_JWT_EXP ?? 120} s)`,
    `  demo IdP:     ${demo.idpUrl}  ("Continue with Demo IdP": any login name, any password)`,
    `  server logs:  ${shortPath(demo.auth.logFile)}, ${shortPath(demo.strict.logFile)}${verbose ? ' (also printed here)' : ' (or run with -- --verbose)'}`,
    `  data:         ${shortPath(demo.dataDir)}`,
    '  Ctrl-C stops everything.',
    '',
  ].join('\n'),
);
