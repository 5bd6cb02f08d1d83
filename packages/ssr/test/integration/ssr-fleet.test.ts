/**
 * The server client across processes: three app processes (node, the built package) using
 * createServerClient, one real `latchkey serve` on Postgres with 2-second access tokens. A burst
 * of parallel requests carrying one expired cookie, spread over the processes, must never meet
 * `refresh_token_already_used`: each process refreshes once (per-process single-flight), and the
 * auth server's reuse interval hands every process the same successor.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refreshCounts, signUp } from '../support/auth-server.js';
import { Browser, sessionIn } from '../support/browser.js';
import { sleep, startAuthProcess, startScript, type NodeProcess } from '../support/processes.js';
import { PASSWORD } from '../support/services.js';

let auth: Awaited<ReturnType<typeof startAuthProcess>>;
let apps: NodeProcess[] = [];

beforeAll(async () => {
  auth = await startAuthProcess(2);
  apps = await Promise.all([0, 1, 2].map(() => startScript('ssr-server.mjs', { AUTH_URL: auth.authUrl })));
});
afterAll(async () => {
  await Promise.all(apps.map((app) => app.kill('SIGKILL')));
  await auth?.stop();
});

async function visit(app: NodeProcess, browser: Browser) {
  const response = await fetch(`${app.url}/me`, { headers: { cookie: browser.header() } });
  return {
    status: response.status,
    body: (await response.json()) as { id: string | null; code: string | null },
    cookies: response.headers.getSetCookie(),
  };
}

describe('three app processes, parallel requests with one expired cookie', () => {
  it('never get refresh_token_already_used: one refresh per process at most, all converge on one successor, and the session lives on', async () => {
    const { email, user } = await signUp(auth.authUrl);
    const browser = new Browser();
    const signIn = await fetch(`${apps[0]!.url}/sign-in`, { method: 'POST', body: JSON.stringify({ email, password: PASSWORD }) });
    expect(signIn.status).toBe(200);
    browser.receive(signIn);
    const original = sessionIn(browser)!;
    await sleep(2_250); // the access token expires (2 s)

    const before = await refreshCounts(auth.authUrl, auth.secretKey);
    const burst = await Promise.all(Array.from({ length: 60 }, (_, i) => visit(apps[i % 3]!, browser)));
    expect(burst.map((r) => r.body.code)).toEqual(Array(60).fill(null));
    expect(burst.map((r) => r.body.id)).toEqual(Array(60).fill(user.id));

    // Every response that wrote cookies wrote the same session.
    const written = new Set(burst.filter((r) => r.cookies.length).map((r) => sessionIn(browser.clone().receive(r.cookies))!.refresh_token));
    expect(written.size).toBe(1);
    const successor = [...written][0]!;
    expect(successor).not.toBe(original.refresh_token);

    const afterBurst = await refreshCounts(auth.authUrl, auth.secretKey);
    expect(afterBurst.rotated - before.rotated).toBe(1);
    expect(afterBurst.replayed - before.replayed).toBeLessThanOrEqual(2); // one per other process, at most

    // Stragglers of the same page load, still carrying the old cookie a moment later: answered
    // from the process's replay (aged) or by the auth server's reuse interval — the same successor.
    await sleep(300);
    const stragglers = await Promise.all(apps.map((app) => visit(app, browser)));
    expect(stragglers.map((r) => r.status)).toEqual([200, 200, 200]);
    for (const r of stragglers) expect(sessionIn(browser.clone().receive(r.cookies))?.refresh_token).toBe(successor);

    const after = await refreshCounts(auth.authUrl, auth.secretKey);
    expect(after.reuse - before.reuse).toBe(0);
    expect(after.rotated - before.rotated).toBe(1);

    // The browser takes the new cookies and the session goes on, on every process (a 2-second
    // token may be due again by now: then each process refreshes it, converging once more).
    browser.receive(burst.find((r) => r.cookies.length)!.cookies);
    const next = await Promise.all(apps.map((app) => visit(app, browser)));
    expect(next.map((r) => r.body)).toEqual(Array(3).fill({ id: user.id, code: null }));
    expect((await refreshCounts(auth.authUrl, auth.secretKey)).reuse).toBe(after.reuse);
  });
});
