/**
 * The schema, as an append-only list of migrations. Never edit a shipped migration: add one.
 * The same SQL runs on PGlite and Postgres.
 */
import type { Queryable } from './database.js';
import { canonicalEmail } from '../http/email-address.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
  /** A data step SQL cannot do alone, run after `sql` in the same transaction. */
  data?: (tx: Queryable) => Promise<void>;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'users, sessions, signing keys, secrets',
    sql: `
      CREATE TABLE users (
        id uuid PRIMARY KEY,
        aud text NOT NULL DEFAULT 'authenticated',
        role text NOT NULL DEFAULT 'authenticated',
        -- Stored lower-cased; unique among users that have one.
        email text UNIQUE,
        phone text,
        -- argon2id PHC string; null for users without a password.
        encrypted_password text,
        email_confirmed_at timestamptz,
        last_sign_in_at timestamptz,
        raw_app_meta_data jsonb NOT NULL DEFAULT '{}'::jsonb,
        raw_user_meta_data jsonb NOT NULL DEFAULT '{}'::jsonb,
        banned_until timestamptz,
        is_anonymous boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      );

      -- A session owns one chain of refresh tokens. The chain is not stored: token n of the
      -- session is derived as MAC(root key, id || n), and "counter" is n of the active token.
      -- Rotation is a compare-and-set on counter (see store/sessions.ts).
      CREATE TABLE sessions (
        id uuid PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        counter bigint NOT NULL DEFAULT 0,
        aal text NOT NULL DEFAULT 'aal1',
        amr jsonb NOT NULL DEFAULT '[]'::jsonb,
        created_at timestamptz NOT NULL,
        -- When the active token was issued (the last rotation, or sign-in).
        refreshed_at timestamptz NOT NULL,
        user_agent text,
        ip text,
        revoked_at timestamptz,
        revoked_reason text
      );
      CREATE INDEX sessions_user_id_idx ON sessions (user_id);

      -- Access-token signing keys. state: standby | current | previous | retired.
      -- private_key is the PKCS#8 key encrypted with AES-256-GCM under a key derived from the
      -- secret key (crypto/signing-keys.ts), never the key in the clear.
      CREATE TABLE signing_keys (
        kid text PRIMARY KEY,
        alg text NOT NULL,
        state text NOT NULL,
        public_jwk jsonb NOT NULL,
        private_key text NOT NULL,
        created_at timestamptz NOT NULL
      );
      -- At most one key signs at a time; concurrent first starts race on this index.
      CREATE UNIQUE INDEX signing_keys_one_current ON signing_keys (state) WHERE state = 'current';

      -- Generated settings shared by every process on one database (the secret key when
      -- LATCHKEY_SECRET_KEY is unset, the publishable key).
      CREATE TABLE settings (
        name text PRIMARY KEY,
        value text NOT NULL,
        created_at timestamptz NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'audit log',
    sql: `
      -- Security events (store/audit.ts has the closed list of types). Ids, addresses and
      -- agents only: never a token, password or hash.
      CREATE TABLE audit_log (
        id bigserial PRIMARY KEY,
        at timestamptz NOT NULL,
        type text NOT NULL,
        actor text NOT NULL,
        user_id uuid,
        session_id uuid,
        ip text,
        user_agent text,
        data jsonb NOT NULL DEFAULT '{}'::jsonb
      );
      CREATE INDEX audit_log_user_at_idx ON audit_log (user_id, at DESC);
      CREATE INDEX audit_log_at_idx ON audit_log (at);

      -- When a signing key entered its state: a standby signs only after it has been published
      -- longer than verifiers cache the JWKS; a previous key retires only after its tokens expired.
      ALTER TABLE signing_keys ADD COLUMN state_since timestamptz;
      UPDATE signing_keys SET state_since = created_at;
      ALTER TABLE signing_keys ALTER COLUMN state_since SET NOT NULL;
      CREATE UNIQUE INDEX signing_keys_one_standby ON signing_keys (state) WHERE state = 'standby';
    `,
  },
  {
    version: 3,
    name: 'stored emails in canonical form',
    sql: `SELECT 1`,
    // Issue #12 made sign-up and sign-in use one canonical spelling per address (NFKC, lower
    // case, ASCII domains: http/email-address.ts). Rows stored before then in another spelling
    // (a decomposed "josé" typed on a Mac, upper-case non-ASCII letters, a Unicode domain) would
    // no longer be found at sign-in: rewrite them. A row whose canonical form another user
    // already holds, or that is no longer a valid address, is left as it is (its owner keeps the
    // row; an admin decides), and the unique index is never violated.
    async data(tx) {
      const rows = await tx.query<{ id: string; email: string }>(
        "SELECT id, email FROM users WHERE email IS NOT NULL AND email !~ '^[a-z0-9.!#$%&''*+/=?^_`{|}~@-]*$'",
      );
      for (const row of rows) {
        const canonical = canonicalEmail(row.email);
        if (!('email' in canonical) || canonical.email === row.email) continue;
        await tx.query('UPDATE users SET email = $2 WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM users WHERE email = $2)', [
          row.id,
          canonical.email,
        ]);
      }
    },
  },
  {
    version: 4,
    name: 'mfa factors and challenges, passkeys and their challenges',
    sql: `
      -- Second factors (store/factors.ts). status: unverified | verified; factor_type: totp | webauthn.
      -- secret is the TOTP secret sealed with AES-256-GCM under a key derived from the secret key,
      -- bound to the factor id (crypto/totp.ts): never the secret in the clear.
      -- last_used_step is the RFC 6238 time step of the last code accepted: a code is accepted
      -- once, by one compare-and-set on it.
      -- webauthn_credential is a WebAuthn factor's credential (id, public key, counter).
      CREATE TABLE mfa_factors (
        id uuid PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        friendly_name text NOT NULL DEFAULT '',
        factor_type text NOT NULL,
        status text NOT NULL,
        secret text,
        last_used_step bigint,
        webauthn_credential jsonb,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        last_challenged_at timestamptz
      );
      CREATE INDEX mfa_factors_user_id_idx ON mfa_factors (user_id, created_at);

      -- One challenge per verification attempt; consumed (deleted) by the verification that
      -- succeeds. webauthn holds a WebAuthn ceremony's challenge and kind (create | request).
      CREATE TABLE mfa_challenges (
        id uuid PRIMARY KEY,
        factor_id uuid NOT NULL REFERENCES mfa_factors (id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL,
        ip text NOT NULL,
        webauthn jsonb
      );
      CREATE INDEX mfa_challenges_factor_id_idx ON mfa_challenges (factor_id);

      -- The factor whose verification raised the session to aal2: removing that factor lowers
      -- the session back to aal1 (as GoTrue does).
      ALTER TABLE sessions ADD COLUMN factor_id uuid;
      CREATE INDEX sessions_factor_id_idx ON sessions (factor_id) WHERE factor_id IS NOT NULL;

      -- Passkeys (store/passkeys.ts): discoverable WebAuthn credentials a user signs in with.
      -- credential_id is the authenticator's id (base64url), unique across users. public_key is
      -- the COSE key (base64url): public by nature, but only ever used to check signatures.
      -- sign_count only moves forward: a regression means a cloned authenticator.
      CREATE TABLE webauthn_credentials (
        id uuid PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        credential_id text NOT NULL UNIQUE,
        public_key text NOT NULL,
        sign_count bigint NOT NULL DEFAULT 0,
        transports jsonb NOT NULL DEFAULT '[]'::jsonb,
        aaguid text,
        backup_eligible boolean NOT NULL DEFAULT false,
        backed_up boolean NOT NULL DEFAULT false,
        friendly_name text NOT NULL DEFAULT '',
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        last_used_at timestamptz
      );
      CREATE INDEX webauthn_credentials_user_id_idx ON webauthn_credentials (user_id);

      -- Passkey ceremonies' challenges, single-use (deleted by the verification that reads them).
      -- challenge_type: registration (user_id set) | authentication (no user yet).
      CREATE TABLE webauthn_challenges (
        id uuid PRIMARY KEY,
        user_id uuid REFERENCES users (id) ON DELETE CASCADE,
        challenge_type text NOT NULL,
        challenge text NOT NULL,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL
      );
      CREATE INDEX webauthn_challenges_expires_at_idx ON webauthn_challenges (expires_at);
    `,
  },
  {
    version: 5,
    name: 'email: one-time tokens, PKCE flow states, mail, send limits',
    sql: `
      -- GoTrue's bookkeeping of mailed actions, shown in the user JSON: when each kind of mail last
      -- went out, and the address an email change waits to confirm (its confirmations are its live
      -- email_change_* tokens: one per address that still has to confirm).
      ALTER TABLE users ADD COLUMN invited_at timestamptz;
      ALTER TABLE users ADD COLUMN confirmation_sent_at timestamptz;
      ALTER TABLE users ADD COLUMN recovery_sent_at timestamptz;
      ALTER TABLE users ADD COLUMN email_change text;
      ALTER TABLE users ADD COLUMN email_change_sent_at timestamptz;
      ALTER TABLE users ADD COLUMN reauthentication_sent_at timestamptz;
      -- The retention purge of anonymous users reads them oldest first.
      CREATE INDEX users_anonymous_created_at_idx ON users (created_at) WHERE is_anonymous;

      -- A PKCE flow (GoTrue's flow_state): the challenge given when a flow started, and once its
      -- link was followed, the hash of the auth code that /token?grant_type=pkce exchanges.
      CREATE TABLE flow_states (
        id uuid PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        authentication_method text NOT NULL,
        code_challenge text NOT NULL,
        code_challenge_method text NOT NULL,
        auth_code_hash text UNIQUE,
        auth_code_issued_at timestamptz,
        created_at timestamptz NOT NULL
      );
      CREATE INDEX flow_states_created_at_idx ON flow_states (created_at);

      -- Link tokens and codes that went out by mail, as hashes only (crypto/one-time-token.ts).
      -- One live token per user and type: issuing a new one replaces the old.
      CREATE TABLE one_time_tokens (
        id uuid PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        token_type text NOT NULL,
        relates_to text NOT NULL,
        token_hash text NOT NULL UNIQUE,
        code_hash text NOT NULL,
        flow_state_id uuid REFERENCES flow_states (id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        UNIQUE (user_id, token_type)
      );
      CREATE INDEX one_time_tokens_relates_to_idx ON one_time_tokens (relates_to, token_type);
      CREATE INDEX one_time_tokens_expires_at_idx ON one_time_tokens (expires_at);

      -- Every email: the dev outbox (status outbox) when no SMTP server is configured, else the
      -- delivery queue (queued → sent, or failed after its retries). Subject and bodies are sealed
      -- under a key derived from the secret key (crypto/seal.ts) and dropped once delivered.
      CREATE TABLE mail (
        id uuid PRIMARY KEY,
        created_at timestamptz NOT NULL,
        kind text NOT NULL,
        to_address text NOT NULL,
        sealed text,
        status text NOT NULL,
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz,
        -- A process delivering it holds it until then (one that dies lets go when it passes).
        claimed_until timestamptz,
        sent_at timestamptz,
        last_error text
      );
      CREATE INDEX mail_due_idx ON mail (next_attempt_at) WHERE status = 'queued';
      CREATE INDEX mail_to_address_idx ON mail (to_address, created_at);
      CREATE INDEX mail_created_at_idx ON mail (created_at);

      -- Fixed-window counters shared by every process: emails per address and kind, per IP and in
      -- all; failed code guesses per address and per IP (store/send-limits.ts).
      CREATE TABLE send_limits (
        key text PRIMARY KEY,
        window_start timestamptz NOT NULL,
        count integer NOT NULL
      );
      CREATE INDEX send_limits_window_start_idx ON send_limits (window_start);
    `,
  },
  {
    version: 6,
    name: 'provider identities and sign-in flows (issue #14)',
    // Self-contained (it references only users): it may be renumbered when branches merge.
    sql: `
      -- A user's accounts at identity providers: (provider, the provider's subject) is one
      -- identity and belongs to one user. identity_data is what the provider said (GoTrue's).
      CREATE TABLE identities (
        id uuid PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        provider text NOT NULL,
        provider_id text NOT NULL,
        identity_data jsonb NOT NULL DEFAULT '{}'::jsonb,
        email text,
        last_sign_in_at timestamptz,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        UNIQUE (provider, provider_id)
      );
      CREATE INDEX identities_user_id_idx ON identities (user_id);

      -- A provider sign-in between GET /authorize and GET /callback: consumed by one DELETE (single
      -- use), valid for minutes. browser_hash is the SHA-256 of the cookie that binds it to the
      -- browser that started it; nonce and code_verifier go to the provider (OIDC nonce, PKCE).
      CREATE TABLE oauth_flows (
        id uuid PRIMARY KEY,
        provider text NOT NULL,
        browser_hash text NOT NULL,
        redirect_to text NOT NULL,
        nonce text NOT NULL,
        code_verifier text NOT NULL,
        scopes text NOT NULL,
        code_challenge text,
        code_challenge_method text,
        linking_user_id uuid REFERENCES users (id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL
      );
      CREATE INDEX oauth_flows_created_at_idx ON oauth_flows (created_at);
    `,
  },
  {
    version: 7,
    name: 'admin console sessions, and indexes for its lists (issue #18)',
    // Self-contained (it references only its own table and existing columns): it may be renumbered when branches merge.
    sql: `
      -- A console sign-in: only the SHA-256 of the cookie's random value is stored, so a read of
      -- this table (a backup, a replica) cannot act as an admin.
      CREATE TABLE console_sessions (
        token_hash text PRIMARY KEY,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        ip text,
        user_agent text
      );
      CREATE INDEX console_sessions_expires_at_idx ON console_sessions (expires_at);

      -- The console's user list pages by keyset (ORDER BY created_at, id or email, id; WHERE
      -- (key, id) beyond the last row seen), so a page costs the same at row 10 and row 1,000,000.
      CREATE INDEX users_created_at_id_idx ON users (created_at, id);
      CREATE INDEX users_email_sort_idx ON users ((coalesce(email, '')), id);
      -- Search by email prefix (LIKE 'ada%') uses this whatever the database's collation.
      CREATE INDEX users_email_prefix_idx ON users (email text_pattern_ops);

      -- The console's audit filters: by IP, by session (a reuse detection links to it), by type.
      CREATE INDEX audit_log_ip_at_idx ON audit_log (ip, at DESC);
      CREATE INDEX audit_log_session_idx ON audit_log (session_id) WHERE session_id IS NOT NULL;
      CREATE INDEX audit_log_type_at_idx ON audit_log (type, at DESC);
    `,
  },
  {
    version: 8,
    name: 'indexes for the purge of dead sessions (issue #17)',
    // Self-contained (sessions only): it may be renumbered when branches merge. CREATE INDEX
    // blocks writes to sessions while it builds (seconds per million rows); an operator who
    // cannot pause sign-ins on a large table can create the same indexes CONCURRENTLY first
    // (IF NOT EXISTS makes this step a no-op then).
    sql: `
      -- The purge of revoked and signed-out sessions (purgeDeadSessions in store/sessions.ts)
      -- reads them oldest revocation first. Partial: live sessions are not in it, and a rotation
      -- never changes revoked_at, so rotations stay HOT updates (no index touched).
      CREATE INDEX IF NOT EXISTS sessions_revoked_at_idx ON sessions (revoked_at) WHERE revoked_at IS NOT NULL;
      -- The purge of sessions past their timebox or inactivity timeout walks sessions by age (a
      -- session ends after it was created, whatever ended it). created_at never changes, so this
      -- index costs rotations nothing either; refreshed_at is deliberately not indexed (it moves
      -- on every rotation, which would end HOT updates).
      CREATE INDEX IF NOT EXISTS sessions_created_at_idx ON sessions (created_at, id);
      -- (GET /admin/users pages by users (created_at, id): migration 7's users_created_at_id_idx.)
    `,
  },
];
