/**
 * db/database.ts on a libpq multi-host URL, against a real primary and streaming standby
 * (test/support/pg-cluster.ts): which host new connections land on, and that the bounded waits
 * of issue #12 hold whichever host that is. The topology is shared by the tests and left as it
 * was found; the failover itself is test/failover.test.ts.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/database.js';
import { isDatabaseUnavailable } from '../../src/db/unavailable.js';
import { clusterAvailable, startCluster, type PgCluster } from '../support/pg-cluster.js';

const hostUrl = (ports: number[], attrs: string) =>
  `postgres://postgres@${ports.map((p) => `127.0.0.1:${p}`).join(',')}/postgres?target_session_attrs=${attrs}`;

/** Which server answered, asked on one connection of the pool. */
async function server(db: Database): Promise<{ port: number; standby: boolean }> {
  const [row] = await db.query<{ port: number; standby: boolean }>('SELECT inet_server_port() AS port, pg_is_in_recovery() AS standby');
  return row!;
}

/** A TCP port that accepts connections and never answers: a host behind a network black hole. */
async function blackHole(): Promise<{ port: number; accepted: () => number; close: () => Promise<void> }> {
  const sockets: Socket[] = [];
  const hole: Server = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => hole.listen(0, '127.0.0.1', resolve));
  return {
    port: (hole.address() as { port: number }).port,
    accepted: () => sockets.length,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => hole.close(resolve));
    },
  };
}

/** A port nothing listens on (refused at once). */
async function closedPort(): Promise<number> {
  const hole = await blackHole();
  await hole.close();
  return hole.port;
}

