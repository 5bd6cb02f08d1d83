/**
 * The operator commands of `latchkey`: users, sessions, keys, audit. Each is a thin client of the
 * admin API of a running server (`--url`, default the configured host and port), authorized with
 * the secret key (LATCHKEY_SECRET_KEY, or read from the database the way `api-keys` does). Human
 * output by default, `--json` for scripts; bad input is a one-line error and exit code 2.
 */
import { readFileSync } from 'node:fs';

export interface AdminCliContext {
  url: string;
  secretKey: string;
  json: boolean;
  flags: Record<string, string | boolean | undefined>;
  args: string[];
  out: (text: string) => void;
  readStdin: () => Promise<string>;
}

export class UsageError extends Error {
  override name = 'UsageError';
}

export const ADMIN_HELP: Record<string, string> = {
  users: `Usage:
  latchkey users list [--page N] [--per-page N]
  latchkey users create --email <email> [--password-stdin] [--confirm]
  latchkey users delete <user-id>
  latchkey users ban <user-id> [--duration 24h | none]     (banning ends the user's sessions)`,
  sessions: `Usage:
  latchkey sessions list --user <user-id>
  latchkey sessions revoke <session-id>
  latchkey sessions revoke --user <user-id>                (every session of the user)`,
  keys: `Usage:
  latchkey keys list
  latchkey keys rotate [--force]     standby starts signing; refused until it has been published
                                     for LATCHKEY_KEY_PUBLISH_DELAY unless --force
  latchkey keys retire <kid> [--force]
  latchkey keys import <file>        a P-256 private key (PEM or JWK) becomes the standby`,
  audit: `Usage:
  latchkey audit [--user <user-id>] [--type <type>] [--since <ISO time>] [--limit N]`,
  outbox: `Usage:
  latchkey outbox [--to <email>] [--limit N]      the dev outbox: email the server "sent" with no
                                                  SMTP server configured, newest first, with links
                                                  (with SMTP: what was delivered, queued or failed)`,
};

const COMMON = `
Common options:
  --url <url>        the server's base URL (LATCHKEY_URL; default http://<host>:<port>)
  --database <…>     where to read the secret key when LATCHKEY_SECRET_KEY is unset
  --json             machine-readable output`;

export function adminHelp(group: string): string {
  return `${ADMIN_HELP[group]}\n${COMMON}`;
}

class ApiError extends Error {}

async function api(ctx: AdminCliContext, method: string, path: string, body?: unknown): Promise<any> {
  let res: Response;
  try {
    res = await fetch(`${ctx.url.replace(/\/$/, '')}/auth/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${ctx.secretKey}`,
        'x-supabase-api-version': '2024-01-01',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
  } catch (error) {
    throw new ApiError(`cannot reach the server at ${ctx.url} (${(error as Error).message}); is "latchkey serve" running? (--url)`);
  }
  const text = await res.text();
  const data = text ? JSON.parse(text) : undefined;
  if (!res.ok) throw new ApiError(`${data?.code ?? res.status}: ${data?.message ?? res.statusText}`);
  return data;
}

function table(rows: Array<Record<string, unknown>>, columns: string[]): string {
  if (rows.length === 0) return '(none)';
  const cell = (v: unknown) => (v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i] as number))
      .join('  ')
      .trimEnd();
  return [line(columns), ...rows.map((r) => line(columns.map((c) => cell(r[c]))))].join('\n');
}

function need(value: string | boolean | undefined, what: string): string {
  if (typeof value !== 'string' || value === '') throw new UsageError(`missing ${what}`);
  return value;
}

function print(ctx: AdminCliContext, data: unknown, human: () => string): void {
  ctx.out(ctx.json ? JSON.stringify(data) : human());
}

