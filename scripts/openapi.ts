import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';
import { routes } from '../functions/http/routes';
import type { HttpHandler } from '../functions/lib/http/route';

/**
 * The OpenAPI 3.1 document, generated from the route manifest and each route's zod schemas.
 * `npm run openapi` writes functions/http/openapi.json (served at GET /v1/openapi.json);
 * a test regenerates it and fails when the committed copy is stale.
 */
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const OPENAPI_FILE = join(root, 'functions/http/openapi.json');

const schema = (s: z.ZodType) => {
  const { $schema: _drop, ...json } = z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return json;
};

const problem = { description: 'RFC 9457 problem details', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } };

export async function buildOpenApi() {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const { handler } = (await import(pathToFileURL(join(root, route.entry)).href)) as { handler: HttpHandler };
    const spec = handler.spec ?? {};
    const parameters = [
      ...objectFields(spec.params).map(([name, s]) => ({ name, in: 'path', required: true, schema: s })),
      ...objectFields(spec.query).map(([name, s, required]) => ({ name, in: 'query', required, schema: s })),
      ...(spec.idempotent ? [{ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', maxLength: 255 } }] : []),
      ...(['PATCH', 'PUT'].includes(route.method) ? [{ name: 'If-Match', in: 'header', required: route.method === 'PATCH' || route.path.startsWith('/v1/config'), schema: { type: 'string' } }] : []),
    ];
    paths[route.path] ??= {};
    paths[route.path]![route.method.toLowerCase()] = {
      operationId: route.name,
      ...(spec.public ? { security: [] } : {}),
      ...(parameters.length > 0 && { parameters }),
      ...(spec.body && { requestBody: { required: true, content: { 'application/json': { schema: schema(spec.body) } } } }),
      responses: {
        [route.method === 'POST' && spec.idempotent ? '201' : '200']: { description: 'Success', content: { 'application/json': { schema: {} } } },
        '4XX': problem,
        default: problem,
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Sales-execution CRM API', version: '1' },
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: {
        Problem: {
          type: 'object',
          required: ['type', 'title', 'status', 'code'],
          properties: {
            type: { type: 'string' },
            title: { type: 'string' },
            status: { type: 'integer' },
            code: { type: 'string' },
            detail: { type: 'string' },
            instance: { type: 'string' },
            requestId: { type: 'string' },
            errors: { type: 'array', items: { type: 'object', properties: { field: { type: 'string' }, code: { type: 'string' }, message: { type: 'string' } } } },
          },
        },
      },
    },
    paths,
  };
}

/** The fields of an object schema as [name, JSON schema, required]. */
function objectFields(s: z.ZodType | undefined): [string, unknown, boolean][] {
  if (!s) return [];
  const json = schema(s) as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, p]) => [name, p, json.required?.includes(name) ?? false]);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  writeFileSync(OPENAPI_FILE, `${JSON.stringify(await buildOpenApi(), null, 2)}\n`);
  console.log(`wrote ${OPENAPI_FILE}`);
}
