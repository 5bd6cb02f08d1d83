/**
 * A throwaway Postgres primary with an asynchronous streaming standby on this machine, for the
 * failover tests: `initdb`, `pg_basebackup -R`, two free ports, a temp directory. Everything it
 * starts is stopped and removed by `destroy()`, and by an exit hook if the test process dies
 * first. initdb and postgres refuse to run as root, so as root they run as the `postgres` user.
 */
import { execFile, execFileSync } from 'node:child_process';
import { appendFileSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

/** The directory of initdb, pg_ctl, pg_basebackup, or undefined when no server is installed. */
export const PG_BIN: string | undefined = findPostgresBin();

function findPostgresBin(): string | undefined {
  const has = (dir: string) => ['initdb', 'pg_ctl', 'pg_basebackup', 'postgres'].every((tool) => existsSync(join(dir, tool)));
  const fromEnv = process.env.LATCHKEY_TEST_PG_BIN;
  if (fromEnv) return has(fromEnv) ? fromEnv : undefined;
  // Debian/Ubuntu keep each major version apart; the newest wins.
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => /^\d+$/.test(v)) : [];
  for (const version of versions.sort((a, b) => Number(b) - Number(a))) {
    if (has(join(root, version, 'bin'))) return join(root, version, 'bin');
  }
  try {
    const dir = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
    return has(dir) ? dir : undefined;
  } catch {
    return undefined;
  }
}

const asRoot = process.getuid?.() === 0;

/** Runs a Postgres tool, as the postgres user when we are root. */
async function pgTool(tool: string, args: string[]): Promise<string> {
  const path = join(PG_BIN!, tool);
  const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', path, ...args]] : [path, args];
  try {
    return (await run(file, argv, { encoding: 'utf8', timeout: 60_000 })).stdout;
  } catch (error) {
    const { stderr, stdout } = error as { stderr?: string; stdout?: string };
    throw new Error(`${tool} ${args.join(' ')} failed: ${stderr || stdout || (error as Error).message}`);
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface PgNode {
  readonly name: 'primary' | 'standby';
  readonly port: number;
  readonly dataDir: string;
  /** `postgres://postgres@127.0.0.1:<port>/postgres` */
  readonly url: string;
  /** Runs one statement on a connection of its own. */
  sql<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
}

export interface PgCluster {
  primary: PgNode;
  standby: PgNode;
  /** libpq multi-host URL of both, primary first. */
  url(targetSessionAttrs?: string): string;
  /** Resolves once the standby has replayed everything the primary has written so far. */
  waitForReplay(timeoutMs?: number): Promise<void>;
  /**
   * Stops streaming to the standby (as a partitioned network would) and resolves once its WAL
   * receiver is gone and what it received is replayed: from then on, nothing the primary commits
   * reaches it, and it reads as it will once promoted.
   */
  cutReplication(timeoutMs?: number): Promise<void>;
  /** SIGKILLs a node's postmaster and every one of its processes: a crash, no shutdown. */
  crash(node: PgNode): void;
  /** Promotes the standby and resolves once it accepts writes. */
  promote(): Promise<void>;
  /** Stops whatever still runs and removes the directory. Safe to call twice. */
  destroy(): Promise<void>;
}

function node(name: PgNode['name'], dir: string, port: number): PgNode {
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  return {
    name,
    port,
    dataDir: join(dir, name),
    url,
    async sql<T>(text: string, params?: unknown[]) {
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
      client.on('error', () => {});
      await client.connect();
      try {
        return (await client.query(text, params)).rows as T[];
      } finally {
        await client.end().catch(() => {});
      }
    },
  };
}

/** The postmaster's pid and its children's, read from its pid file and /proc (empty if stopped). */
function processesOf(dataDir: string): number[] {
  let pid: number;
  try {
    pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return [];
  }
  if (!Number.isInteger(pid) || pid <= 0 || !existsSync(`/proc/${pid}`)) return [];
  const children = readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        // /proc/<pid>/stat: "pid (comm) state ppid …"; comm may hold spaces, so read after ')'.
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
      } catch {
        return false;
      }
    })
    .map(Number);
  return [pid, ...children];
}

