import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';
import { routes, type RouteDefinition } from '../functions/http/routes';
import { MAX_JSON_DEPTH } from '../functions/lib/http/middlewares';
import { problemKinds } from '../functions/lib/http/problem';
import type { HttpHandler } from '../functions/lib/http/route';

/**
 * The OpenAPI 3.1 document, generated from the route manifest and each route's declaration: its
 * summary, zod request schemas, If-Match policy, idempotency and the zod schema that shapes its
 * answer — so the document cannot drift from what the routes accept and send.
 * `npm run openapi` writes functions/http/openapi.json (served at GET /v1/openapi.json);
 * a test regenerates it and fails when the committed copy is stale, and `npm run lint:openapi`
 * (redocly) lints it.
 */
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const OPENAPI_FILE = join(root, 'functions/http/openapi.json');

type Json = Record<string, unknown>;
type Io = 'input' | 'output';

/** Named schemas (`.meta({ id })`) become components; input and output forms differ where defaults do. */
const components: Record<string, Json> = {};

/**
 * A zod schema as JSON Schema, its named parts moved to components. Responses drop
 * `additionalProperties: false` (fields may be added, an additive change) and JavaScript's
 * safe-integer bounds (noise to a reader).
 */
function schema(s: z.ZodType, io: Io): Json {
  const { $schema: _drop, $defs, ...json } = z.toJSONSchema(s, { io, unrepresentable: 'any' }) as Json & { $defs?: Record<string, Json> };
  const name = (id: string) => (io === 'input' ? `${id}Input` : id);
  const rewrite = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(rewrite);
    if (!node || typeof node !== 'object') return node;
    const out: Json = {};
    for (const [k, v] of Object.entries(node as Json)) {
      if (k === '$ref' && typeof v === 'string' && v.startsWith('#/$defs/')) out[k] = `#/components/schemas/${name(v.slice('#/$defs/'.length))}`;
      else if (io === 'output' && k === 'additionalProperties' && v === false) continue;
      else if ((k === 'minimum' && v === Number.MIN_SAFE_INTEGER) || (k === 'maximum' && v === Number.MAX_SAFE_INTEGER)) continue;
      else out[k] = rewrite(v);
    }
    return out;
  };
  for (const [id, def] of Object.entries($defs ?? {})) {
    const named = rewrite(def) as Json;
    const existing = components[name(id)];
    if (existing && JSON.stringify(existing) !== JSON.stringify(named)) throw new Error(`two different schemas are both named ${name(id)}`);
    components[name(id)] = named;
  }
  return rewrite(json) as Json;
}

/** The fields of an object schema as [name, JSON schema, required, description]. */
function objectFields(s: z.ZodType | undefined): [string, Json, boolean][] {
  if (!s) return [];
  const json = schema(s, 'input') as { properties?: Record<string, Json>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, p]) => [name, p, json.required?.includes(name) ?? false]);
}

/** Each route's tag: the folder its handler lives in (clients, opportunities, …); health and the document are System. */
const tagOf = (route: RouteDefinition) => {
  const folder = route.entry.split('/').slice(-2, -1)[0]!;
  return folder === 'http' ? 'System' : folder.charAt(0).toUpperCase() + folder.slice(1);
};
const tagDescriptions: Record<string, string> = {
  System: 'Liveness and this document.',
  Clients: 'Clients, their 360° view, audit trail and visiting-card image.',
  Opportunities: 'One product each, moved through Lead → Qualified → Potential → Demo → Visit → Closed.',
  Events: 'Follow-ups: calls, messages, demos, visits, quotes, negotiations; demos and visits completed with feedback.',
  Config: 'The tenant’s product catalogue and stage multipliers.',
  Staff: 'The tenant’s staff and reporting hierarchy.',
  Reports: 'Prebuilt reports defined as data and the custom report builder, over the facts the caller’s scope may see (JSON or CSV).',
  Integrations: 'Connections to ERPs and lead sources (tenant_admin): settings, write-only secrets, the delivery log, replays and reconciliation.',
  Hooks: 'Where providers post: no bearer token — each provider’s signature over the raw body is the credential.',
  Forms: 'Web forms posting leads from a browser: CORS from the form’s origins, a honeypot, rate limits.',
  Messages: 'Email and WhatsApp per client, one thread per channel (the communication hub, in progress).',
};

