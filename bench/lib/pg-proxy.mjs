/**
 * A counting TCP proxy in front of Postgres: forwards bytes untouched and counts the frontend
 * (client → server) protocol messages by type. With the extended query protocol every round trip
 * ends in a Sync ('S'), and every simple query is one 'Q': their sum is the number of round trips.
 * 'P' (Parse) shows whether statements are prepared once or re-parsed; 'B'/'E' are executions.
 *
 * (pg_stat_statements would say the same from the server side, but it needs
 * shared_preload_libraries and a Postgres restart, which a shared machine does not get.)
 */
import { connect, createServer } from 'node:net';

export async function startPgProxy(upstream) {
  const target = new URL(upstream);
  const counts = {};
  const server = createServer((client) => {
    const backend = connect({ host: target.hostname, port: Number(target.port || 5432) });
    client.setNoDelay(true);
    backend.setNoDelay(true);
    let started = false; // the startup message (and SSLRequest) has no type byte
    let buf = Buffer.alloc(0);
    client.on('data', (chunk) => {
      backend.write(chunk);
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      for (;;) {
        if (!started) {
          if (buf.length < 8) break;
          const len = buf.readInt32BE(0);
          if (buf.length < len) break;
          const code = buf.readInt32BE(4);
          buf = buf.subarray(len);
          // SSLRequest / GSSENCRequest are followed by a real startup message.
          if (code !== 80877103 && code !== 80877104) started = true;
          continue;
        }
        if (buf.length < 5) break;
        const len = buf.readInt32BE(1);
        if (buf.length < 1 + len) break;
        const type = String.fromCharCode(buf[0]);
        counts[type] = (counts[type] ?? 0) + 1;
        buf = buf.subarray(1 + len);
      }
    });
    backend.on('data', (chunk) => client.write(chunk));
    client.on('close', () => backend.destroy());
    backend.on('close', () => client.destroy());
    client.on('error', () => backend.destroy());
    backend.on('error', () => client.destroy());
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const url = new URL(upstream);
  url.host = `127.0.0.1:${server.address().port}`;
  return {
    url: url.href,
    snapshot: () => ({ ...counts }),
    close: () => new Promise((r) => server.close(r)),
  };
}

/** Difference of two snapshots, with the derived round-trip count. */
export function diffCounts(before, after) {
  const d = {};
  for (const k of new Set([...Object.keys(before), ...Object.keys(after)])) d[k] = (after[k] ?? 0) - (before[k] ?? 0);
  return { ...d, roundTrips: (d.S ?? 0) + (d.Q ?? 0) };
}
