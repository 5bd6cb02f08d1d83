/**
 * The `latchkey` command: serve, migrate, api-keys. Flags and environment variables come from
 * the one declaration in config.ts; a bad value is a one-line error and exit code 2.
 */
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { providerSettingsHelp } from './providers/settings.js';
import { ConfigError, resolveConfigWithSources, settingsHelp, SETTINGS, type Config, type SettingSource } from './config.js';
import { embeddedDirectory } from './db/database.js';
import { migrate } from './db/migrate.js';
import { prepareDatabase, startServer } from './server.js';
import { openDatabase } from './db/database.js';
import { ADMIN_OPTIONS, adminHelp, isAdminGroup, runAdminCommand, UsageError } from './admin-cli.js';
import type { ApiKeys } from './settings.js';

export const USAGE = `Usage: latchkey <command> [options]

Commands:
  serve      Start the auth server (runs migrations first)
  migrate    Bring the database schema up to date, then exit
  api-keys   Print the publishable and secret API keys
  users      list | create | delete | ban        (admin API of a running server)
  sessions   list | revoke
  keys       list | rotate | retire | import     (signing keys)
  audit      query the audit trail
  outbox     the dev outbox: email sent with no SMTP server configured

Run "latchkey <command> --help" for the options of a command.`;

const COMMON_OPTIONS = `Options:
${settingsHelp()}

Per-provider settings (one group per provider NAME, e.g. LATCHKEY_EXTERNAL_GOOGLE_CLIENT_ID):
${providerSettingsHelp()}
  --help                                   Show this help`;

const HELP: Record<string, string> = {
  serve: `Usage: latchkey serve [options]

Starts the auth server: Supabase Auth (GoTrue) compatible HTTP API at / and /auth/v1.
Flags win over environment variables, which win over defaults.

${COMMON_OPTIONS}`,
  migrate: `Usage: latchkey migrate [--database <dir | memory | postgres://…>]

Applies pending migrations (safe while other processes start on the same Postgres).

${COMMON_OPTIONS}`,
  'api-keys': `Usage: latchkey api-keys [--database <dir | memory | postgres://…>] [--json]

Prints the publishable key (public: apps pass it to createClient) and the secret key (admin
API: keep it on servers). Generates them if the database has none yet.

${COMMON_OPTIONS}
  --json                                   Print {"publishable_key", "secret_key"} as JSON`,
};

function fail(message: string): never {
  process.stderr.write(`latchkey: ${message}\n`);
  process.exit(2);
}

interface Parsed {
  command: string | undefined;
  rest: string[];
  flags: Record<string, string | undefined>;
  adminFlags: Record<string, string | boolean | undefined>;
  help: boolean;
  json: boolean;
}

function parse(argv: string[]): Parsed {
  const options: Record<string, { type: 'string' | 'boolean' }> = {
    help: { type: 'boolean' },
    json: { type: 'boolean' },
    ...ADMIN_OPTIONS,
  };
  for (const s of SETTINGS) if ('flag' in s && s.flag) options[s.flag] = { type: 'string' };
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    const flags: Record<string, string | undefined> = {};
    for (const [name, value] of Object.entries(values)) if (typeof value === 'string') flags[name] = value;
    return {
      command: positionals[0],
      rest: positionals.slice(1),
      flags,
      adminFlags: values as Record<string, string | boolean | undefined>,
      help: values.help === true,
      json: values.json === true,
    };
  } catch (error) {
    fail(`${(error as Error).message.split('\n')[0]}\n${USAGE}`);
  }
}

function describeDatabase(database: string): string {
  if (database === 'memory') return 'embedded PGlite in memory (nothing is kept)';
  const directory = embeddedDirectory(database);
  if (directory) return `embedded PGlite in ${directory}`;
  // Never print the URL: it may carry a password.
  return 'Postgres server';
}

/** One server per embedded directory: two PGlite processes on one data directory corrupt it. */
function lockEmbedded(directory: string): () => void {
  const path = join(directory, 'latchkey.pid');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, String(process.pid), { flag: 'wx' });
      return () => {
        try {
          unlinkSync(path);
        } catch {}
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number(readFileSync(path, 'utf8'));
      let alive = false;
      try {
        process.kill(pid, 0);
        alive = pid !== process.pid;
      } catch {}
      if (alive)
        fail(
          `another latchkey (pid ${pid}) is serving ${directory}; stop it, or use --database with another directory or a postgres:// URL`,
        );
      unlinkSync(path);
    }
  }
  fail(`cannot lock ${directory}`);
}