/** Example problem bodies, one per status, as the API sends them. */
const examples: Record<number, { code: string; detail: string; errors?: Json[] }> = {
  400: { code: 'malformed_json', detail: 'The request body is not valid JSON.' },
  401: { code: 'invalid_token', detail: 'The bearer token is invalid or expired.' },
  403: { code: 'action_forbidden', detail: 'A warrior may not opportunity close.' },
  404: { code: 'opportunity_not_found', detail: 'Opportunity o_01jd… was not found.' },
  409: { code: 'open_opportunity_exists', detail: 'The client already has an open website opportunity.' },
  412: { code: 'stale_version', detail: 'The opportunity changed since you read it (now version 4); read it again and retry.' },
  413: { code: 'body_too_large', detail: 'The request body exceeds 65536 bytes.' },
  415: { code: 'unsupported_media_type', detail: 'Send the body as application/json.' },
  422: { code: 'validation_failed', detail: 'The request has invalid fields.', errors: [{ field: 'body.feedback.budget', code: 'too_small', message: 'must be 0 or more' }] },
  428: { code: 'if_match_required', detail: 'Send If-Match with the ETag you read, to avoid overwriting a newer change.' },
  429: { code: 'rate_limited', detail: 'Too many submissions from this address: at most 20 a minute; try again in 42 s.' },
  500: { code: 'internal_error', detail: 'An unexpected error occurred. Quote the request id when reporting it.' },
};
const titleOf = (status: number) => Object.values(problemKinds).find((k) => k.status === status)?.title ?? 'Internal Server Error';
const problemResponse = (status: number, description: string) => {
  const example = examples[status]!;
  return {
    description,
    headers: { 'x-request-id': { $ref: '#/components/headers/RequestId' } },
    content: {
      'application/problem+json': {
        schema: { $ref: '#/components/schemas/Problem' },
        example: { type: `https://errors.crm.example/${example.code}`, title: titleOf(status), status, ...example, instance: '/v1/…', requestId: '5f1c…' },
      },
    },
  };
};

/** Which refusals a route can answer, from what it declares. */
function errorStatuses(route: RouteDefinition, spec: HttpHandler['spec']): [number, string][] {
  if (spec.raw) return rawErrorStatuses(route, spec.raw);
  const out: [number, string][] = [];
  const takesInput = spec.body !== undefined || spec.query !== undefined || spec.params !== undefined || spec.ifMatch !== undefined || spec.idempotent;
  // Every route refuses a body it does not take, and malformed JSON, cursors, If-Match or Idempotency-Key.
  out.push([400, takesInput ? 'Malformed request: JSON, cursor, If-Match or Idempotency-Key' : 'A request body was sent to a route that takes none']);
  if (!spec.public) {
    out.push([401, 'Missing, invalid or expired bearer token']);
    out.push([403, 'The caller’s role may not do this']);
  }
  if (!spec.public && (spec.params !== undefined || spec.query !== undefined || route.method !== 'GET')) out.push([404, 'Not found, or outside the caller’s scope']);
  if (route.method !== 'GET') out.push([409, 'Conflicts with the current state (a duplicate, a closed opportunity, a concurrent change: retry)']);
  if (spec.ifMatch) out.push([412, 'If-Match names an older version']);
  if (spec.body) {
    out.push([413, 'The body is too large']);
    out.push([415, 'The body is not application/json']);
  }
  if (takesInput) out.push([422, 'Invalid fields, listed in `errors`']);
  if (spec.ifMatch === 'required') out.push([428, 'If-Match is required']);
  if (spec.rateLimited) out.push([429, 'Too many a minute (Retry-After, RateLimit-* headers): nothing was done']);
  return out;
}

/** Hooks and forms: refused for their signature, origin, size or rate, never for a token. */
function rawErrorStatuses(route: RouteDefinition, raw: NonNullable<HttpHandler['spec']['raw']>): [number, string][] {
  const out: [number, string][] = [[400, 'Malformed path parameters']];
  if (raw.signed) out.push([401, 'The signature is missing, wrong or stale: nothing was stored']);
  if (!raw.signed) out.push([403, route.method === 'GET' ? 'The verify token is not the connection’s' : 'The origin is not one of the form’s']);
  out.push([404, 'No such connection or form (or another tenant’s, or disabled)']);
  if (raw.accepts.length > 0) out.push([413, 'The body is too large']);
  if (raw.rateLimited) {
    out.push([422, 'Invalid fields, listed in `errors` by the form’s own names']);
    out.push([429, 'Too many submissions a minute (Retry-After, RateLimit-* headers)']);
  }
  return out;
}

