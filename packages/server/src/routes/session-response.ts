/** The token response GoTrue returns on sign-up, sign-in and refresh. */
import type { App } from '../app.js';
import { signAccessToken } from '../crypto/jwt.js';
import { encodeRefreshToken } from '../crypto/refresh-token.js';
import { appMetadata, userJson } from '../store/users.js';
import type { SessionInfo } from '../store/sessions.js';
import type { PublicUserRow, RotatedUserRow } from '../store/users.js';

export interface SessionResponse {
  access_token: string;
  token_type: 'bearer';
  expires_in: number;
  expires_at: number;
  refresh_token: string;
  user: Record<string, unknown>;
}

/** Signs a fresh access token for the session and names its active refresh token. */
export function sessionResponse(
  app: App,
  { session, user }: { session: SessionInfo; user: PublicUserRow | RotatedUserRow },
  now: Date,
): SessionResponse {
  const iat = Math.floor(now.getTime() / 1000);
  const exp = iat + app.config.jwtExp;
  const accessToken = signAccessToken(app.keys.current, {
    iss: app.issuer,
    sub: user.id,
    aud: user.aud,
    exp,
    iat,
    email: user.email ?? '',
    phone: user.phone ?? '',
    app_metadata: appMetadata(user),
    user_metadata: user.raw_user_meta_data,
    role: user.role,
    aal: session.aal,
    amr: session.amr,
    session_id: session.id,
    is_anonymous: user.is_anonymous,
  });
  return {
    access_token: accessToken,
    token_type: 'bearer',
    expires_in: app.config.jwtExp,
    expires_at: exp,
    refresh_token: encodeRefreshToken(app.refreshKey, { sessionId: session.id, counter: session.counter }),
    user: userJson(user),
  };
}
