#!/usr/bin/env node
// `npm run demo`: the auth server, the notes API and the web app, in one command.
import { startDemo } from './demo.mjs';

const demo = await startDemo({
  authPort: Number(process.env.AUTH_PORT ?? 9999),
  apiPort: Number(process.env.PORT ?? 5173),
  jwtExp: process.env.LATCHKEY_JWT_EXP ? Number(process.env.LATCHKEY_JWT_EXP) : 120,
});
console.log(`\nLatchkey notes demo\n  open:        ${demo.url}\n  auth server: ${demo.authUrl}\n  (access tokens last ${process.env.LATCHKEY_JWT_EXP ?? 120} s; Ctrl-C stops everything)\n`);
const stop = () => demo.stop().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
