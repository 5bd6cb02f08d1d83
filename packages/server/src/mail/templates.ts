/**
 * The emails Latchkey sends, as templates: a subject, a plain-text body and an HTML body for each
 * action. The built-in ones are below; LATCHKEY_MAILER_TEMPLATES_DIR overrides any of them with
 * files named `<template>.subject`, `<template>.txt` and `<template>.html`, written with GoTrue's
 * placeholders so a Supabase project's templates carry over: `{{ .ConfirmationURL }}`,
 * `{{ .Token }}`, `{{ .TokenHash }}`, `{{ .SiteURL }}`, `{{ .RedirectTo }}`, `{{ .Email }}`,
 * `{{ .NewEmail }}`, `{{ .SendingTo }}`, `{{ .Data.<key> }}`.
 *
 * Only placeholders are supported, not Go's template language (`{{ if }}`, `{{ range }}`, pipes):
 * a template using them is refused when the server starts, with the file and the construct named,
 * rather than sending half-rendered mail.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The templates, named as GoTrue names them (its `GOTRUE_MAILER_TEMPLATES_*` settings). */
export const TEMPLATE_NAMES = ['confirmation', 'invite', 'recovery', 'magic_link', 'email_change', 'reauthentication'] as const;
export type TemplateName = (typeof TEMPLATE_NAMES)[number];

export interface TemplateData {
  SiteURL: string;
  /** The link that performs the action (GET /verify on the auth server); absent for reauthentication. */
  ConfirmationURL?: string;
  /** The one-time code. */
  Token: string;
  /** The link token (what POST /verify takes as `token_hash`); absent for reauthentication. */
  TokenHash?: string;
  RedirectTo?: string;
  Email: string;
  NewEmail?: string;
  /** The address this copy goes to (an email change mails the old and the new address). */
  SendingTo?: string;
  /** The user's metadata (`{{ .Data.name }}`). */
  Data: Record<string, unknown>;
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

interface Source {
  subject: string;
  text: string;
  html: string;
}

const layout = (title: string, body: string) =>
  `<!doctype html>
<html>
  <body style="font-family: system-ui, sans-serif; line-height: 1.5; color: #1a1a1a; max-width: 32rem; margin: 2rem auto; padding: 0 1rem">
    <h2 style="font-size: 1.25rem">${title}</h2>
${body}
  </body>
</html>
`;

const button = (label: string) =>
  `    <p><a href="{{ .ConfirmationURL }}" style="display: inline-block; padding: 0.6rem 1.2rem; background: #1a1a1a; color: #fff; text-decoration: none; border-radius: 0.3rem">${label}</a></p>`;

const codeLine = (intro: string) =>
  `    <p>${intro}</p>
    <p style="font-size: 1.5rem; letter-spacing: 0.2em; font-family: ui-monospace, monospace"><strong>{{ .Token }}</strong></p>`;

const DEFAULTS: Record<TemplateName, Source> = {
  confirmation: {
    subject: 'Confirm your email address',
    text: `Confirm your email address

Open this link to confirm {{ .Email }} and finish signing up:
{{ .ConfirmationURL }}

Or enter this code: {{ .Token }}

If you did not sign up, ignore this email.
`,
    html: layout(
      'Confirm your email address',
      `    <p>Confirm {{ .Email }} to finish signing up.</p>
${button('Confirm email address')}
${codeLine('Or enter this code:')}
    <p>If you did not sign up, ignore this email.</p>`,
    ),
  },
  invite: {
    subject: "You've been invited",
    text: `You've been invited

You have been invited to create an account for {{ .Email }}. Open this link to accept:
{{ .ConfirmationURL }}

Or enter this code: {{ .Token }}
`,
    html: layout(
      "You've been invited",
      `    <p>You have been invited to create an account for {{ .Email }}.</p>
${button('Accept the invitation')}
${codeLine('Or enter this code:')}`,
    ),
  },
  recovery: {
    subject: 'Reset your password',
    text: `Reset your password

Someone asked to reset the password of {{ .Email }}. Open this link to choose a new one:
{{ .ConfirmationURL }}

Or enter this code: {{ .Token }}

If it was not you, ignore this email: your password stays as it is.
`,
    html: layout(
      'Reset your password',
      `    <p>Someone asked to reset the password of {{ .Email }}.</p>
${button('Choose a new password')}
${codeLine('Or enter this code:')}
    <p>If it was not you, ignore this email: your password stays as it is.</p>`,
    ),
  },
  magic_link: {
    subject: 'Your sign-in link',
    text: `Sign in

Open this link to sign in as {{ .Email }}:
{{ .ConfirmationURL }}

Or enter this code: {{ .Token }}

The link and the code work once, and only for a short while.
`,
    html: layout(
      'Sign in',
      `    <p>Sign in as {{ .Email }}.</p>
${button('Sign in')}
${codeLine('Or enter this code:')}
    <p>The link and the code work once, and only for a short while.</p>`,
    ),
  },
  email_change: {
    subject: 'Confirm your new email address',
    text: `Confirm the change of your email address

Someone asked to change the email address of an account from {{ .Email }} to {{ .NewEmail }}. Open this link to confirm it:
{{ .ConfirmationURL }}

Or enter this code: {{ .Token }}

If it was not you, ignore this email: nothing changes without this confirmation.
`,
    html: layout(
      'Confirm the change of your email address',
      `    <p>Someone asked to change the email address of an account from {{ .Email }} to {{ .NewEmail }}.</p>
${button('Confirm the change')}
${codeLine('Or enter this code:')}
    <p>If it was not you, ignore this email: nothing changes without this confirmation.</p>`,
    ),
  },
  reauthentication: {
    subject: '{{ .Token }} is your verification code',
    text: `Your verification code

Enter this code to confirm it is you: {{ .Token }}

If you did not ask for it, someone may know your password: change it.
`,
    html: layout(
      'Your verification code',
      `${codeLine('Enter this code to confirm it is you:')}
    <p>If you did not ask for it, someone may know your password: change it.</p>`,
    ),
  },
};

const PLACEHOLDER = /\{\{-?\s*\.([A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z0-9_-]+)*)\s*-?\}\}/g;
const KNOWN = new Set(['SiteURL', 'ConfirmationURL', 'Token', 'TokenHash', 'RedirectTo', 'Email', 'NewEmail', 'SendingTo', 'Data']);

