/**
 * Every route of the route table, fed hostile input over real HTTP (issue #12): bodies and
 * queries generated from each route's own schemas with the wrong types, deep JSON, lone
 * surrogates, NUL, huge and look-alike strings; bad content types, API versions and credentials;
 * random paths and methods. Whatever arrives, the answer is never a 5xx, every error is coded in
 * the caller's shape, nothing is logged as an error (a failed audit entry included), and the
 * server still answers /health. A fixed seed keeps the run the same every time.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ERROR_CODES } from '../src/errors.js';
import type { Logger } from '../src/log.js';
import type { Route } from '../src/http/route.js';
import { ROUTES } from '../src/routes/index.js';
import { startTestServer, testDatabases, type TestServer } from '../src/testing.js';
import { databaseCases, nestedJson, uniqueEmail } from './helpers.js';

// Fixed, so every run sends the same requests; LATCHKEY_FUZZ_SEED and LATCHKEY_FUZZ_RUNS explore further.
const SEED = Number(process.env.LATCHKEY_FUZZ_SEED ?? 20_240_112);
const RUNS_PER_ROUTE = Number(process.env.LATCHKEY_FUZZ_RUNS ?? 16);
const MODERN = '2024-01-01';

// ---------------------------------------------------------------------------------------------
// Values

/** A value spliced into a JSON body as raw text: what JSON.stringify cannot write (60k levels). */
class RawJson {
  constructor(readonly text: string) {}
}

/** Lone surrogates, which fast-check's string units never produce on their own. */
const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((unit) => String.fromCharCode(unit));

const EDGE_STRINGS = [
  '',
  ' ',
  'a\u0000b',
  '\u0000',
  '\u200b',
  '\u202eevil',
  '\ufeff',
  'x'.repeat(5_000),
  "' OR 1=1 --",
  'created_at; drop table users',
  'created_at desc, (select 1)',
  'created_at asc',
  '__proto__',
  'constructor',
  '{"a":',
  '../../etc/passwd',
  '%00',
  '0',
  '-1',
  '1e309',
  'NaN',
  '9007199254740993',
  '24h',
  '99999999999h',
  'none',
  'true',
  'null',
  'global',
  'others',
  '00000000-0000-0000-0000-000000000000',
  'xx:;x@x.x',
  'q(u)o,te@x.x',
  'jos\u00e9@example.com',
  'jose\u0301@example.com',
  'ａ＠ｂ．ｃｏｍ',
  'a\u200b@x.com',
  '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----',
  '{"kty":"EC","crv":"P-256","x":"AA","y":"AA","d":"AA"}',
  `{"kty":${nestedJson(2_000)}}`,
];

const hostileStrings = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...EDGE_STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 24 }) },
  {
    weight: 2,
    arbitrary: fc.tuple(fc.string({ maxLength: 4 }), loneSurrogate, fc.string({ maxLength: 4 })).map((parts) => parts.join('')),
  },
  { weight: 1, arbitrary: loneSurrogate.map((u) => `a${u}@example.com`) },
  { weight: 1, arbitrary: fc.uuid().map(String) },
  { weight: 1, arbitrary: fc.constant(null).map(() => uniqueEmail('fuzz')) },
);

const hostileLeaves = fc.oneof(
  hostileStrings,
  fc.integer(),
  fc.constantFrom(0, -0, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, 0.5, 2 ** 64),
  fc.boolean(),
  fc.constant(null),
);

/** Objects shaped like metadata: hostile keys and leaves, a few levels deep, or far too deep. */
const hostileObjects: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.letrec((tie) => ({
      node: fc.dictionary(
        fc.oneof(hostileStrings, fc.constantFrom('__proto__', 'full_name', 'a')),
        fc.oneof(
          { weight: 3, arbitrary: hostileLeaves },
          { weight: 1, arbitrary: tie('node') },
          { weight: 1, arbitrary: fc.array(hostileLeaves, { maxLength: 3 }) },
        ),
        { maxKeys: 4, depthIdentifier: 'metadata' },
      ),
    })).node,
  },
  { weight: 1, arbitrary: fc.constantFrom(33, 64, 65, 5_000, 10_000).map((levels) => new RawJson(nestedJson(levels))) },
  { weight: 1, arbitrary: fc.constant(new RawJson(`{"a":${'['.repeat(30_000)}${']'.repeat(30_000)}}`)) },
);

/** Any JSON value, hostile at every level. */
const hostileValues: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: hostileLeaves },
  { weight: 2, arbitrary: hostileObjects },
  { weight: 1, arbitrary: fc.array(hostileLeaves, { maxLength: 4 }) },
);

