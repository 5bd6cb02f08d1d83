/**
 * The "without Latchkey" lane: the 20 API calls made the way the failing app made them. Each
 * call finds the access token expired and refreshes on its own, with the refresh token the app
 * holds — the same one for all 20 — against the demo's strict auth server (Latchkey with
 * LATCHKEY_REFRESH_REUSE_INTERVAL=0, as Supabase Auth's code defaults to). The demo user is never
 * involved: the lane signs in a throwaway user of that server first, and that session is the one
 * revoked.
 *
 * This is deliberately what not to do; the page's own session goes through @latchkey/client.
 */
import { DEFINITIVE } from './auth-traffic.js';
import { DEMO_KEY, plural, timeOfDay } from './dom.js';
import { CALLS, type Lane } from './lane.js';

export interface StrictServer {
  /** The strict auth server's API base. */
  authUrl: string;
  /** The notes API's route that accepts that server's tokens. */
  apiUrl: string;
}

interface Answer {
  status: number;
  code: string | undefined;
  body: { access_token?: string; refresh_token?: string; message?: string };
}

/** A failure to set the lane up, in words. */
class LaneError extends Error {}

/** POST to the strict server; undefined when it does not answer. */
async function post(server: StrictServer, path: string, body: unknown): Promise<Answer | undefined> {
  let response: Response;
  try {
    response = await fetch(`${server.authUrl}${path}`, {
      method: 'POST',
      // The version header asks for GoTrue's current error shape: { code, message }.
      headers: { 'content-type': 'application/json', 'x-supabase-api-version': '2024-01-01' },
      body: JSON.stringify(body),
    });
  } catch {
    return undefined;
  }
  const json = (await response.json().catch(() => ({}))) as Answer['body'] & { code?: unknown };
  return { status: response.status, code: typeof json.code === 'string' ? json.code : undefined, body: json };
}

const refresh = (server: StrictServer, token: string) => post(server, '/token?grant_type=refresh_token', { refresh_token: token });

/** A fresh session of this tab's throwaway user (created on first use, kept for the tab). */
async function throwawaySession(server: StrictServer): Promise<{ access_token: string; refresh_token: string }> {
  const saved = sessionStorage.getItem(DEMO_KEY.throwaway);
  let credentials = saved ? (JSON.parse(saved) as { email: string; password: string }) : undefined;
  let answer = credentials ? await post(server, '/token?grant_type=password', credentials) : undefined;
  // First run in this tab, or the strict server restarted (it keeps nothing): a new user.
  if (!answer || answer.code === 'invalid_credentials') {
    const random = crypto.randomUUID();
    credentials = { email: `throwaway-${random.slice(0, 8)}@example.com`, password: random };
    answer = await post(server, '/signup', credentials);
  }
  if (!answer) throw new LaneError("the strict auth server doesn't answer: is `npm run demo` still running?");
  if (answer.code === 'over_request_rate_limit')
    throw new LaneError('the strict auth server rate-limits sign-ins; wait a minute and run it again.');
  if (!answer.body.refresh_token || !answer.body.access_token)
    throw new LaneError(`the strict auth server refused a throwaway session (${answer.status} ${answer.code ?? ''}).`);
  sessionStorage.setItem(DEMO_KEY.throwaway, JSON.stringify(credentials));
  return { access_token: answer.body.access_token, refresh_token: answer.body.refresh_token };
}

/** Names refresh tokens R1, R2, … in the order they first appear (never shows a token). */
function tokenNames() {
  const names = new Map<string, string>();
  return {
    seen: (token: string) => names.has(token),
    name(token: string): string {
      if (!names.has(token)) names.set(token, `R${names.size + 1}`);
      return names.get(token) as string;
    },
  };
}

