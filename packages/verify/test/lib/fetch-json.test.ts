import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fetchJson } from '../../src/lib/fetch-json.js';
import { startStub, type StubServer } from '../support/stub-server.js';

let stub: StubServer;
beforeEach(async () => {
  stub = await startStub();
});
afterEach(async () => {
  await stub.close();
});

const options = { timeoutMs: 2000, maxBytes: 1024 };

describe('fetchJson', () => {
  it('returns the status and the parsed body, sending the given headers', async () => {
    stub.on('/x', (req, res) =>
      res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ got: req.headers['x-test'] })),
    );
    expect(await fetchJson(`${stub.url}/x`, { ...options, headers: { 'x-test': 'yes' } })).toEqual({ status: 201, body: { got: 'yes' } });
  });

  it('gives an undefined body for an empty or non-JSON answer', async () => {
    stub.on('/empty', (_req, res) => res.writeHead(204).end());
    stub.on('/html', (_req, res) => res.writeHead(200).end('<html>'));
    expect(await fetchJson(`${stub.url}/empty`, options)).toEqual({ status: 204, body: undefined });
    expect(await fetchJson(`${stub.url}/html`, options)).toEqual({ status: 200, body: undefined });
  });

  it('refuses a body over maxBytes, declared or not', async () => {
    const big = JSON.stringify({ pad: 'x'.repeat(2000) });
    stub.on('/declared', (_req, res) => res.writeHead(200, { 'content-length': String(big.length) }).end(big));
    stub.on('/chunked', (_req, res) => {
      res.writeHead(200);
      res.write(big.slice(0, 1000));
      res.end(big.slice(1000));
    });
    await expect(fetchJson(`${stub.url}/declared`, options)).rejects.toThrow(/larger than 1024 bytes/);
    await expect(fetchJson(`${stub.url}/chunked`, options)).rejects.toThrow(/larger than 1024 bytes/);
  });

  it('does not follow redirects', async () => {
    stub.on('/from', (_req, res) => res.writeHead(307, { location: '/to' }).end());
    stub.on('/to', (_req, res) => res.writeHead(200).end('{}'));
    await expect(fetchJson(`${stub.url}/from`, options)).rejects.toThrow();
    expect(stub.count('/to')).toBe(0);
  });
});