/** JSON text for a value that may hold RawJson parts (generated values are shallow: recursion is fine). */
function jsonText(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map(jsonText).join(',')}]`;
  if (typeof value === 'object' && value !== null)
    return `{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}:${jsonText(v)}`)
      .join(',')}}`;
  return JSON.stringify(value) ?? 'null';
}

// ---------------------------------------------------------------------------------------------
// From the route table's schemas

interface FieldSchema {
  type?: string | string[];
  enum?: unknown[];
  anyOf?: FieldSchema[];
}

const fieldsOf = (schema: z.ZodType | undefined): Record<string, FieldSchema> => {
  if (!schema || !(schema instanceof z.ZodObject)) return {};
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, FieldSchema> };
  return json.properties ?? {};
};

/** Values that pass a field's validation, so a request gets past it to the fields and logic behind. */
const PLAUSIBLE: Record<string, fc.Arbitrary<unknown>> = {
  email: fc.constant(null).map(() => uniqueEmail('fuzz')),
  password: fc.constantFrom('correct horse battery', 'another long password'),
  role: fc.constantFrom('authenticated', 'service_role'),
  ban_duration: fc.constantFrom('1h', 'none', '876000h'),
  key: fc.constantFrom('{"kty":"EC"}', '-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----'),
};

/** A plausible value of the declared type (or for the field's name), or a hostile one of any type. */
function valueFor(name: string, field: FieldSchema): fc.Arbitrary<unknown> {
  const plausible: fc.Arbitrary<unknown>[] = [];
  const types = [field.type, ...(field.anyOf ?? []).map((f) => f.type)].flat().filter(Boolean);
  const enums = [field.enum, ...(field.anyOf ?? []).map((f) => f.enum)].flat().filter((e) => e !== undefined);
  if (PLAUSIBLE[name]) plausible.push(PLAUSIBLE[name]);
  if (enums.length > 0) plausible.push(fc.constantFrom(...enums));
  if (types.includes('string')) plausible.push(hostileStrings);
  if (types.includes('number') || types.includes('integer')) plausible.push(fc.oneof(fc.integer(), fc.constantFrom(1, 50, 1000, 1e300)));
  if (types.includes('boolean')) plausible.push(fc.boolean());
  if (types.includes('object')) plausible.push(hostileObjects);
  return plausible.length > 0
    ? fc.oneof({ weight: 3, arbitrary: fc.oneof(...plausible) }, { weight: 1, arbitrary: hostileValues })
    : hostileValues;
}

/** A body from the route's schema: each declared field present or not, plus stray fields. */
function bodyFor(route: Route<any, any>): fc.Arbitrary<unknown> {
  const fields = fieldsOf(route.body);
  // Each declared field present three times in four.
  const declared = fc
    .record(
      Object.fromEntries(Object.entries(fields).map(([name, f]) => [name, fc.option(valueFor(name, f), { freq: 4, nil: undefined })])),
    )
    .map((record) => Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined)));
  const withStrays = fc
    .tuple(declared, fc.dictionary(hostileStrings, hostileValues, { maxKeys: 2 }))
    .map(([a, b]) => ({ ...b, ...(a as object) }));
  return fc.oneof({ weight: 4, arbitrary: withStrays }, { weight: 1, arbitrary: hostileValues });
}

/** A query string from the route's schema (values as strings), plus stray keys. */
function queryFor(route: Route<any, any>): fc.Arbitrary<string> {
  const fields = fieldsOf(route.query);
  const value = (name: string, f: FieldSchema) =>
    fc.oneof(
      valueFor(name, f).map((v) => (typeof v === 'string' ? v : jsonText(v))),
      hostileStrings,
    );
  return fc
    .tuple(
      fc.record(Object.fromEntries(Object.entries(fields).map(([name, f]) => [name, value(name, f)])), { requiredKeys: [] }),
      fc.dictionary(hostileStrings, hostileStrings, { maxKeys: 2 }),
      fc.boolean(),
    )
    .map(([declared, strays, raw]) => {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries({ ...strays, ...declared })) params.append(k, String(v));
      // Sometimes a hand-made query: broken percent-escapes and encoded NUL and surrogates. Cut
      // to 4 KB (mid-escape, sometimes): the request line counts toward Node's 16 KB header limit.
      return (raw ? `${params}&%E0%A4%A=1&x=%00&y=%ED%A0%80` : String(params)).slice(0, 4_000);
    });
}