export class TemplateError extends Error {
  override name = 'TemplateError';
}

/** Refuses what this renderer would not render faithfully: Go template actions and unknown names. */
function check(source: string, where: string): void {
  const rest = source.replace(PLACEHOLDER, (whole, path: string) => {
    const root = path.split('.')[0] as string;
    if (!KNOWN.has(root) || (root !== 'Data' && path.includes('.'))) {
      throw new TemplateError(`${where}: unknown placeholder ${whole} (known: ${[...KNOWN].map((k) => `{{ .${k} }}`).join(', ')})`);
    }
    return '';
  });
  const action = /\{\{[^}]*\}\}/.exec(rest);
  if (action) {
    throw new TemplateError(
      `${where}: "${action[0]}" is Go template syntax Latchkey does not run; only placeholders like {{ .ConfirmationURL }} are supported`,
    );
  }
}

/** HTML-escapes a value for text or a quoted attribute: &, <, >, " and ' (OWASP's rule #1 and #2). */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

function lookup(data: TemplateData, path: string): string {
  const [root, ...keys] = path.split('.');
  let value: unknown = (data as unknown as Record<string, unknown>)[root as string];
  for (const key of keys) value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
  if (value === undefined || value === null) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

function fill(source: string, data: TemplateData, escape: (value: string) => string): string {
  return source.replace(PLACEHOLDER, (_whole, path: string) => escape(lookup(data, path)));
}

export interface Templates {
  render(name: TemplateName, data: TemplateData): RenderedMail;
  /** Which templates came from the directory (for the start-up log). */
  readonly overridden: readonly string[];
}

function readOptional(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new TemplateError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/**
 * The templates: the built-in ones, with any file of `directory` in their place. Read once, at
 * start; a template that cannot render (unknown placeholder, Go template syntax) fails the start.
 */
export function loadTemplates(directory?: string): Templates {
  const sources = structuredClone(DEFAULTS);
  const overridden: string[] = [];
  if (directory) {
    for (const name of TEMPLATE_NAMES) {
      for (const [part, extension] of [
        ['subject', 'subject'],
        ['text', 'txt'],
        ['html', 'html'],
      ] as const) {
        const file = join(directory, `${name}.${extension}`);
        const content = readOptional(file);
        if (content === undefined) continue;
        sources[name][part] = part === 'subject' ? content.trim() : content;
        overridden.push(`${name}.${extension}`);
      }
    }
  }
  for (const name of TEMPLATE_NAMES) {
    for (const part of ['subject', 'text', 'html'] as const) check(sources[name][part], `template ${name} (${part})`);
  }
  return {
    overridden,
    render(name, data) {
      const source = sources[name];
      return {
        // One line: a value with a line break must not start a new header (nodemailer encodes
        // headers too; this keeps the subject what the template meant).
        subject: fill(source.subject, data, (v) => v)
          .replace(/[\r\n]+/g, ' ')
          .trim(),
        text: fill(source.text, data, (v) => v),
        html: fill(source.html, data, escapeHtml),
      };
    },
  };
}
