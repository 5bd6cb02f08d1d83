/**
 * libpq's multi-host connection URLs, which node-postgres does not read:
 * `postgres://user@10.0.0.1:5432,10.0.0.2:5432/db?target_session_attrs=read-write` (libpq
 * "Multiple Hosts", https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-MULTIPLE-HOSTS).
 *
 * The URL is split into one ordinary single-host URL per host, which `pg` parses as it always
 * has (user, password, database, sslmode, application_name, options…); only the host list and
 * `target_session_attrs` are read here. db/host-client.ts decides which host a new connection
 * goes to.
 */

/** libpq's `target_session_attrs`: which server a connection must land on to be kept. */
export const TARGET_SESSION_ATTRS = ['any', 'read-write', 'read-only', 'primary', 'standby', 'prefer-standby'] as const;
export type TargetSessionAttrs = (typeof TARGET_SESSION_ATTRS)[number];

export interface PostgresHost {
  /** Host name, IP address (IPv6 without its brackets) or Unix-socket directory, percent-decoded. */
  host: string;
  /** The port the URL gives this host; undefined for pg's default (PGPORT, else 5432). */
  port: number | undefined;
  /** The URL with only this host in it and no `target_session_attrs`: what `pg` connects with. */
  url: string;
}

export interface PostgresHosts {
  /** In the URL's order: the order in which hosts are tried. */
  hosts: PostgresHost[];
  targetSessionAttrs: TargetSessionAttrs;
}

/** `host:port` for messages and logs (never the URL: it may carry a password). */
export function describeHost({ host, port }: Pick<PostgresHost, 'host' | 'port'>): string {
  const name = host.includes(':') ? `[${host}]` : host || 'localhost';
  return port === undefined ? name : `${name}:${port}`;
}

const URL_PARTS = /^(postgres(?:ql)?:\/\/)([^/?#]*)(.*)$/is;

/**
 * Splits a `postgres://` URL into its hosts.
 *
 * @example
 * parsePostgresUrl('postgres://app@db1:5432,db2:5433/auth?target_session_attrs=read-write');
 * // → { targetSessionAttrs: 'read-write', hosts: [
 * //      { host: 'db1', port: 5432, url: 'postgres://app@db1:5432/auth' },
 * //      { host: 'db2', port: 5433, url: 'postgres://app@db2:5433/auth' } ] }
 */
export function parsePostgresUrl(url: string): PostgresHosts {
  const parts = URL_PARTS.exec(url);
  if (!parts) throw new Error('not a postgres:// URL');
  const [, scheme, authority, rest] = parts as unknown as [string, string, string, string];
  // The user info ends at the authority's last '@' (as WHATWG URLs, and so pg, read it): a
  // password may contain '@' and ',', so the host list is only what follows it.
  const at = authority.lastIndexOf('@');
  const userinfo = authority.slice(0, at + 1);
  const hostList = authority.slice(at + 1);

  const { targetSessionAttrs, rest: restWithoutAttrs } = takeTargetSessionAttrs(rest);
  const entries = hostList.split(',');
  if (entries.length > 1 && entries.some((entry) => entry === '')) throw new Error(`empty host in the host list "${hostList}"`);
  const hosts = entries.map((entry) => ({ ...parseHost(entry), url: `${scheme}${userinfo}${entry}${restWithoutAttrs}` }));
  return { hosts, targetSessionAttrs };
}

/** One entry of the host list: `host`, `host:port`, `[v6]`, `[v6]:port`, `%2Fsocket%2Fdir`. */
function parseHost(entry: string): { host: string; port: number | undefined } {
  let host: string;
  let portText: string | undefined;
  if (entry.startsWith('[')) {
    const close = entry.indexOf(']');
    if (close < 0) throw new Error(`unclosed "[" in host "${entry}"`);
    host = entry.slice(1, close);
    const after = entry.slice(close + 1);
    if (after !== '' && !after.startsWith(':')) throw new Error(`unexpected "${after}" after "]" in host "${entry}"`);
    portText = after === '' ? undefined : after.slice(1);
  } else {
    const colon = entry.indexOf(':');
    if (colon >= 0 && entry.indexOf(':', colon + 1) >= 0) throw new Error(`IPv6 address "${entry}" needs brackets: [address]:port`);
    host = colon < 0 ? entry : entry.slice(0, colon);
    portText = colon < 0 ? undefined : entry.slice(colon + 1);
  }
  return { host: decode(host, entry), port: parsePort(portText, entry) };
}

function parsePort(text: string | undefined, entry: string): number | undefined {
  // libpq reads an empty port ("host:") as the default one.
  if (text === undefined || text === '') return undefined;
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port >= 1 && port <= 65535)) throw new Error(`invalid port "${text}" in host "${entry}"`);
  return port;
}

function decode(text: string, context: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new Error(`invalid percent-encoding in "${context}"`);
  }
}

/**
 * Reads `target_session_attrs` from the query (the last one wins, as in libpq) and returns the
 * rest of the URL without it. Every other parameter is left as written, for pg to read.
 */
function takeTargetSessionAttrs(rest: string): { targetSessionAttrs: TargetSessionAttrs; rest: string } {
  const hash = rest.indexOf('#');
  const beforeHash = hash < 0 ? rest : rest.slice(0, hash);
  const fragment = hash < 0 ? '' : rest.slice(hash);
  const question = beforeHash.indexOf('?');
  if (question < 0) return { targetSessionAttrs: 'any', rest };
  const path = beforeHash.slice(0, question);
  let value: string | undefined;
  const kept = beforeHash
    .slice(question + 1)
    .split('&')
    .filter((param) => {
      const eq = param.indexOf('=');
      if (decode(eq < 0 ? param : param.slice(0, eq), param) !== 'target_session_attrs') return true;
      value = decode(eq < 0 ? '' : param.slice(eq + 1), param);
      return false;
    });
  if (value === undefined) return { targetSessionAttrs: 'any', rest };
  if (!(TARGET_SESSION_ATTRS as readonly string[]).includes(value)) {
    throw new Error(`invalid target_session_attrs "${value}": one of ${TARGET_SESSION_ATTRS.join(', ')}`);
  }
  const query = kept.length > 0 ? `?${kept.join('&')}` : '';
  return { targetSessionAttrs: value as TargetSessionAttrs, rest: `${path}${query}${fragment}` };
}