async function serve(config: Config, sources: Partial<Record<keyof Config, SettingSource>>): Promise<void> {
  const directory = embeddedDirectory(config.database);
  let unlock = () => {};
  if (directory) {
    const { mkdirSync } = await import('node:fs');
    mkdirSync(directory, { recursive: true });
    unlock = lockEmbedded(directory);
  }
  const server = await startServer(config, { configSources: sources });
  process.stdout.write(
    [
      `Latchkey listening on ${server.url}`,
      `  auth API:  ${server.url}/auth/v1  (also served at ${server.url}/)`,
      config.consoleEnabled
        ? `  console:   ${server.url}/console  (sign in with the secret key; LATCHKEY_CONSOLE_ENABLED=false turns it off)`
        : `  console:   off (LATCHKEY_CONSOLE_ENABLED)`,
      `  issuer:    ${server.app.issuer}`,
      `  database:  ${describeDatabase(config.database)}`,
      `  API keys:  run "npx latchkey api-keys${directory && config.database !== './latchkey-data' ? ` --database ${config.database}` : ''}"`,
      config.smtpHost
        ? `  mail:      SMTP ${config.smtpHost}:${config.smtpPort}`
        : `  mail:      dev outbox, no SMTP server (LATCHKEY_SMTP_HOST): read it with "npx latchkey outbox"`,
      `  site URL:  ${config.siteUrl}${config.mailerAutoconfirm ? '  (sign-ups confirmed without mail: LATCHKEY_MAILER_AUTOCONFIRM)' : ''}`,
      '',
    ].join('\n'),
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`Latchkey received ${signal}; draining in-flight requests\n`);
    server.close().then(
      () => {
        unlock();
        process.exit(0);
      },
      (error: unknown) => {
        process.stderr.write(`latchkey: shutdown failed: ${(error as Error).message}\n`);
        unlock();
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

async function runMigrate(config: Config): Promise<void> {
  const db = await openDatabase({ database: config.database, poolSize: 2, schema: config.dbSchema });
  try {
    const applied = await migrate(db);
    process.stdout.write(applied.length ? `applied migrations ${applied.join(', ')}\n` : 'database is up to date\n');
  } finally {
    await db.close();
  }
}

/** The keys of the configured database: from its embedded settings file, or its settings table. */
async function readApiKeys(config: Config): Promise<ApiKeys> {
  const directory = embeddedDirectory(config.database);
  let keys: ApiKeys;
  if (directory) {
    // Keys of an embedded database live in a file beside it: readable while a server runs.
    const { mkdirSync } = await import('node:fs');
    const { embeddedApiKeys } = await import('./settings.js');
    mkdirSync(directory, { recursive: true });
    keys = embeddedApiKeys(directory, config.secretKey);
  } else {
    const { db, apiKeys: found } = await prepareDatabase({ ...config, dbPoolSize: 2 });
    await db.close();
    keys = found;
  }
  return keys;
}

async function apiKeys(config: Config, json: boolean): Promise<void> {
  const keys = await readApiKeys(config);
  if (json) process.stdout.write(JSON.stringify({ publishable_key: keys.publishableKey, secret_key: keys.secretKey }) + '\n');
  else
    process.stdout.write(
      `publishable key (public; pass it to createClient):\n  ${keys.publishableKey}\n` +
        `secret key (admin API; keep it on your servers, never in a browser):\n  ${keys.secretKey}\n`,
    );
}

async function admin(command: string, parsed: Parsed, config: Config): Promise<void> {
  const url =
    (parsed.adminFlags.url as string | undefined) ??
    process.env.LATCHKEY_URL ??
    `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`;
  // The secret key never goes on the command line (shell history, ps): env or the database.
  const secretKey = config.secretKey ?? (await readApiKeys(config)).secretKey;
  await runAdminCommand(command, parsed.rest, {
    url,
    secretKey,
    json: parsed.json,
    flags: parsed.adminFlags,
    out: (text) => process.stdout.write(`${text}\n`),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
  });
}

export async function main(argv: string[]): Promise<void> {
  const parsed = parse(argv);
  const { command, flags, help, json } = parsed;
  if (command === undefined || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    if (command === undefined && !help) process.exitCode = 2;
    return;
  }
  const text = HELP[command] ?? (isAdminGroup(command) ? adminHelp(command) : undefined);
  if (!text) fail(`unknown command "${command}"\n${USAGE}`);
  if (!isAdminGroup(command) && parsed.rest.length > 0) fail(`unexpected argument "${parsed.rest[0]}"`);
  if (help) {
    process.stdout.write(`${text}\n`);
    return;
  }
  let config: Config;
  let sources: Partial<Record<keyof Config, SettingSource>>;
  try {
    ({ config, sources } = resolveConfigWithSources(flags, process.env));
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    throw error;
  }
  try {
    if (command === 'serve') await serve(config, sources);
    else if (command === 'migrate') await runMigrate(config);
    else if (command === 'api-keys') await apiKeys(config, json);
    else await admin(command, parsed, config);
  } catch (error) {
    if (error instanceof UsageError) fail(error.message);
    // One line, no stack: the message names what to fix (a port in use, an unreachable database).
    fail(`${command} failed: ${(error as Error).message}`);
  }
}
