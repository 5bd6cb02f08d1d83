/** GET /admin/settings: the effective configuration, secrets masked, each value with where it came from. */
import type { Config } from '../config.js';
import { SETTINGS } from '../config.js';
import { route } from '../http/route.js';

/** What a secret shows as: that it is set, never any of it. */
const MASK = '••••••••';

/** A database URL without its password (the rest tells an operator which server it is). */
function maskedDatabase(value: string): string {
  if (!/^postgres(ql)?:\/\//i.test(value)) return value;
  // The host list of a multi-host URL is not a valid WHATWG URL: mask by pattern, not by parsing.
  return value.replace(/^(postgres(?:ql)?:\/\/[^:/@]*):[^@]*@/i, `$1:${MASK}@`).replace(/([?&]password=)[^&]*/i, `$1${MASK}`);
}

/** A setting's value as the console shows it; secrets masked. */
export function shownValue(key: keyof Config, value: unknown): unknown {
  if (value === undefined) return null;
  // Secrets: shown as set or not, never in part (a prefix narrows a guess).
  if (key === 'secretKey' || key === 'smtpPass') return MASK;
  if (key === 'database') return maskedDatabase(value as string);
  if (key === 'externalProviders')
    return Object.fromEntries(
      Object.entries(value as Config['externalProviders']).map(([name, p]) => [
        name,
        { ...p, secret: p.secret === undefined ? null : MASK },
      ]),
    );
  return value;
}

export const adminSettings = route({
  method: 'GET',
  path: '/admin/settings',
  auth: 'admin',
  summary:
    'The effective configuration: every setting with its environment variable, flag, value (secrets masked), default and source (default, environment, flag, or program when set in code).',
  async handler({ app }) {
    const settings = SETTINGS.map((s) => ({
      key: s.key,
      env: s.env,
      flag: 'flag' in s && s.flag ? `--${s.flag}` : null,
      value: shownValue(s.key, app.config[s.key]),
      default: s.defaultText ?? s.default ?? null,
      source: app.configSources[s.key] ?? 'default',
      description: s.description,
    }));
    return { body: { settings, mail_transport: app.mail.transportKind } };
  },
});
