/**
 * Child processes for the multi-process tests: a real `latchkey serve` on Postgres (the built
 * bin, as packages/server/test/spawn.ts runs it), and app/BFF processes from test/support.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { dropSchema } from '@latchkey/server/testing';
import { POSTGRES_URL, unique } from './services.js';

export interface NodeProcess {
  child: ChildProcess;
  url: string;
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** The built `latchkey` CLI of @latchkey/server (what `npx latchkey serve` runs). */
const LATCHKEY_BIN = fileURLToPath(new URL('../../../server/bin/latchkey.js', import.meta.url));

/** Runs `test/support/<script>` with node and resolves once it prints "listening on <url>". */
export function startScript(script: string, env: Record<string, string>, args: string[] = []): Promise<NodeProcess> {
  const path = script.startsWith('/') ? script : fileURLToPath(new URL(script, import.meta.url));
  const child = spawn(process.execPath, [path, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start in time:\n${output}`)), 20_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (!match) return;
      clearTimeout(timer);
      resolve({
        child,
        url: match[1] as string,
        output: () => output,
        async kill(signal = 'SIGTERM') {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          await exited;
        },
      });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`${script} exited before listening:\n${output}`));
    });
  });
}

/** A real `latchkey serve` process on Postgres (a schema of its own), with short-lived access tokens. */
export async function startAuthProcess(jwtExpSeconds: number) {
  const schema = unique('lk_ssr');
  const secretKey = `lk_secret_${randomBytes(32).toString('base64url')}`;
  const proc = await startScript(
    LATCHKEY_BIN,
    {
      LATCHKEY_DATABASE_URL: POSTGRES_URL,
      LATCHKEY_DB_SCHEMA: schema,
      LATCHKEY_JWT_EXP: String(jwtExpSeconds),
      LATCHKEY_SECRET_KEY: secretKey,
      LATCHKEY_REFRESH_REUSE_INTERVAL: '10',
      LATCHKEY_RATE_LIMITS: 'off',
      LATCHKEY_LOG_LEVEL: 'warn',
    },
    ['serve', '--port', '0'],
  );
  return {
    authUrl: `${proc.url}/auth/v1`,
    secretKey,
    async stop() {
      await proc.kill('SIGKILL');
      await dropSchema(POSTGRES_URL, schema);
    },
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
