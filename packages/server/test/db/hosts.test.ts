import pgConnectionString from 'pg-connection-string';
import { describe, expect, it } from 'vitest';
import { embeddedDirectory, isPostgresUrl, openDatabase } from '../../src/db/database.js';
import { describeHost, parsePostgresUrl } from '../../src/db/hosts.js';

const { parse } = pgConnectionString;

describe('parsePostgresUrl', () => {
  it('splits a host list into one single-host URL per host, in order, without target_session_attrs', () => {
    const target = parsePostgresUrl('postgres://postgres@127.0.0.1:5433,127.0.0.1:5434/test?target_session_attrs=read-write');
    expect(target.targetSessionAttrs).toBe('read-write');
    expect(target.hosts).toEqual([
      { host: '127.0.0.1', port: 5433, url: 'postgres://postgres@127.0.0.1:5433/test' },
      { host: '127.0.0.1', port: 5434, url: 'postgres://postgres@127.0.0.1:5434/test' },
    ]);
  });

  it('leaves a single-host URL exactly as written (pg reads it as before)', () => {
    for (const url of [
      'postgres://postgres@127.0.0.1:5432/test',
      'postgresql://u:p%40ss@db.internal/app?sslmode=require&application_name=latchkey',
      'postgres:///test',
      'postgres://u@%2Fvar%2Frun%2Fpostgresql/db',
    ]) {
      const target = parsePostgresUrl(url);
      expect(target.hosts.map((h) => h.url)).toEqual([url]);
      expect(target.targetSessionAttrs).toBe('any');
    }
  });

  it('keeps user, password, database and every other parameter for each host', () => {
    const target = parsePostgresUrl(
      'postgresql://app:s%3Ac%40r%2Cet@db1,db2:6432/auth?sslmode=disable&target_session_attrs=primary&application_name=lk#x',
    );
    expect(target.targetSessionAttrs).toBe('primary');
    expect(target.hosts.map((h) => [h.host, h.port])).toEqual([
      ['db1', undefined],
      ['db2', 6432],
    ]);
    // What pg makes of each host's URL: the same credentials and settings, its own host.
    const second = parse(target.hosts[1]!.url);
    expect(second).toMatchObject({ user: 'app', password: 's:c@r,et', host: 'db2', port: '6432', database: 'auth' });
    expect(second).toMatchObject({ sslmode: 'disable', application_name: 'lk' });
    expect(second).not.toHaveProperty('target_session_attrs');
  });

  it('splits the host list after the last "@", so a password may hold "@" and ","', () => {
    const target = parsePostgresUrl('postgres://u:a@b,c@h1:1,h2:2/d');
    expect(target.hosts.map(describeHost)).toEqual(['h1:1', 'h2:2']);
    expect(parse(target.hosts[0]!.url)).toMatchObject({ user: 'u', password: 'a@b,c', host: 'h1' });
  });

  it('reads IPv6 addresses in brackets, with and without a port', () => {
    const target = parsePostgresUrl('postgres://u@[::1]:5433,[fe80::1%25eth0],127.0.0.1/d?target_session_attrs=any');
    expect(target.hosts.map((h) => [h.host, h.port])).toEqual([
      ['::1', 5433],
      ['fe80::1%eth0', undefined],
      ['127.0.0.1', undefined],
    ]);
    expect(target.hosts.map(describeHost)).toEqual(['[::1]:5433', '[fe80::1%eth0]', '127.0.0.1']);
    expect(parse(target.hosts[0]!.url)).toMatchObject({ host: '::1', port: '5433' });
  });

  it('percent-decodes hosts (a Unix-socket directory) and parameter names and values', () => {
    const target = parsePostgresUrl('postgres://u@%2Ftmp%2Fpg,db2/d?target%5Fsession%5Fattrs=read%2Dwrite');
    expect(target.targetSessionAttrs).toBe('read-write');
    expect(target.hosts.map((h) => h.host)).toEqual(['/tmp/pg', 'db2']);
    expect(parse(target.hosts[0]!.url)).toMatchObject({ host: '/tmp/pg', database: 'd' });
  });

  it('takes the last target_session_attrs, as libpq does, and keeps the other parameters in order', () => {
    const target = parsePostgresUrl('postgres://h1,h2/d?a=1&target_session_attrs=any&b=2&target_session_attrs=read-write');
    expect(target.targetSessionAttrs).toBe('read-write');
    expect(target.hosts[0]!.url).toBe('postgres://h1/d?a=1&b=2');
  });

  it('reads an empty port as the default one', () => {
    expect(parsePostgresUrl('postgres://h1:,h2:5/d').hosts.map((h) => h.port)).toEqual([undefined, 5]);
  });

  it.each([
    ['postgres://h1,h2/d?target_session_attrs=readwrite', /invalid target_session_attrs "readwrite"/],
    ['postgres://h1:5432x,h2/d', /invalid port "5432x"/],
    ['postgres://h1:0,h2/d', /invalid port "0"/],
    ['postgres://h1:65536,h2/d', /invalid port "65536"/],
    ['postgres://h1,,h2/d', /empty host/],
    ['postgres://::1,h2/d', /needs brackets/],
    ['postgres://[::1,h2/d', /unclosed "\["/],
    ['postgres://[::1]x,h2/d', /unexpected "x"/],
    ['postgres://%zz,h2/d', /invalid percent-encoding/],
    ['mysql://h1,h2/d', /not a postgres/],
  ])('refuses %s', (url, message) => {
    expect(() => parsePostgresUrl(url)).toThrow(message);
  });

  it('never puts the password in an error message', () => {
    expect(() => parsePostgresUrl('postgres://u:hunter2@h1:x,h2/d')).toThrow(/^(?!.*hunter2)/s);
  });
});

describe('isPostgresUrl / embeddedDirectory', () => {
  it('a multi-host URL is a Postgres server, not a directory', () => {
    const url = 'postgres://postgres@127.0.0.1:5433,127.0.0.1:5434/test?target_session_attrs=read-write';
    expect(isPostgresUrl(url)).toBe(true);
    expect(embeddedDirectory(url)).toBeUndefined();
  });
});

describe('openDatabase on a multi-host URL', () => {
  it.each(['read-only', 'standby', 'prefer-standby'])(
    'refuses target_session_attrs=%s before connecting: Latchkey writes',
    async (attrs) => {
      // Port 1: nothing is ever asked of it; the refusal comes first.
      const url = `postgres://postgres@127.0.0.1:1,127.0.0.1:2/test?target_session_attrs=${attrs}`;
      await expect(openDatabase({ database: url })).rejects.toThrow(`target_session_attrs=${attrs} cannot serve Latchkey, which writes`);
    },
  );
});