export async function buildOpenApi() {
  for (const k of Object.keys(components)) delete components[k];
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const { handler } = (await import(pathToFileURL(join(root, route.entry)).href)) as { handler: HttpHandler };
    const spec = handler.spec;
    const parameters = [
      ...objectFields(spec.params).map(([name, s]) => ({ name, in: 'path', required: true, schema: s })),
      ...objectFields(spec.query).map(([name, s, required]) => ({ name, in: 'query', required, schema: s })),
      ...(spec.idempotent ? [{ $ref: '#/components/parameters/IdempotencyKey' }] : []),
      ...(spec.ifMatch ? [{ $ref: spec.ifMatch === 'required' ? '#/components/parameters/IfMatchRequired' : '#/components/parameters/IfMatch' }] : []),
    ];
    const response = spec.response;
    const headers: Json = { 'x-request-id': { $ref: '#/components/headers/RequestId' } };
    if ('schema' in response && (spec.ifMatch || /\{\w+\}$/.test(route.path) || response.status === 201 || route.path.startsWith('/v1/config/'))) {
      headers.ETag = { $ref: '#/components/headers/ETag' };
    }
    if (response.status === 201) headers.Location = { description: 'Where the created resource is read', schema: { type: 'string' } };
    if (spec.idempotent) headers['idempotent-replayed'] = { description: '`true` when this is the stored answer to an earlier request with the same Idempotency-Key', schema: { type: 'string', enum: ['true'] } };
    paths[route.path] ??= {};
    paths[route.path]![route.method.toLowerCase()] = {
      operationId: route.name,
      summary: spec.summary,
      ...(spec.description && { description: spec.description }),
      tags: [tagOf(route)],
      ...(spec.public ? { security: [] } : {}),
      ...(parameters.length > 0 && { parameters }),
      ...(spec.body && {
        requestBody: { required: !spec.body.safeParse(undefined).success, content: { 'application/json': { schema: schema(spec.body, 'input') } } },
      }),
      ...(spec.raw &&
        spec.raw.accepts.length > 0 && {
          requestBody: { required: true, description: 'The raw body, exactly as signed or as the browser sends it.', content: Object.fromEntries(spec.raw.accepts.map((type) => [type, { schema: { type: 'string' } }])) },
        }),
      responses: {
        [String(response.status)]: {
          description: response.description ?? (response.status === 201 ? 'Created' : 'OK'),
          headers,
          ...('schema' in response && {
            content: {
              [response.contentType ?? 'application/json']: { schema: schema(response.schema, 'output') },
              ...Object.fromEntries((response.alternatives ?? []).map((a) => [a.contentType, { schema: { type: 'string', description: a.description } }])),
            },
          }),
        },
        ...Object.fromEntries(errorStatuses(route, spec).map(([status, description]) => [String(status), problemResponse(status, description)])),
        default: problemResponse(500, 'Unexpected error (its cause is logged, never sent)'),
      },
    };
  }
  const tags = [...new Set(routes.map(tagOf))].map((name) => ({ name, description: tagDescriptions[name] ?? name }));
  return {
    openapi: '3.1.0',
    info: {
      title: 'Sales-execution CRM API',
      version: '1',
      description:
        'Multi-tenant sales pipeline: clients, one opportunity per product moved through stages, follow-up events with enforced feedback, staff and configuration. ' +
        'JSON, camelCase; money is integer paise with `currency` beside it; timestamps ISO-8601 UTC. Errors are RFC 9457 problem+json with a stable `code` and per-field `errors`. ' +
        `Lists take \`limit\` and \`cursor\` and answer \`nextCursor\`. Request bodies nest at most ${MAX_JSON_DEPTH} levels.`,
      contact: { name: 'CRM platform team', email: 'platform@crm.example' },
    },
    servers: [
      { url: 'http://127.0.0.1:3000', description: 'The local stack (npm start)' },
      { url: 'https://{apiDomain}', description: 'A deployed environment', variables: { apiDomain: { default: 'api.crm.example', description: 'The environment’s API domain' } } },
    ],
    security: [{ bearer: [] }],
    tags,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A Cognito access token (locally: `npm run token`). The tenant comes from it, never from a path or body.' } },
      parameters: {
        IdempotencyKey: {
          name: 'Idempotency-Key',
          in: 'header',
          required: false,
          description: 'Makes a create safe to retry: the same key from the same caller on the same path replays the first answer for 24 h; with another body it is a 422.',
          schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$' },
        },
        IfMatch: { name: 'If-Match', in: 'header', required: false, description: 'The ETag you read: a 412 if the resource changed since.', schema: { type: 'string', examples: ['"3"'] } },
        IfMatchRequired: { name: 'If-Match', in: 'header', required: true, description: 'The ETag you read (required): a 412 if the resource changed since.', schema: { type: 'string', examples: ['"3"'] } },
      },
      headers: {
        ETag: { description: 'The resource’s version, for If-Match', schema: { type: 'string', examples: ['"3"'] } },
        RequestId: { description: 'Quote it when reporting a problem', schema: { type: 'string' } },
      },
      schemas: {
        Problem: {
          type: 'object',
          description: 'RFC 9457 problem details.',
          required: ['type', 'title', 'status', 'code'],
          properties: {
            type: { type: 'string' },
            title: { type: 'string' },
            status: { type: 'integer' },
            code: { type: 'string', description: 'Stable, machine-readable' },
            detail: { type: 'string' },
            instance: { type: 'string' },
            requestId: { type: 'string' },
            errors: {
              type: 'array',
              items: { type: 'object', required: ['field', 'code', 'message'], properties: { field: { type: 'string' }, code: { type: 'string' }, message: { type: 'string' } } },
            },
          },
        },
        ...Object.fromEntries(Object.entries(components).sort(([a], [b]) => a.localeCompare(b))),
      },
    },
    paths,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  writeFileSync(OPENAPI_FILE, `${JSON.stringify(await buildOpenApi(), null, 2)}\n`);
  console.log(`wrote ${OPENAPI_FILE}`);
}
