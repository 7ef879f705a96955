import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { z } from 'zod';
import { createVerifier, type VerifyToken } from '../auth/verifier';
import { config } from '../config';
import { getIdempotency, getServices } from '../services';
import { count, flushMetrics } from '../observability';
import { contextOf, type UseCaseContext } from '../use-cases/context';
import { DomainError } from '../../../domain/errors';
import { badRequest, HttpError } from './errors';
import { authenticate, jsonBody, problemErrors, requestLog, type RouteContext } from './middlewares';
import { parseOrThrow } from '../../../domain/validation';

/**
 * If-Match on a state-changing route of a versioned resource (DESIGN §5 optimistic locking):
 * `required` — edits that overwrite fields the caller read (PATCH, PUT of a document) answer 428
 * without it; `optional` — commands (stage moves, completions, moves in the hierarchy) apply to
 * the current version when it is absent and answer 412 when it names an older one. Absent: the
 * route changes no versioned resource and ignores the header.
 */
export type IfMatchPolicy = 'required' | 'optional';

/** The success answer of a route: its status and the schema that shapes (and documents) its body. */
export type RouteResponse =
  | {
      status: 200 | 201 | 202;
      schema: z.ZodType;
      description?: string;
      contentType?: string;
      /** Other representations the route answers with when asked (Accept), sent as text: for the API reference (reports' CSV). */
      alternatives?: readonly { contentType: string; description: string }[];
    }
  | { status: 204; description?: string };

export interface RouteSpec<B extends z.ZodType | undefined, Q extends z.ZodType | undefined, P extends z.ZodType | undefined, R extends RouteResponse, M extends IfMatchPolicy | undefined> {
  /** One line for the API reference. */
  summary: string;
  description?: string;
  body?: B;
  query?: Q;
  params?: P;
  /** Every route is authenticated unless it says `public: true` (health, the API document). */
  public?: boolean;
  /** Honour an `Idempotency-Key` header (POST routes that create). */
  idempotent?: boolean;
  /**
   * Before a stored answer is replayed, read what it created again as the caller may see it now:
   * the caller may have lost access since (a lead reassigned), and a replay must not show them
   * what a GET would not. Throws (404) to refuse the replay.
   */
  onReplay?: (ctx: UseCaseContext, stored: BodyOf<R>) => Promise<unknown>;
  ifMatch?: M;
  /** Past a per-minute limit the route answers 429 with Retry-After and RateLimit fields (for the API reference). */
  rateLimited?: boolean;
  response: R;
  /** A raw-body route (functions/lib/http/raw-route.ts): hooks and forms, for the API reference. */
  raw?: { accepts: readonly string[]; signed: boolean; rateLimited?: boolean };
}

type Infer<S> = S extends z.ZodType ? z.infer<S> : undefined;

export interface RouteInput<B, Q, P, Pub, M> {
  body: Infer<B>;
  query: Infer<Q>;
  params: Infer<P>;
  /** The use case's context: the verified caller, the request time (domain code gets the clock from here), the ports. */
  ctx: Pub extends true ? undefined : UseCaseContext;
  /** The version named by If-Match. */
  expectedVersion: M extends 'required' ? number : M extends 'optional' ? number | undefined : undefined;
  headers: Record<string, string | undefined>;
  requestId: string;
}

export interface RouteResult<Body> {
  body: Body;
  /** The resource's version: sent as its ETag. */
  version?: number;
  headers?: Record<string, string>;
  /** Sent instead of the JSON body, as is (one of the response's `alternatives`: a report as CSV). */
  text?: { contentType: string; body: string };
}

type BodyOf<R extends RouteResponse> = R extends { schema: infer S extends z.ZodType } ? z.input<S> : undefined;