const COMMANDS: Record<string, Record<string, (ctx: AdminCliContext) => Promise<void>>> = {
  users: {
    async list(ctx) {
      const page = ctx.flags.page ?? '1';
      const perPage = ctx.flags['per-page'] ?? '50';
      const data = await api(
        ctx,
        'GET',
        `/admin/users?page=${encodeURIComponent(String(page))}&per_page=${encodeURIComponent(String(perPage))}`,
      );
      print(ctx, data, () => table(data.users, ['id', 'email', 'created_at', 'last_sign_in_at', 'banned_until']));
    },
    async create(ctx) {
      const email = need(ctx.flags.email, '--email');
      // A password on the command line would sit in shell history and `ps`: read it from stdin.
      const password = ctx.flags['password-stdin'] ? (await ctx.readStdin()).replace(/\r?\n$/, '') : undefined;
      const user = await api(ctx, 'POST', '/admin/users', { email, password, email_confirm: ctx.flags.confirm === true });
      print(ctx, user, () => `created user ${user.id} <${user.email}>`);
    },
    async delete(ctx) {
      const id = need(ctx.args[0], '<user-id>');
      const user = await api(ctx, 'DELETE', `/admin/users/${encodeURIComponent(id)}`);
      print(ctx, user, () => `deleted user ${user.id} <${user.email}> and ended its sessions`);
    },
    async ban(ctx) {
      const id = need(ctx.args[0], '<user-id>');
      const duration = typeof ctx.flags.duration === 'string' ? ctx.flags.duration : '876000h';
      const user = await api(ctx, 'PUT', `/admin/users/${encodeURIComponent(id)}`, { ban_duration: duration });
      print(ctx, user, () =>
        duration === 'none' ? `lifted the ban on ${user.id}` : `banned ${user.id} until ${user.banned_until}; its sessions are ended`,
      );
    },
  },
  sessions: {
    async list(ctx) {
      const user = need(ctx.flags.user, '--user <user-id>');
      const data = await api(ctx, 'GET', `/admin/users/${encodeURIComponent(user)}/sessions`);
      print(ctx, data, () => table(data.sessions, ['id', 'created_at', 'refreshed_at', 'ip', 'user_agent']));
    },
    async revoke(ctx) {
      if (typeof ctx.flags.user === 'string') {
        const data = await api(ctx, 'DELETE', `/admin/users/${encodeURIComponent(ctx.flags.user)}/sessions`);
        print(ctx, data, () => `ended ${data.ended} session(s)`);
        return;
      }
      const id = need(ctx.args[0], '<session-id> or --user <user-id>');
      await api(ctx, 'DELETE', `/admin/sessions/${encodeURIComponent(id)}`);
      print(ctx, { revoked: id }, () => `ended session ${id}`);
    },
  },
  keys: {
    async list(ctx) {
      const data = await api(ctx, 'GET', '/admin/keys');
      print(ctx, data, () => table(data.keys, ['kid', 'alg', 'state', 'state_since', 'created_at']));
    },
    async rotate(ctx) {
      const data = await api(ctx, 'POST', '/admin/keys/rotate', { force: ctx.flags.force === true });
      print(ctx, data, () =>
        data.current
          ? `key ${data.current} now signs; ${data.previous ?? '(none)'} is previous; new standby ${data.standby} is published`
          : `published standby key ${data.standby}; run "latchkey keys rotate" again once it has been published for the publish delay`,
      );
    },
    async retire(ctx) {
      const kid = need(ctx.args[0], '<kid>');
      const data = await api(ctx, 'POST', `/admin/keys/${encodeURIComponent(kid)}/retire`, { force: ctx.flags.force === true });
      print(ctx, data, () => `retired key ${kid}`);
    },
    async import(ctx) {
      const file = need(ctx.args[0], '<file>');
      let key: string;
      try {
        key = readFileSync(file, 'utf8');
      } catch (error) {
        throw new UsageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
      }
      const data = await api(ctx, 'POST', '/admin/keys/import', { key });
      print(ctx, data, () => `imported key ${data.standby} as the standby`);
    },
  },
  outbox: {
    async ''(ctx) {
      const query = new URLSearchParams();
      if (typeof ctx.flags.to === 'string') query.set('to', ctx.flags.to);
      if (typeof ctx.flags.limit === 'string') query.set('limit', ctx.flags.limit);
      const data = await api(ctx, 'GET', `/admin/outbox?${query}`);
      print(ctx, data, () => outboxText(data));
    },
  },
  audit: {
    async ''(ctx) {
      const query = new URLSearchParams();
      for (const [flag, param] of [
        ['user', 'user_id'],
        ['type', 'type'],
        ['since', 'since'],
        ['limit', 'limit'],
      ] as const) {
        if (typeof ctx.flags[flag] === 'string') query.set(param, ctx.flags[flag] as string);
      }
      const data = await api(ctx, 'GET', `/admin/audit?${query}`);
      print(ctx, data, () => table(data.entries, ['at', 'type', 'actor', 'user_id', 'session_id', 'ip']));
    },
  },
};

interface OutboxMessage {
  created_at: string;
  to: string;
  kind: string;
  status: string;
  subject?: string;
  text?: string;
  link?: string;
  code?: string;
  last_error?: string | null;
}

/** The outbox for a person: one block per message, the link on a line of its own to click or copy. */
function outboxText(data: { transport: string; messages: OutboxMessage[] }): string {
  if (data.messages.length === 0) {
    return data.transport === 'outbox' ? '(the dev outbox is empty)' : '(no email yet)';
  }
  return data.messages
    .map((m) => {
      const shown = data.transport === 'smtp' || m.status === 'suppressed' ? `, ${m.status}` : '';
      const lines = [`${m.created_at}  to ${m.to}  (${m.kind}${shown})`];
      if (m.subject) lines.push(`  subject: ${m.subject}`);
      if (m.link) lines.push(`  link:    ${m.link}`);
      if (m.code) lines.push(`  code:    ${m.code}`);
      if (m.last_error) lines.push(m.status === 'suppressed' ? `  not sent: ${m.last_error}` : `  error:   ${m.last_error}`);
      return lines.join('\n');
    })
    .join('\n\n');
}

export const ADMIN_OPTIONS = {
  url: { type: 'string' },
  page: { type: 'string' },
  'per-page': { type: 'string' },
  email: { type: 'string' },
  'password-stdin': { type: 'boolean' },
  confirm: { type: 'boolean' },
  duration: { type: 'string' },
  user: { type: 'string' },
  force: { type: 'boolean' },
  type: { type: 'string' },
  since: { type: 'string' },
  limit: { type: 'string' },
  to: { type: 'string' },
} as const;

export function isAdminGroup(group: string): boolean {
  return group in COMMANDS;
}

/** Runs `latchkey <group> <action> …`; throws UsageError for bad input, Error for API failures. */
export async function runAdminCommand(group: string, positionals: string[], ctx: Omit<AdminCliContext, 'args'>): Promise<void> {
  const actions = COMMANDS[group] as Record<string, (ctx: AdminCliContext) => Promise<void>>;
  const single = group === 'audit' || group === 'outbox';
  const action = single ? '' : positionals[0];
  const args = single ? positionals : positionals.slice(1);
  const run = action === undefined ? undefined : actions[action];
  if (!run) throw new UsageError(`${action ? `unknown action "${action}"` : 'missing action'} for "${group}"\n${adminHelp(group)}`);
  await run({ ...ctx, args });
}
