/** GET /openapi.json: the API description, generated from the same route declarations the router serves. */
import { z } from 'zod';
import { ERROR_CODES } from '../errors.js';
import { route, type Route } from '../http/route.js';
import { ROUTES } from './index.js';

const schemaOf = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });

/** OpenAPI 3.1 for a list of routes: paths in OpenAPI form (`{id}`), bodies and queries as JSON Schema. */
export function openApiDocument(routes: readonly Route<any, any>[], serverUrl: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = r.path.replace(/:([a-z]+)/g, '{$1}');
    const parameters: unknown[] = [...r.path.matchAll(/:([a-z]+)/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    if (r.query) {
      const q = schemaOf(r.query) as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, schema] of Object.entries(q.properties ?? {}))
        parameters.push({ name, in: 'query', required: q.required?.includes(name) ?? false, schema });
    }
    const operation: Record<string, unknown> = {
      summary: r.summary,
      operationId: `${r.method.toLowerCase()}${path.replace(/[^a-zA-Z0-9]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      parameters,
      responses: {
        '200': { description: 'Success' },
        '4XX': { description: 'A coded error: { code, message } (API version ≥ 2024-01-01) or { code: <status>, error_code, msg }' },
      },
    };
    // Admin routes take the secret key, or the console's cookie together with its CSRF header.
    if (r.auth === 'admin') operation.security = [{ secretKey: [] }, { consoleCookie: [], consoleCsrf: [] }];
    else if (r.auth === 'user') operation.security = [{ accessToken: [] }];
    if (r.body && !(r.body instanceof z.ZodUnknown))
      operation.requestBody = { required: true, content: { 'application/json': { schema: schemaOf(r.body) } } };
    paths[path] = { ...paths[path], [r.method.toLowerCase()]: operation };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Latchkey auth API',
      version: '0.1.0',
      description: `Supabase Auth (GoTrue) compatible. Error codes: ${Object.keys(ERROR_CODES).join(', ')}.`,
    },
    servers: [{ url: serverUrl }],
    components: {
      securitySchemes: {
        accessToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        secretKey: { type: 'http', scheme: 'bearer', description: 'The secret key (npx latchkey api-keys).' },
        consoleCookie: {
          type: 'apiKey',
          in: 'cookie',
          name: 'latchkey_console',
          description:
            "The admin console's session (POST /console/session; __Host-latchkey_console over https); same-origin requests only.",
        },
        consoleCsrf: { type: 'apiKey', in: 'header', name: 'X-Latchkey-CSRF', description: 'The CSRF token of the console session.' },
      },
    },
    paths,
  };
}

export const openapi = route({
  method: 'GET',
  path: '/openapi.json',
  auth: 'public',
  summary: 'This API description (OpenAPI 3.1).',
  async handler({ app }) {
    return { body: openApiDocument(ROUTES, app.issuer) };
  },
});
