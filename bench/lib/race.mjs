/**
 * The rotation race: `parallel` requests present the same refresh token at the same instant
 * (each on its own, already-open connection). A correct server issues one successor — every
 * caller that succeeds gets the same token — and that one token keeps working. A read-then-write
 * server lets several requests pass the check before any of them writes, and each of those
 * issues its own successor: the session forks into several live branches.
 *
 * Reported: answers by status, distinct successors handed out, and live branches (how many of the
 * distinct successors a later refresh accepts).
 */
import { connection } from './http1.mjs';

export async function race(c, token, parallel = 50) {
  const target = c.targets[0];
  const conns = Array.from({ length: parallel }, () => connection(target));
  // Open and warm every connection first, so the refreshes leave together.
  await Promise.all(conns.map((conn) => conn.request('GET', c.protocol.health)));
  const r = c.protocol.request(token);
  const answers = await Promise.all(
    conns.map((conn) => conn.request(r.method, r.path, r.headers, r.body).catch((e) => ({ status: 0, body: String(e) }))),
  );
  const statuses = {};
  const successors = new Set();
  for (const a of answers) {
    statuses[a.status] = (statuses[a.status] ?? 0) + 1;
    const next = c.protocol.successor(a.status, a.body);
    if (next) successors.add(next);
  }
  let live = 0;
  for (const s of successors) {
    const q = c.protocol.request(s);
    const a = await conns[0].request(q.method, q.path, q.headers, q.body);
    if (c.protocol.successor(a.status, a.body)) live++;
  }
  for (const conn of conns) conn.close();
  return { parallel, statuses, successors: successors.size, live };
}