describe.skipIf(!clusterAvailable('multi-host'))('a multi-host database URL on a primary and a standby', () => {
  let cluster: PgCluster;
  let primary: number;
  let standby: number;
  const opened: Database[] = [];
  const open = async (url: string, timeoutMs = 2000, poolSize = 4) => {
    const db = await openDatabase({ database: url, schema: 'lk_multi_host', timeoutMs, poolSize });
    opened.push(db);
    return db;
  };

  beforeAll(async () => {
    cluster = await startCluster();
    primary = cluster.primary.port;
    standby = cluster.standby.port;
    // The schema exists on both (openDatabase creates it, which only the primary can do).
    await cluster.primary.sql('CREATE SCHEMA lk_multi_host');
    await cluster.waitForReplay();
  });
  afterAll(async () => {
    await Promise.all(opened.map((db) => db.close().catch(() => {})));
    await cluster?.destroy();
  });

  it('read-write passes over a standby listed first, and every new connection then goes to the primary', async () => {
    const db = await open(hostUrl([standby, primary], 'read-write'));
    expect(await server(db)).toEqual({ port: primary, standby: false });
    // Four connections at once (each holds its own for 100 ms): all of them on the primary.
    const answers = await Promise.all(
      Array.from({ length: 4 }, () => db.query<{ port: number }>('SELECT inet_server_port() AS port, pg_sleep(0.1)')),
    );
    expect(answers.map(([row]) => row!.port)).toEqual([primary, primary, primary, primary]);
    expect(db.poolStats().total).toBe(4);
  });

  it('primary passes over a standby too', async () => {
    const db = await open(hostUrl([standby, primary], 'primary'));
    expect(await server(db)).toEqual({ port: primary, standby: false });
  });

  it('any keeps the first host that accepts a connection, even a standby (where writes then fail)', async () => {
    const refused = await closedPort();
    const error = await open(hostUrl([refused, standby], 'any')).catch((e: unknown) => e);
    // It reached the standby: CREATE SCHEMA was refused as a write to a read-only server.
    expect((error as { code?: string }).code).toBe('25006');
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it('with no read-write host, connecting fails as a transient error (503), naming the host but no secret', async () => {
    const refused = await closedPort();
    const url = hostUrl([refused, standby], 'read-write').replace('postgres@', 'postgres:hunter2@');
    const error = (await open(url).catch((e: unknown) => e)) as Error & { code?: string };
    expect(error.code).toBe('08001');
    expect(error.message).toBe(`127.0.0.1:${standby} is a standby (in recovery), not read-write`);
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it('the statement timeout applies on the host a connection landed on', async () => {
    const db = await open(hostUrl([standby, primary], 'read-write'), 300);
    const started = performance.now();
    const error = await db.query('SELECT pg_sleep(3)').catch((e: unknown) => e);
    expect((error as { code?: string }).code).toBe('57014');
    expect(performance.now() - started).toBeLessThan(2500);
  });

  it('a black-holed host costs one connect timeout, then new connections go to the next host', async () => {
    const hole = await blackHole();
    try {
      const started = performance.now();
      const db = await open(hostUrl([hole.port, primary], 'read-write'), 300);
      // Opening waited out the black hole once (the connect timeout), then reached the primary.
      expect(performance.now() - started).toBeGreaterThanOrEqual(290);
      expect(hole.accepted()).toBe(1);
      const answers = await Promise.all(
        Array.from({ length: 4 }, () => db.query<{ port: number }>('SELECT inet_server_port() AS port, pg_sleep(0.05)')),
      );
      expect(answers.map(([row]) => row!.port)).toEqual([primary, primary, primary, primary]);
      // No new connection went back to the black hole.
      expect(hole.accepted()).toBe(1);
    } finally {
      await hole.close();
    }
  });

  it('a primary that turns read-only: the write fails with 25006 (503), its connection is not kept, and none is made', async () => {
    const db = await open(hostUrl([primary], 'read-write'));
    await db.query('CREATE TABLE IF NOT EXISTS fenced (n int)');
    expect(db.poolStats().total).toBe(1);
    try {
      // How an operator fences an old primary without stopping it.
      await cluster.primary.sql('ALTER SYSTEM SET default_transaction_read_only = on');
      await cluster.primary.sql('SELECT pg_reload_conf()');
      let error: unknown;
      for (let i = 0; i < 100 && !error; i++) {
        error = await db.query('INSERT INTO fenced VALUES (1)').then(
          () => new Promise((r) => setTimeout(r, 20)).then(() => undefined),
          (e: unknown) => e,
        );
      }
      expect((error as { code?: string }).code).toBe('25006');
      expect(isDatabaseUnavailable(error)).toBe(true);
      // The connection that met the read-only server is gone; a new one is refused at connect.
      expect(db.poolStats().total).toBe(0);
      const next = await db.query('INSERT INTO fenced VALUES (2)').catch((e: unknown) => e);
      expect((next as { code?: string }).code).toBe('08001');
      expect(db.poolStats().total).toBe(0);
    } finally {
      await cluster.primary.sql('ALTER SYSTEM RESET default_transaction_read_only');
      await cluster.primary.sql('SELECT pg_reload_conf()');
    }
    // Unfenced: new connections are accepted again.
    await expect(db.query('INSERT INTO fenced VALUES (3)')).resolves.toEqual([]);
  });

  it('a connection killed while checked out fails its transaction (503) and does not crash the process', async () => {
    const db = await open(hostUrl([standby, primary], 'read-write'));
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    try {
      const error = await db
        .transaction(async (tx) => {
          const [row] = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
          // Killed between two statements, while no statement of ours is running: pg reports
          // that as an 'error' event on the client, which crashed the process with no listener.
          await cluster.primary.sql('SELECT pg_terminate_backend($1)', [row!.pid]);
          await new Promise((r) => setTimeout(r, 100));
          await tx.query('SELECT 1');
        })
        .catch((e: unknown) => e);
      expect(isDatabaseUnavailable(error)).toBe(true);
      expect(uncaught).toEqual([]);
      expect(await server(db)).toEqual({ port: primary, standby: false });
    } finally {
      process.off('uncaughtException', onUncaught);
    }
  });
});
