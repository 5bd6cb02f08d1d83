/**
 * The "with Latchkey" lane: the same 20 calls, made with the demo user's own session through
 * `auth.fetch`. When the access token has expired, every call waits for the one refresh the
 * client sends (single flight; across tabs, under a Web Lock), then goes on with the new token.
 */
import type { AuthTraffic } from './auth-traffic.js';
import { plural, timeOfDay } from './dom.js';
import { CALLS, type Lane } from './lane.js';

export interface LatchkeyLaneDeps {
  api(path: string, init?: RequestInit): Promise<Response>;
  traffic: AuthTraffic;
  /** Seconds until the access token expires, as this device sees it (negative: expired); undefined when signed out. */
  secondsLeft(): number | undefined;
  signedIn(): boolean;
  /** When this tab last adopted tokens another tab had refreshed (ms, Date.now's clock). */
  adoptedAt(): number;
}

export async function runWithLatchkey(deps: LatchkeyLaneDeps, lane: Lane): Promise<void> {
  const { traffic } = deps;
  lane.start();
  const startedAt = Date.now();
  const left = deps.secondsLeft();
  const expired = left !== undefined && left <= 0;
  const before = traffic.thisTab();
  const beforeAll = traffic.allTabs();
  lane.log(
    expired
      ? '20 calls start through auth.fetch. The access token has expired, so they all wait for one refresh.'
      : `20 calls start through auth.fetch. The access token is valid for ${left ?? '?'} more seconds: no refresh needed.`,
  );
  const unsubscribe = traffic.onRefresh((notice) => {
    if (notice.phase === 'sent') lane.log('refresh → sent: one request for all 20 calls, holding the cross-tab lock');
    else if (notice.phase === 'no_answer')
      lane.log('refresh → no answer: the auth server is unreachable (the client retries with backoff, keeping the session)', 'bad');
    else if (notice.status === 200) lane.log('refresh → 200: new tokens; every waiting call goes on with them', 'good');
    else lane.log(`refresh → ${notice.status} ${notice.code ?? ''}`, 'bad');
  });
  const statuses = await Promise.all(
    Array.from({ length: CALLS }, async (_, i) => {
      let status = 0;
      try {
        status = (await deps.api('/ping')).status;
      } catch {
        // the notes API did not answer
      }
      lane.call(i, status === 200 ? 'ok' : 'failed', `API ${status || 'no answer'}`);
      const said = status || 'no answer (is the notes API running?)';
      lane.tally(`ping ${status}`, i + 1, (calls) => `${calls}: GET /api/ping → ${said}`, status === 200 ? 'good' : 'bad');
      return status;
    }),
  );
  unsubscribe();

  const succeeded = statuses.filter((status) => status === 200).length;
  const refreshes = traffic.thisTab() - before;
  const byOthers = traffic.allTabs() - beforeAll - refreshes;
  const signedOut = !deps.signedIn();
  const summary = `${timeOfDay()} · ${succeeded}/${CALLS} succeeded · ${plural(refreshes, 'refresh request')}`;
  if (signedOut) lane.verdict(`${summary}: the auth server ended the session, so you are signed out (see the events).`, 'bad');
  else if (succeeded === CALLS && refreshes === 1) lane.verdict(`${summary}, shared by all 20 calls. Still signed in.`, 'good');
  // Another tab's refresh, adopted during this run or just before it.
  else if (succeeded === CALLS && refreshes === 0 && (byOthers > 0 || deps.adoptedAt() > startedAt - 15_000))
    lane.verdict(`${summary} from this tab: another tab refreshed, and this one adopted its tokens (see the events).`, 'good');
  else if (succeeded === CALLS && refreshes === 0 && !expired)
    lane.verdict(`${summary}: none was needed, the access token was still valid. Press "Expire the access token now" first.`, 'neutral');
  else if (!traffic.reachable())
    lane.verdict(
      `${summary}: the access token has expired and the auth server can't be reached to renew it. You are still signed in; run it again when the server is back.${
        // After refreshes that all failed, the client holds back for a while instead of hammering a server in trouble.
        refreshes === 0 ? ' (No request this time: after failed refreshes the client waits a few seconds before trying again.)' : ''
      }`,
      'bad',
    );
  else lane.verdict(summary, succeeded === CALLS ? 'good' : 'bad');
  lane.result({ succeeded, refreshes, signedOut });
}