export type HttpHandler = ((event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>) & {
  /** The route's declaration, read by the OpenAPI generator (scripts/openapi.ts). */
  spec: RouteSpec<z.ZodType | undefined, z.ZodType | undefined, z.ZodType | undefined, RouteResponse, IfMatchPolicy | undefined>;
};

let verifier: VerifyToken | undefined;
const sharedVerifier = () => (verifier ??= createVerifier(config()));

/** ETag ↔ version, for If-Match optimistic locking. */
export const etag = (version: number) => `"${version}"`;

/**
 * If-Match `"7"` → 7; absent → undefined; not an entity tag → 400. If-Match compares strongly
 * (RFC 9110 §13.1.1): a weak tag (`W/"7"`) or one this API never sends (`"07"`) matches no
 * version, so the answer is 412, as for a stale one.
 */
export function versionFromIfMatch(ifMatch: string | undefined): number | undefined {
  if (ifMatch === undefined) return undefined;
  const tag = /^(W\/)?"([\x21\x23-\x7e]*)"$/.exec(ifMatch.trim());
  if (!tag) throw badRequest('invalid_if_match', 'If-Match must be an ETag this API returned, like "3".');
  if (tag[1] || !/^(0|[1-9]\d{0,14})$/.test(tag[2]!)) {
    throw new DomainError('precondition_failed', 'stale_version', 'If-Match names no version of this resource (weak or unknown entity tag); read it again and retry.');
  }
  return Number(tag[2]);
}

function expectedVersionOf(policy: IfMatchPolicy | undefined, ifMatch: string | undefined): number | undefined {
  if (policy === undefined) return undefined;
  const version = versionFromIfMatch(ifMatch);
  if (version === undefined && policy === 'required') {
    throw new HttpError('precondition_required', 'if_match_required', 'Send If-Match with the ETag you read, to avoid overwriting a newer change.');
  }
  return version;
}

/**
 * The one way to write an HTTP handler: declare the schemas, the If-Match policy and the answer;
 * get typed, validated input and the use case's context; return the body (and the version for
 * the ETag). The body goes out through the response schema, so what is sent is what is documented.
 * Errors become problem+json at the edge.
 */
export function httpRoute<
  B extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  P extends z.ZodType | undefined = undefined,
  R extends RouteResponse = RouteResponse,
  M extends IfMatchPolicy | undefined = undefined,
  Pub extends boolean = false,
>(spec: RouteSpec<B, Q, P, R, M> & { public?: Pub }, fn: (input: RouteInput<B, Q, P, Pub, M>) => Promise<RouteResult<BodyOf<R>>> | RouteResult<BodyOf<R>>): HttpHandler {
  const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, RouteContext>()
    // One EMF line a request (the service's Requests count), written last, after any error answer.
    // Not Powertools' logMetrics: with requests served side by side in one process (the local
    // stack) one flush empties the store for all, and it would warn about every empty one.
    .use({ before: () => count('Requests'), after: flushMetrics, onError: flushMetrics })
    .use(requestLog())
    .use(problemErrors());
  if (!spec.public) handler.use(authenticate(sharedVerifier));
  handler.use(jsonBody({ maxBytes: () => config().MAX_BODY_BYTES, expectsBody: spec.body !== undefined }));
  const lambda = handler.handler(async (event, context) => {
    const headers = event.headers ?? {};
    const body = spec.body ? parseOrThrow(spec.body, context.jsonBody, 'body') : undefined;
    const input = {
      body,
      query: spec.query ? parseOrThrow(spec.query, event.queryStringParameters ?? {}, 'query') : undefined,
      params: spec.params ? parseOrThrow(spec.params, event.pathParameters ?? {}, 'path') : undefined,
      ctx: context.principal ? contextOf(context.principal, new Date(), getServices()) : undefined,
      expectedVersion: expectedVersionOf(spec.ifMatch, headers['if-match']),
      headers,
      requestId: context.requestId,
    } as RouteInput<B, Q, P, Pub, M>;
    const execute = async () => {
      const result = await fn(input);
      if (result.text) return { status: spec.response.status, body: undefined, text: result.text.body, headers: { ...result.headers, 'content-type': result.text.contentType } };
      const shaped = 'schema' in spec.response ? spec.response.schema.parse(result.body) : undefined;
      return {
        status: spec.response.status,
        ...(shaped !== undefined && { body: shaped }),
        headers: { ...result.headers, ...(result.version !== undefined && { etag: etag(result.version) }) },
      };
    };
    const key = headers['idempotency-key'];
    const principal = context.principal;
    // The key covers who asks (with their role), the route with its decoded, validated path
    // parameters (so `/o_1` and `/%6F_1` are one target) and the validated body.
    const result =
      spec.idempotent && key !== undefined && principal
        ? await getIdempotency()(
            { owner: `${principal.tenantId}|${principal.staffId}|${principal.role}`, target: `${event.routeKey} ${JSON.stringify(input.params ?? {})}`, key, body: body ?? null, context },
            execute,
          )
        : await execute();
    if ((result.headers as Record<string, string> | undefined)?.['idempotent-replayed'] && spec.onReplay && input.ctx) await spec.onReplay(input.ctx, result.body as BodyOf<R>);
    const text = (result as { text?: string }).text;
    return {
      statusCode: result.status ?? 200,
      headers: { ...(result.body !== undefined && { 'content-type': 'application/json' }), ...result.headers },
      body: text !== undefined ? text : result.body === undefined ? '' : JSON.stringify(result.body),
    };
  }) as unknown as HttpHandler;
  lambda.spec = spec as HttpHandler['spec'];
  return lambda;
}