const pathParam = fc.oneof(
  fc.uuid().map(String),
  fc.constantFrom('00000000-0000-0000-0000-000000000000', 'not-a-uuid', '%00', '%ED%A0%80', '%E0%A4%A', '..', '%2F', 'x'.repeat(2_000)),
  fc.string({ unit: 'binary', maxLength: 12 }).map(encodeURIComponent),
);

const contentTypes = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'application/x-www-form-urlencoded',
  'text/plain',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  undefined,
);

/** Header values fetch can send: printable ASCII and Latin-1 (no controls, DEL, CR, LF or NUL). */
const headerValue = fc.oneof(
  fc
    .string({
      unit: fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff })).map((c) => String.fromCharCode(c)),
      maxLength: 40,
    })
    .map((s) => s.trim()),
  // Long, but four of them stay under Node's 16 KB header limit (past it Node answers 431 itself, below).
  fc.constantFrom('2024-01-01', '2099-12-31', '2023-12-31', '2024-13-45', 'x'.repeat(1_500)),
);

// ---------------------------------------------------------------------------------------------
// One request

interface Case {
  prefix: string;
  params: string[];
  query: string;
  body: unknown;
  encoding: 'json' | 'form' | 'garbage' | 'none';
  contentType: string | undefined;
  auth: 'none' | 'user' | 'secret' | 'publishable' | 'junk';
  apiVersion: string | undefined;
  extraHeaders: Record<string, string>;
}

function caseFor(route: Route<any, any>): fc.Arbitrary<Case> {
  const paramCount = (route.path.match(/:[a-z]+/g) ?? []).length;
  return fc.record({
    prefix: fc.constantFrom('', '/auth/v1'),
    params: fc.array(fc.oneof(pathParam, fc.constant('$user')), { minLength: paramCount, maxLength: paramCount }),
    query: queryFor(route),
    body: bodyFor(route),
    encoding: fc.oneof(
      { weight: 5, arbitrary: fc.constant('json' as const) },
      { weight: 1, arbitrary: fc.constantFrom('form', 'garbage', 'none' as const) },
    ),
    contentType: contentTypes,
    // Mostly the route's own credential, so requests reach its logic; sometimes any other.
    auth: fc.oneof(
      { weight: 3, arbitrary: fc.constant(({ public: 'none', user: 'user', admin: 'secret' } as const)[route.auth]) },
      { weight: 2, arbitrary: fc.constantFrom('none', 'user', 'secret', 'publishable', 'junk') },
    ),
    apiVersion: fc.oneof(
      { weight: 4, arbitrary: fc.constant(MODERN) },
      { weight: 1, arbitrary: fc.option(headerValue, { nil: undefined }) },
    ),
    extraHeaders: fc.record(
      { 'user-agent': headerValue, 'x-forwarded-for': headerValue, apikey: headerValue, 'x-client-info': headerValue },
      { requiredKeys: [] },
    ),
  });
}

interface Credentials {
  userId: string;
  accessToken: string;
}

function requestFor(server: TestServer, route: Route<any, any>, c: Case, credentials: Credentials) {
  let i = 0;
  const path = route.path.replace(/:[a-z]+/g, () => {
    const param = c.params[i++] as string;
    return param === '$user' ? credentials.userId : param;
  });
  const headers: Record<string, string> = { ...c.extraHeaders };
  if (c.apiVersion !== undefined) headers['x-supabase-api-version'] = c.apiVersion;
  const bearer = {
    none: undefined,
    user: credentials.accessToken,
    secret: server.secretKey,
    publishable: server.publishableKey,
    junk: 'e30.e30.x',
  }[c.auth];
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  let body: string | undefined;
  if (route.method !== 'GET' && c.encoding !== 'none') {
    if (c.encoding === 'json') body = jsonText(c.body);
    else if (c.encoding === 'form') {
      const entries = typeof c.body === 'object' && c.body !== null ? Object.entries(c.body) : [];
      body = String(new URLSearchParams(entries.map(([k, v]) => [k, typeof v === 'string' ? v : jsonText(v)])));
    } else body = jsonText(c.body).slice(0, Math.max(1, Math.floor(jsonText(c.body).length / 2)));
    if (c.contentType) headers['content-type'] = c.contentType;
  }
  // Redirects (GET /verify, GET /callback) go to the app, which does not run here: not followed.
  return fetch(`${server.url}${c.prefix}${path}${c.query ? `?${c.query}` : ''}`, {
    method: route.method,
    headers,
    body,
    redirect: 'manual',
  });
}

