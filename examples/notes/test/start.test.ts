/**
 * `npm run demo` (scripts/start.mjs) starts cleanly or fails in one line, and never leaves a
 * server behind: ports taken, a failure after the auth servers started, the demo killed outright.
 * Each case runs the real script as a child process on free ports and a temporary data directory.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
// @ts-expect-error — plain ESM script without types
import { choosePort, isPortFree } from '../scripts/ports.mjs';

const START = fileURLToPath(new URL('../scripts/start.mjs', import.meta.url));

/** A port nothing listens on (the OS's pick, released at once). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const occupied: Server[] = [];
async function occupy(port: number): Promise<void> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  occupied.push(server);
}

const dirs: string[] = [];
function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-demo-start-'));
  dirs.push(dir);
  return dir;
}

interface Run {
  pid: number;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
  kill(signal: NodeJS.Signals): void;
}

/** Start scripts still running when a test ends (it failed or timed out): killed in afterEach. */
const running = new Set<Run>();

function runStart(env: Record<string, string>): Run {
  const child = spawn(process.execPath, [START], {
    env: { ...process.env, LATCHKEY_JWT_EXP: '120', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const run: Run = { pid: child.pid as number, stdout: () => stdout, stderr: () => stderr, exited, kill: (signal) => child.kill(signal) };
  running.add(run);
  void exited.then(() => running.delete(run));
  return run;
}

/** The auth servers' pids, as the start script prints them on the way up. */
const serverPids = (stdout: string) => [...stdout.matchAll(/\(pid (\d+);/g)].map((match) => Number(match[1]));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function eventually(check: () => boolean | Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

afterEach(async () => {
  // Its auth servers follow it (they stop when the script's IPC channel closes).
  for (const run of running) {
    run.kill('SIGKILL');
    await run.exited;
  }
  for (const server of occupied.splice(0)) await new Promise((resolve) => server.close(resolve));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

// The cases that start servers allow three minutes: a first start creates two databases, which
// takes tens of seconds on a busy two-core machine.
describe('npm run demo (scripts/start.mjs)', () => {
  it('AUTH_PORT taken: one line naming AUTH_PORT, exit 1, no server started', async () => {
    const [authPort, apiPort] = [await freePort(), await freePort()];
    await occupy(authPort);
    const run = runStart({ AUTH_PORT: String(authPort), PORT: String(apiPort), DEMO_DATA_DIR: dataDir() });
    expect(await run.exited).toBe(1);
    expect(run.stderr()).toBe(
      `demo: port ${authPort} (AUTH_PORT) is in use by another process; set AUTH_PORT to a free port, e.g. AUTH_PORT=${authPort + 1} npm run demo\n`,
    );
    expect(serverPids(run.stdout())).toEqual([]);
  });

  it('PORT taken: one line naming PORT, exit 1, no server started', async () => {
    const [authPort, apiPort] = [await freePort(), await freePort()];
    await occupy(apiPort);
    const run = runStart({ AUTH_PORT: String(authPort), PORT: String(apiPort), DEMO_DATA_DIR: dataDir() });
    expect(await run.exited).toBe(1);
    expect(run.stderr()).toMatch(
      new RegExp(`^demo: port ${apiPort} \\(PORT\\) is in use by another process; set PORT to a free port[^\\n]*\\n$`),
    );
    expect(serverPids(run.stdout())).toEqual([]);
    expect(await isPortFree(authPort)).toBe(true);
  });

  it('a failure after the auth servers started: one line, and both auth servers are stopped', async () => {
    const [authPort, apiPort] = [await freePort(), await freePort()];
    const dir = dataDir();
    // The notes database path is a file: the notes API cannot open it, after both auth servers are up.
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'notes'), 'not a database');
    const run = runStart({ AUTH_PORT: String(authPort), PORT: String(apiPort), DEMO_DATA_DIR: dir });
    expect(await run.exited).toBe(1);
    const pids = serverPids(run.stdout());
    expect(pids).toHaveLength(2);
    expect(run.stderr()).toMatch(/^demo: the notes API did not start \(database [^)]*notes\): [^\n]+\n$/);
    // Stopped before the script exited, not merely told to stop.
    expect(pids.filter(alive)).toEqual([]);
    expect(await isPortFree(authPort)).toBe(true);
  }, 180_000);

  it('killed outright (SIGKILL, no handler runs): its auth servers stop by themselves', async () => {
    const [authPort, apiPort] = [await freePort(), await freePort()];
    const run = runStart({ AUTH_PORT: String(authPort), PORT: String(apiPort), DEMO_DATA_DIR: dataDir() });
    await eventually(() => run.stdout().includes('Latchkey notes demo is running'), 'the demo is up', 150_000);
    const pids = serverPids(run.stdout());
    expect(pids).toHaveLength(2);
    expect(pids.every(alive)).toBe(true);
    // Progress was printed on the way, and where the server logs are.
    expect(run.stdout()).toMatch(/auth server: ready at http:\/\/127\.0\.0\.1:\d+\/auth\/v1 \(pid \d+; log [^)]*auth\.log\)/);
    expect(run.stdout()).toMatch(/server logs: +\S*auth\.log, \S*strict-auth\.log/);
    run.kill('SIGKILL');
    await run.exited;
    await eventually(() => pids.every((pid) => !alive(pid)), 'both auth servers have exited');
    await eventually(() => isPortFree(authPort), 'the auth port is free again');
  }, 180_000);

  it('Ctrl-C (SIGINT) once running: everything stops and the script exits 0', async () => {
    const [authPort, apiPort] = [await freePort(), await freePort()];
    const run = runStart({ AUTH_PORT: String(authPort), PORT: String(apiPort), DEMO_DATA_DIR: dataDir() });
    await eventually(() => run.stdout().includes('Latchkey notes demo is running'), 'the demo is up', 150_000);
    const pids = serverPids(run.stdout());
    run.kill('SIGINT');
    expect(await run.exited).toBe(0);
    expect(pids.filter(alive)).toEqual([]);
    expect(await isPortFree(apiPort)).toBe(true);
  }, 180_000);
});

describe('choosePort', () => {
  it('an unset variable moves past a taken default port, and says so', async () => {
    const port = await freePort();
    await occupy(port);
    const chosen = await choosePort({ variable: 'AUTH_PORT', value: undefined, preferred: port });
    expect(chosen.port).not.toBe(port);
    expect(chosen.moved).toBe(`port ${port} is in use; using ${chosen.port} (set AUTH_PORT to choose)`);
  });

  it('a set variable is taken at its word: a bad value is a one-line error', async () => {
    await expect(choosePort({ variable: 'PORT', value: 'http', preferred: 5173 })).rejects.toThrow(
      'PORT must be a port number (0-65535), got "http"',
    );
  });
});
