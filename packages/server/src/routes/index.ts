/** Every endpoint of the server; the router, the docs and the route tests read this list. */
import type { Route } from '../http/route.js';
import { adminAudit } from './admin-audit.js';
import { adminOutbox } from './email/admin-outbox.js';
import { adminGenerateLink } from './email/generate-link.js';
import { invite } from './email/invite.js';
import { magiclink, otp } from './email/otp.js';
import { reauthenticateGet, reauthenticatePost } from './email/reauthenticate.js';
import { recover } from './email/recover.js';
import { resend } from './email/resend.js';
import { verifyGet, verifyPost } from './email/verify.js';
import { adminImportKey, adminListKeys, adminRetireKey, adminRotateKeys } from './admin-keys.js';
import { adminEndSession, adminEndUserSessions, adminListSessions } from './admin-sessions.js';
import { metrics } from './metrics.js';
import { openapi } from './openapi.js';
import { endMyOtherSessions, endMySession, listMySessions } from './user-sessions.js';
import { adminCreateUser, adminDeleteUser, adminGetUser, adminListUsers, adminUpdateUser } from './admin-users.js';
import { logout } from './logout.js';
import { adminSettings } from './admin-settings.js';
import { adminStats } from './admin-stats.js';
import { adminSendRecovery } from './email/admin-recovery.js';
import { consoleSessionInfo, consoleSignIn, consoleSignOut } from './console-session.js';
import { health, jwks, settings } from './meta.js';
import { signup } from './signup.js';
import { token } from './token.js';
import { getUser, putUser } from './user.js';
import { authorize } from './oauth/authorize.js';
import { callback } from './oauth/callback.js';
import { linkIdentity, unlinkIdentityRoute } from './oauth/identities.js';
import { adminDeleteFactor, adminListFactors } from './mfa/admin-factors.js';
import { challengeFactor, enrollFactor, unenrollFactor, verifyFactor } from './mfa/factors.js';
import {
  passkeyAuthenticationOptions,
  passkeyAuthenticationVerify,
  passkeyRegistrationOptions,
  passkeyRegistrationVerify,
} from './passkeys/ceremonies.js';
import { adminDeletePasskey, adminListPasskeys, deleteMyPasskey, listMyPasskeys, renameMyPasskey } from './passkeys/manage.js';

export const ROUTES: readonly Route<any, any>[] = [
  health,
  settings,
  jwks,
  signup,
  token,
  recover,
  otp,
  magiclink,
  resend,
  verifyGet,
  verifyPost,
  reauthenticateGet,
  reauthenticatePost,
  getUser,
  putUser,
  logout,
  invite,
  adminGenerateLink,
  adminListUsers,
  adminCreateUser,
  adminGetUser,
  adminUpdateUser,
  adminDeleteUser,
  listMySessions,
  endMySession,
  endMyOtherSessions,
  adminListSessions,
  adminEndUserSessions,
  adminEndSession,
  adminListKeys,
  adminRotateKeys,
  adminRetireKey,
  adminImportKey,
  adminAudit,
  adminOutbox,
  metrics,
  openapi,
  authorize,
  callback,
  linkIdentity,
  unlinkIdentityRoute,
  enrollFactor,
  challengeFactor,
  verifyFactor,
  unenrollFactor,
  adminListFactors,
  adminDeleteFactor,
  passkeyRegistrationOptions,
  passkeyRegistrationVerify,
  passkeyAuthenticationOptions,
  passkeyAuthenticationVerify,
  listMyPasskeys,
  renameMyPasskey,
  deleteMyPasskey,
  adminListPasskeys,
  adminDeletePasskey,
  adminStats,
  adminSettings,
  adminSendRecovery,
  consoleSignIn,
  consoleSessionInfo,
  consoleSignOut,
];