/** The response is not a 5xx, and an error is coded in the shape the request asked for. */
async function expectCodedAnswer(res: Response, apiVersion: string | undefined, label: string): Promise<void> {
  const text = await res.text();
  expect(res.status, `${label}: ${text}`).toBeLessThan(500);
  if (res.status < 400) return;
  expect(`${res.status} ${res.headers.get('content-type')} ${text.slice(0, 200)}`, label).toMatch(/^\d+ application\/json/);
  const body = JSON.parse(text) as Record<string, unknown>;
  const modern =
    apiVersion !== undefined && /^\d{4}-\d{2}-\d{2}$/.test(apiVersion) && apiVersion >= MODERN && !Number.isNaN(Date.parse(apiVersion));
  if (modern) {
    expect(Object.keys(ERROR_CODES), label).toContain(body.code);
    expect(typeof body.message, label).toBe('string');
    expect(res.headers.get('x-supabase-api-version'), label).toBe(apiVersion);
  } else {
    expect(body.code, label).toBe(res.status);
    expect(Object.keys(ERROR_CODES), label).toContain(body.error_code);
    expect(typeof body.msg, label).toBe('string');
  }
}

// ---------------------------------------------------------------------------------------------

describe.each(databaseCases(testDatabases()))('fuzzing every route on %s', (_name, database) => {
  let server: TestServer;
  const errors: string[] = [];
  const logger: Logger = {
    info: () => {},
    warn: () => {},
    error: (msg, fields) => errors.push(`${msg} ${JSON.stringify(fields)}`),
  };
  beforeAll(async () => {
    // Rate limits on and X-Forwarded-For trusted: the fuzzed addresses reach the limiter's keying.
    server = await startTestServer({ database, logger, config: { rateLimits: true, trustProxy: true } });
  });
  afterAll(() => server?.close());
  // Each test answers for its own requests only.
  beforeEach(() => {
    errors.length = 0;
  });

  /** A fresh user and session per route: a run may log out, ban or delete the one before. */
  let signups = 0;
  async function freshCredentials(): Promise<Credentials> {
    signups++;
    const res = await fetch(`${server.authUrl}/signup`, {
      method: 'POST',
      // An address of its own, so the fuzzed requests' sign-ups never rate-limit this one.
      headers: { 'content-type': 'application/json', 'x-forwarded-for': `198.18.${signups >> 8}.${signups & 255}` },
      body: JSON.stringify({ email: uniqueEmail('fuzz'), password: 'correct horse battery' }),
    });
    const session = (await res.json()) as { access_token: string; user: { id: string } };
    return { userId: session.user.id, accessToken: session.access_token };
  }

  it.each(ROUTES.map((r) => [`${r.method} ${r.path}`, r] as const))(
    '%s: hostile input gets a coded 4xx, never a 5xx',
    async (label, route) => {
      const credentials = await freshCredentials();
      await fc.assert(
        fc.asyncProperty(caseFor(route), async (c) => {
          const res = await requestFor(server, route, c, credentials);
          await expectCodedAnswer(res, c.apiVersion, `${label} ${errors.join('; ')}`);
          expect(errors, label).toEqual([]);
        }),
        { seed: SEED, numRuns: RUNS_PER_ROUTE, endOnFailure: true },
      );
    },
  );

  it('random methods and paths get a coded answer too', async () => {
    const methods = fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD');
    const segment = fc.oneof(
      fc.constantFrom(
        'auth',
        'v1',
        'admin',
        'users',
        'user',
        'token',
        'signup',
        'sessions',
        'keys',
        '.well-known',
        '..',
        '%00',
        '%ED%A0%80',
        '',
      ),
      fc.string({ unit: 'binary', maxLength: 8 }).map(encodeURIComponent),
    );
    await fc.assert(
      fc.asyncProperty(methods, fc.array(segment, { maxLength: 5 }), async (method, segments) => {
        const res = await fetch(`${server.url}/${segments.join('/')}`, { method, headers: { 'x-supabase-api-version': MODERN } });
        // A HEAD answer has no body to check; its status still must not be a 5xx.
        if (method === 'HEAD') expect(res.status).toBeLessThan(500);
        else await expectCodedAnswer(res, MODERN, `${method} /${segments.join('/')}`);
      }),
      { seed: SEED, numRuns: RUNS_PER_ROUTE * 8 },
    );
    expect(errors).toEqual([]);
  });

  it("headers past Node's 16 KB limit are refused by Node's parser (431), before any route", async () => {
    const res = await fetch(`${server.authUrl}/settings`, { headers: { 'x-junk': 'x'.repeat(20_000) } });
    expect(res.status).toBe(431);
  });

  it('the server still answers /health afterwards', async () => {
    const res = await fetch(`${server.authUrl}/health`);
    expect(res.status).toBe(200);
    expect(errors).toEqual([]);
  });
});