export async function runWithoutLatchkey(server: StrictServer | undefined, lane: Lane): Promise<void> {
  lane.start();
  if (!server) {
    lane.verdict('Not available: the notes API was started without the strict auth server (npm run demo starts it).', 'neutral');
    return;
  }
  let session: { access_token: string; refresh_token: string };
  try {
    session = await throwawaySession(server);
  } catch (error) {
    lane.verdict(`Could not run: ${error instanceof LaneError ? error.message : String(error)}`, 'bad');
    return;
  }
  const tokens = tokenNames();
  const held = tokens.name(session.refresh_token);
  lane.log(`A throwaway user signed in on the strict server; the app holds refresh token ${held}.`);
  lane.log(
    `Its access token counts as expired (as yours does after step 1), so each of the 20 calls refreshes on its own, presenting ${held}.`,
  );

  let succeeded = 0;
  let reuse = false;
  let signedOut = false;
  let newest: string | undefined;
  await Promise.all(
    Array.from({ length: CALLS }, async (_, i) => {
      const n = i + 1;
      const answer = await refresh(server, session.refresh_token);
      if (!answer) {
        lane.call(i, 'failed', 'no answer');
        lane.log(`call ${n}: refresh ${held} → no answer: the strict auth server is unreachable`, 'bad');
        return;
      }
      const { access_token: access, refresh_token: next } = answer.body;
      if (answer.status === 200 && access && next) {
        const again = tokens.seen(next);
        const name = tokens.name(next);
        newest = next;
        if (!again) lane.log(`call ${n}: refresh ${held} → 200, rotated: ${held} is used up, ${name} is the active token`, 'good');
        else
          lane.tally(
            `again ${name}`,
            n,
            // With no reuse interval, only a refresh that reached the server before the rotation
            // committed gets the same successor: the server counts it as concurrent, not a replay.
            (calls) => `${calls}: refresh ${held} → 200, ${name} again (reached the server before ${held}'s rotation committed)`,
            'good',
          );
        let status = 0;
        try {
          status = (await fetch(`${server.apiUrl}/ping`, { headers: { authorization: `Bearer ${access}` } })).status;
        } catch {
          // no answer from the notes API
        }
        if (status === 200) succeeded++;
        lane.call(i, status === 200 ? 'ok' : 'failed', `API ${status || 'no answer'}`);
        lane.tally(
          `ping ${status}`,
          n,
          (calls) => `${calls}: GET /api/strict/ping → ${status || 'no answer'}`,
          status === 200 ? 'good' : 'bad',
        );
        return;
      }
      lane.call(i, 'failed', answer.code ?? String(answer.status));
      if (answer.code === 'refresh_token_already_used') {
        reuse = true;
        lane.log(
          `call ${n}: refresh ${held} → ${answer.status} refresh_token_already_used. Reuse detected: ${held} was used before, so the server takes this for a stolen token and revokes the whole session`,
          'bad',
        );
      } else if (answer.code === 'session_not_found') {
        lane.tally(
          'revoked',
          n,
          (calls) => `${calls}: refresh ${held} → ${answer.status} session_not_found: the session is revoked`,
          'bad',
        );
      } else {
        lane.log(`call ${n}: refresh ${held} → ${answer.status} ${answer.code ?? ''} ${answer.body.message ?? ''}`, 'bad');
      }
      if (!signedOut && answer.code && DEFINITIVE.has(answer.code)) {
        signedOut = true;
        lane.log(`The app gets ${answer.code} and signs its user out.`, 'bad');
      }
    }),
  );

  if (reuse && newest) {
    const check = await refresh(server, newest);
    const answer = check ? `${check.status} ${check.code ?? ''}`.trim() : 'no answer';
    const dead = check?.code === 'session_not_found';
    lane.log(
      `The demo checks ${tokens.name(newest)}, the token that had worked: → ${answer}.${dead ? ' It died with the session.' : ''}`,
      dead ? 'bad' : 'neutral',
    );
  }
  const summary = `${timeOfDay()} · ${succeeded}/${CALLS} succeeded · ${plural(CALLS, 'refresh request')}`;
  if (signedOut)
    lane.verdict(`${summary} · ${reuse ? 'reuse detected, session revoked' : 'session ended'}: the user is signed out.`, 'bad');
  else if (succeeded === CALLS)
    lane.verdict(
      `${summary} · no reuse this time: every refresh reached the server before the first rotation committed. Run it again.`,
      'neutral',
    );
  else lane.verdict(summary, 'bad');
  lane.result({ succeeded, refreshes: CALLS, signedOut });
}
