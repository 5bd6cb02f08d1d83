/**
 * Issue #12: a client that disconnects before its body arrived is not a database outage. It was
 * logged as "database unavailable" and counted as a 503, so anyone could trip the 5xx alerts the
 * production guide recommends.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../src/testing.js';
import type { Logger } from '../../src/log.js';

describe('requests that end early', () => {
  let server: TestServer;
  const lines: Array<{ level: string; msg: string; fields?: Record<string, unknown> }> = [];
  const logger: Logger = {
    info: (msg, fields) => lines.push({ level: 'info', msg, fields }),
    warn: (msg, fields) => lines.push({ level: 'warn', msg, fields }),
    error: (msg, fields) => lines.push({ level: 'error', msg, fields }),
  };
  beforeAll(async () => {
    server = await startTestServer({ logger });
  });
  afterAll(() => server?.close());

  it('a client gone mid-body is counted as 499, not 503, and logs no error', async () => {
    const { port } = new URL(server.url);
    await new Promise<void>((resolve, reject) => {
      const socket = net.connect(Number(port), '127.0.0.1', () => {
        socket.write(
          'POST /auth/v1/token?grant_type=password HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{"em',
        );
        setTimeout(() => socket.destroy(), 100);
      });
      socket.on('close', () => resolve());
      socket.on('error', reject);
    });
    // The handler sees the end of the stream on its next turn.
    for (let i = 0; i < 50 && !lines.some((l) => l.msg === 'request' && l.fields?.status === 499); i++)
      await new Promise((r) => setTimeout(r, 20));
    const metrics = server.app.metrics.requests;
    expect(metrics.get({ route: 'POST /token', status: '499' })).toBe(1);
    expect(metrics.get({ route: 'POST /token', status: '503' })).toBe(0);
    expect(lines.filter((l) => l.level === 'error')).toEqual([]);
  });
});
