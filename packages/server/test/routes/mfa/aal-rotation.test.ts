/**
 * The assurance level belongs to the session: every token rotated from an aal2 session carries
 * aal2 and the same amr, through rotations, a 50-way refresh race and replays inside the reuse
 * interval; and the upgrade itself is a rotation, so a concurrent refresh of the aal1 token is
 * never taken for reuse.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, testDatabases, type TestServer } from '../../../src/testing.js';
import { refresh, signUp } from '../../helpers.js';
import { totpAt } from '../../support/totp.js';
import { claims, enrolTotp, verifyTotp } from './mfa-helpers.js';

describe.each(testDatabases().map((d) => [d.startsWith('postgres') ? 'postgres' : 'pglite', d]))(
  'aal2 and rotation on %s',
  (_name, database) => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer({ database, config: { refreshReuseInterval: 10 } });
    });
    afterAll(() => server?.close());

    /** A fresh user whose session has verified a TOTP factor: the verify response. */
    async function aal2Session() {
      const session = await signUp(server);
      const { id, secret } = await enrolTotp(server, session.access_token);
      const verified = await verifyTotp(server, session.access_token, id, totpAt(secret, server.clock()));
      expect(verified.status).toBe(200);
      return { before: session, verified: verified.body as { access_token: string; refresh_token: string } };
    }

    it('every rotation carries aal2 and the same amr', async () => {
      const { verified } = await aal2Session();
      const { amr, session_id } = claims(verified.access_token);
      let token = verified.refresh_token;
      for (let i = 0; i < 5; i++) {
        server.clock.advance(60_000);
        const reply = await refresh(server.authUrl, token);
        expect(reply.status).toBe(200);
        expect(claims(reply.body.access_token)).toMatchObject({ aal: 'aal2', amr, session_id });
        token = reply.body.refresh_token;
      }
    });

    it('50 parallel refreshes of an aal2 token: all 200, all aal2, one successor', async () => {
      const { verified } = await aal2Session();
      const replies = await Promise.all(Array.from({ length: 50 }, () => refresh(server.authUrl, verified.refresh_token)));
      expect(replies.map((r) => r.status)).toEqual(Array(50).fill(200));
      expect(new Set(replies.map((r) => claims(r.body.access_token).aal))).toEqual(new Set(['aal2']));
      expect(new Set(replies.map((r) => r.body.refresh_token)).size).toBe(1);
    });

    it('a replayed predecessor inside the reuse interval gets the same successor, at aal2', async () => {
      const { verified } = await aal2Session();
      const first = await refresh(server.authUrl, verified.refresh_token);
      server.clock.advance(5_000);
      const replay = await refresh(server.authUrl, verified.refresh_token);
      expect(replay.status).toBe(200);
      expect(replay.body.refresh_token).toBe(first.body.refresh_token);
      expect(claims(replay.body.access_token).aal).toBe('aal2');
    });

    it('the aal1 token refreshed just after the upgrade converges on the upgrade’s aal2 successor (no reuse)', async () => {
      const { before, verified } = await aal2Session();
      // Another tab still holds the pre-upgrade token and refreshes it a moment later.
      server.clock.advance(2_000);
      const late = await refresh(server.authUrl, before.refresh_token);
      expect(late.status).toBe(200);
      expect(late.body.refresh_token).toBe(verified.refresh_token);
      expect(claims(late.body.access_token)).toMatchObject({ aal: 'aal2', session_id: claims(before.access_token).session_id });
    });

    it('a refresh of the aal1 token racing the verification: whichever lands first, both holders converge at aal2', async () => {
      const session = await signUp(server);
      const { id, secret } = await enrolTotp(server, session.access_token);
      const [verified, raced] = await Promise.all([
        verifyTotp(server, session.access_token, id, totpAt(secret, server.clock())),
        refresh(server.authUrl, session.refresh_token),
      ]);
      expect(verified.status).toBe(200);
      expect(raced.status).toBe(200);
      // The refresh landed first (its token n+1 is now the upgrade's parent) or second (it got the
      // upgrade's token n+2 as the same successor). Its holder refreshes next, inside the interval,
      // and lands on the chain's newest token; the verifier's token is that one or its parent.
      // (A client that adopted neither answer over the other and refreshed the older token only
      // after the interval would be refused: clients run a verification under their refresh lock,
      // as supabase-js does.)
      const next = await refresh(server.authUrl, raced.body.refresh_token);
      expect(next.status).toBe(200);
      expect(claims(next.body.access_token).aal).toBe('aal2');
      const other = await refresh(server.authUrl, verified.body.refresh_token);
      expect(other.status).toBe(200);
      expect(claims(other.body.access_token).aal).toBe('aal2');
    });

    it('the aal1 token presented after the interval is reuse, as any used token is', async () => {
      const { before, verified } = await aal2Session();
      server.clock.advance(11_000);
      expect((await refresh(server.authUrl, before.refresh_token)).body.code).toBe('refresh_token_already_used');
      expect((await refresh(server.authUrl, verified.refresh_token)).body.code).toBe('session_not_found');
    });
  },
);
