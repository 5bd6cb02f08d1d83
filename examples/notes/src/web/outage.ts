/**
 * The auth server unreachable: a banner that says so and that the session is kept, then recovery
 * by itself — the page probes `/health` every few seconds and, once it answers, lets the client
 * renew the session (it refreshes only if due), hides the banner and reloads what failed. No
 * reload needed.
 */
import type { LatchkeyClient } from '@latchkey/client';
import type { AuthTraffic } from './auth-traffic.js';
import { $ } from './dom.js';

const PROBE_EVERY_MS = 3_000;

export function watchOutage(options: {
  auth: LatchkeyClient;
  traffic: AuthTraffic;
  authUrl: string;
  signedIn(): boolean;
  onRecovered(): void;
}): void {
  const { auth, traffic, authUrl } = options;
  const banner = $('outage');
  const host = new URL(authUrl).host;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const say = (text: string) => {
    banner.textContent = text;
    banner.hidden = false;
  };
  const describe = () =>
    options.signedIn()
      ? `Can't reach the auth server (${host}) to renew your access token. You are still signed in: your session is kept, and this page reconnects by itself when the server is back. No need to reload.`
      : `Can't reach the auth server (${host}): signing in and up will work again once it is back. Is \`npm run demo\` still running?`;

  async function probe(): Promise<void> {
    timer = undefined;
    // Through the watched fetch: a good answer marks the server reachable again.
    const healthy = await traffic.fetch(`${authUrl}/health`, { cache: 'no-store' }).then(
      (response) => response.ok,
      () => false,
    );
    if (!healthy) return schedule();
    if (options.signedIn()) {
      say('The auth server is back; renewing your session…');
      // Refreshes only if due. Right after an outage the client may still be in its cooldown
      // (it holds back refreshes for up to 15 s after failed ones): then try again shortly.
      const { error } = await auth.getSession();
      const transient = error && (error.status === 0 || error.status === 408 || error.status === 429 || error.status >= 500);
      if (transient && options.signedIn()) return schedule();
    }
    banner.hidden = true;
    options.onRecovered();
  }

  function schedule(): void {
    if (timer === undefined) timer = setTimeout(() => void probe(), PROBE_EVERY_MS);
  }

  traffic.onReachability((reachable) => {
    if (reachable || !banner.hidden) return;
    say(describe());
    schedule();
  });
}