function killAll(dataDir: string): void {
  for (const pid of processesOf(dataDir)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
}

async function until(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts a primary and a streaming standby (asynchronous replication, the default). */
export async function startCluster(): Promise<PgCluster> {
  if (!PG_BIN) throw new Error('Postgres server binaries not found (set LATCHKEY_TEST_PG_BIN)');
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-pg-'));
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }));
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }));
    chownSync(dir, uid, gid);
  }
  const [primaryPort, standbyPort] = [await freePort(), await freePort()];
  const primary = node('primary', dir, primaryPort);
  const standby = node('standby', dir, standbyPort);
  let destroyed = false;
  const destroySync = () => {
    if (destroyed) return;
    destroyed = true;
    killAll(primary.dataDir);
    killAll(standby.dataDir);
    rmSync(dir, { recursive: true, force: true });
  };
  // A test process that dies without its afterAll must not leave servers running.
  process.once('exit', destroySync);

  const start = (n: PgNode) => pgTool('pg_ctl', ['-D', n.dataDir, '-l', join(dir, `${n.name}.log`), '-w', '-t', '60', 'start']);
  try {
    await pgTool('initdb', ['-D', primary.dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
    appendFileSync(
      join(primary.dataDir, 'postgresql.conf'),
      [
        '',
        `port = ${primaryPort}`,
        "listen_addresses = '127.0.0.1'",
        `unix_socket_directories = '${dir}'`,
        // Test speed only: durability on disk is not what these tests are about (replication
        // is: a commit the standby never received is lost whatever the primary's disk did).
        'fsync = off',
        'full_page_writes = off',
        'shared_buffers = 16MB',
        'max_connections = 60',
        "log_min_messages = 'warning'",
        '',
      ].join('\n'),
    );
    await start(primary);
    // -R: standby.signal and primary_conninfo, so it starts streaming from the primary.
    await pgTool('pg_basebackup', [
      '-h', '127.0.0.1', '-p', String(primaryPort), '-U', 'postgres', '-D', standby.dataDir,
      '-R', '-X', 'stream', '-c', 'fast', '--no-sync',
    ]); // prettier-ignore
    appendFileSync(join(standby.dataDir, 'postgresql.conf'), `\nport = ${standbyPort}\n`);
    await start(standby);
    await until('the standby to stream', 30_000, async () => {
      const rows = await primary.sql<{ state: string }>('SELECT state FROM pg_stat_replication');
      return rows.some((r) => r.state === 'streaming');
    });
  } catch (error) {
    const logs = ['primary', 'standby'].map((n) => {
      try {
        return `${n}.log:\n${readFileSync(join(dir, `${n}.log`), 'utf8')}`;
      } catch {
        return '';
      }
    });
    destroySync();
    process.removeListener('exit', destroySync);
    throw new Error(`${(error as Error).message}\n${logs.join('\n')}`);
  }

  return {
    primary,
    standby,
    url: (targetSessionAttrs = 'read-write') =>
      `postgres://postgres@127.0.0.1:${primaryPort},127.0.0.1:${standbyPort}/postgres?target_session_attrs=${targetSessionAttrs}`,
    async waitForReplay(timeoutMs = 30_000) {
      const [{ lsn }] = await primary.sql<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
      await until('the standby to replay', timeoutMs, async () => {
        const [row] = await standby.sql<{ caught_up: boolean }>('SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS caught_up', [lsn]);
        return row?.caught_up === true;
      });
    },
    async cutReplication(timeoutMs = 30_000) {
      // primary_conninfo is reloadable (Postgres 13+); without it the standby has nowhere to
      // stream from and its WAL receiver exits, while it stays a readable hot standby.
      await standby.sql("ALTER SYSTEM SET primary_conninfo = ''");
      await standby.sql('SELECT pg_reload_conf()');
      await until('the WAL receiver to stop', timeoutMs, async () => {
        const rows = await standby.sql('SELECT 1 FROM pg_stat_wal_receiver');
        return rows.length === 0;
      });
      // And what it did receive is replayed, so the standby now reads as it will once promoted.
      await until('the standby to replay what it received', timeoutMs, async () => {
        const [row] = await standby.sql<{ done: boolean }>('SELECT pg_last_wal_replay_lsn() >= pg_last_wal_receive_lsn() AS done');
        return row?.done === true;
      });
    },
    crash(n: PgNode) {
      killAll(n.dataDir);
    },
    async promote() {
      const [row] = await standby.sql<{ promoted: boolean }>('SELECT pg_promote(true, 60) AS promoted');
      if (!row?.promoted) throw new Error('the standby was not promoted');
    },
    async destroy() {
      process.removeListener('exit', destroySync);
      destroySync();
    },
  };
}

/**
 * Whether the cluster tests can run here. In CI the server binaries are part of the machine
 * (.ci/run relies on them): their absence fails the run instead of silently skipping the tests.
 */
export function clusterAvailable(suite: string): boolean {
  if (PG_BIN) return true;
  if (process.env.CI) throw new Error(`${suite}: Postgres server binaries (initdb, pg_ctl, pg_basebackup) are not installed`);
  console.warn(`[${suite}] skipped: no Postgres server binaries (initdb, pg_basebackup); set LATCHKEY_TEST_PG_BIN`);
  return false;
}
