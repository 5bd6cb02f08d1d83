/**
 * Email templates: the built-in ones carry the link and the code; a directory overrides them with
 * GoTrue's placeholders; values are HTML-escaped in HTML and never break a subject line; what
 * cannot be rendered faithfully is refused at start.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadTemplates, TEMPLATE_NAMES, type TemplateData } from '../../src/mail/templates.js';

const data: TemplateData = {
  SiteURL: 'https://app.example.com',
  ConfirmationURL: 'https://auth.example.com/auth/v1/verify?token=abc&type=signup&redirect_to=https%3A%2F%2Fapp.example.com',
  Token: '123456',
  TokenHash: 'abc',
  RedirectTo: 'https://app.example.com',
  Email: 'ada@example.com',
  NewEmail: 'ada@new.example.com',
  Data: { name: '<b>Ada</b> & "friends"' },
};

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function templatesDir(files: Record<string, string>): string {
  dir = mkdtempSync(join(tmpdir(), 'latchkey-templates-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

describe('built-in templates', () => {
  it.each(TEMPLATE_NAMES.filter((n) => n !== 'reauthentication'))('%s carries the link and the code, in text and HTML', (name) => {
    const mail = loadTemplates().render(name, data);
    expect(mail.subject.length).toBeGreaterThan(0);
    expect(mail.text).toContain(data.ConfirmationURL);
    expect(mail.text).toContain('123456');
    expect(mail.html).toContain(`href="${data.ConfirmationURL!.replaceAll('&', '&amp;')}"`);
    expect(mail.html).toContain('123456');
  });

  it('reauthentication carries the code only, in the subject too (as GoTrue)', () => {
    const mail = loadTemplates().render('reauthentication', { ...data, ConfirmationURL: undefined, TokenHash: undefined });
    expect(mail.subject).toBe('123456 is your verification code');
    expect(mail.text).toContain('123456');
    expect(mail.text).not.toContain('http');
  });

  it('email change names both addresses', () => {
    const mail = loadTemplates().render('email_change', data);
    expect(mail.text).toContain('ada@example.com');
    expect(mail.text).toContain('ada@new.example.com');
  });
});

describe('LATCHKEY_MAILER_TEMPLATES_DIR', () => {
  it("overrides per part with GoTrue's placeholders; the other parts stay built in", () => {
    const templates = loadTemplates(
      templatesDir({
        'recovery.html':
          '<p>Hi {{ .Data.name }}, reset at <a href="{{ .ConfirmationURL }}">here</a> ({{.Token}}) from {{ .SiteURL }} to {{ .RedirectTo }}</p>',
        'recovery.subject': 'Reset for {{ .Email }}\n',
        'magic_link.txt': 'Code {{ .Token }} / hash {{ .TokenHash }}',
      }),
    );
    expect(templates.overridden).toEqual(['recovery.subject', 'recovery.html', 'magic_link.txt']);
    const recovery = templates.render('recovery', data);
    expect(recovery.subject).toBe('Reset for ada@example.com');
    expect(recovery.html).toBe(
      '<p>Hi &lt;b&gt;Ada&lt;/b&gt; &amp; &quot;friends&quot;, reset at <a href="https://auth.example.com/auth/v1/verify?token=abc&amp;type=signup&amp;redirect_to=https%3A%2F%2Fapp.example.com">here</a> (123456) from https://app.example.com to https://app.example.com</p>',
    );
    expect(recovery.text).toContain(data.ConfirmationURL);
    expect(templates.render('magic_link', data).text).toBe('Code 123456 / hash abc');
  });

  it('plain text is not escaped; a line break in a value cannot add a header line to the subject', () => {
    const templates = loadTemplates(
      templatesDir({ 'confirmation.subject': 'Welcome {{ .Data.name }}', 'confirmation.txt': 'Hi {{ .Data.name }}' }),
    );
    const mail = templates.render('confirmation', { ...data, Data: { name: 'Ada\r\nBcc: victim@example.com' } });
    expect(mail.subject).toBe('Welcome Ada Bcc: victim@example.com');
    expect(mail.text).toBe('Hi Ada\r\nBcc: victim@example.com');
  });

  it('refuses Go template actions and unknown placeholders at start, naming the template', () => {
    expect(() => loadTemplates(templatesDir({ 'invite.html': '{{ if .Token }}x{{ end }}' }))).toThrow(
      /template invite \(html\): "\{\{ if \.Token \}\}" is Go template syntax/,
    );
    expect(() => loadTemplates(templatesDir({ 'invite.txt': '{{ .Password }}' }))).toThrow(
      /template invite \(text\): unknown placeholder \{\{ \.Password \}\}/,
    );
  });
});
