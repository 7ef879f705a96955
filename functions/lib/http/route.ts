import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { z } from 'zod';
import type { Principal } from '../../../domain/access/roles';
import { createVerifier, type VerifyToken } from '../auth/verifier';
import { config } from '../config';
import { getServices } from '../services';
import { authenticate, jsonBody, problemErrors, requestLog, type RouteContext } from './middlewares';
import { parseOrThrow } from './validation';

export interface RouteSpec<B extends z.ZodType | undefined, Q extends z.ZodType | undefined, P extends z.ZodType | undefined> {
  body?: B;
  query?: Q;
  params?: P;
  /** Every route is authenticated unless it says `public: true` (health, JWKS). */
  public?: boolean;
  /** Honour an `Idempotency-Key` header (POST routes that create). */
  idempotent?: boolean;
}

type Infer<S> = S extends z.ZodType ? z.infer<S> : undefined;

export interface RouteInput<B, Q, P, Pub> {
  body: Infer<B>;
  query: Infer<Q>;
  params: Infer<P>;
  principal: Pub extends true ? undefined : Principal;
  headers: Record<string, string | undefined>;
  requestId: string;
  /** Request time: domain code gets the clock from here, never from Date.now(). */
  now: Date;
}

export interface RouteResult {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type HttpHandler = ((event: APIGatewayProxyEventV2, context: any) => Promise<APIGatewayProxyStructuredResultV2>) & {
  /** The route's schemas, read by the OpenAPI generator (scripts/openapi.ts). */
  spec?: RouteSpec<z.ZodType | undefined, z.ZodType | undefined, z.ZodType | undefined>;
};

let verifier: VerifyToken | undefined;
const sharedVerifier = () => (verifier ??= createVerifier(config()));

/**
 * The one way to write an HTTP handler: declare the schemas, get typed, validated input
 * and a principal; return a status and a body. Errors become problem+json at the edge.
 */
export function httpRoute<B extends z.ZodType | undefined = undefined, Q extends z.ZodType | undefined = undefined, P extends z.ZodType | undefined = undefined, Pub extends boolean = false>(
  spec: RouteSpec<B, Q, P> & { public?: Pub },
  fn: (input: RouteInput<B, Q, P, Pub>) => Promise<RouteResult> | RouteResult,
): HttpHandler {
  const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, RouteContext>()
    .use(requestLog())
    .use(problemErrors());
  if (!spec.public) handler.use(authenticate(sharedVerifier));
  handler.use(jsonBody({ maxBytes: () => config().MAX_BODY_BYTES, expectsBody: spec.body !== undefined }));
  const lambda = handler.handler(async (event, context) => {
    const input = {
      body: spec.body ? parseOrThrow(spec.body, context.jsonBody, 'body') : undefined,
      query: spec.query ? parseOrThrow(spec.query, event.queryStringParameters ?? {}, 'query') : undefined,
      params: spec.params ? parseOrThrow(spec.params, event.pathParameters ?? {}, 'path') : undefined,
      principal: context.principal,
      headers: event.headers ?? {},
      requestId: context.requestId,
      now: new Date(),
    } as RouteInput<B, Q, P, Pub>;
    const key = event.headers?.['idempotency-key'];
    const execute = async () => fn(input);
    const result =
      spec.idempotent && key !== undefined && context.principal
        ? await getServices().idempotency(context.principal, event.routeKey, key, context.jsonBody, execute)
        : await execute();
    return {
      statusCode: result.status ?? 200,
      headers: { 'content-type': 'application/json', ...result.headers },
      body: result.body === undefined ? '' : JSON.stringify(result.body),
    };
  }) as unknown as HttpHandler;
  lambda.spec = spec;
  return lambda;
}
