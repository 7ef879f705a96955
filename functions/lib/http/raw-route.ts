import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { z } from 'zod';
import { parseOrThrow } from '../../../domain/validation';
import { count, flushMetrics } from '../observability';
import { HttpError } from './errors';
import { problemErrors, requestLog, type RouteContext } from './middlewares';
import type { HttpHandler, RouteResponse } from './route';

/**
 * Routes that take the request's raw bytes (#13): provider hooks, whose signatures are computed
 * over the body exactly as sent, and web forms, which browsers post as JSON or urlencoded. No
 * token (the signature, or the form's origin and rate limits, stand in for it) and no JSON
 * parsing before the route has checked what it must.
 */
export interface RawInput<P> {
  params: P;
  method: string;
  /** Lower-case names (API Gateway and the local server both give them so). */
  headers: Record<string, string | undefined>;
  query: Record<string, string | undefined>;
  body: Buffer;
  sourceIp: string;
  requestId: string;
}

export interface RawResult {
  status: number;
  headers?: Record<string, string>;
  /** JSON unless `text` is given. */
  body?: unknown;
  text?: string;
}

export interface RawSpec<P extends z.ZodType> {
  summary: string;
  description?: string;
  params: P;
  /** The content types it reads, for the API reference. */
  accepts: readonly string[];
  response: RouteResponse;
  /** Answers 401 for a bad signature (hooks), or never (forms). */
  signed: boolean;
  /** Answers 429 (forms). */
  rateLimited?: boolean;
}

export function rawRoute<P extends z.ZodType>(spec: RawSpec<P>, fn: (input: RawInput<z.infer<P>>) => Promise<RawResult>): HttpHandler {
  const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, RouteContext>()
    .use({ before: () => count('Requests'), after: flushMetrics, onError: flushMetrics })
    .use(requestLog())
    .use(problemErrors())
    .handler(async (event, context) => {
      const body = event.body === undefined ? Buffer.alloc(0) : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
      const result = await fn({
        params: parseOrThrow(spec.params, event.pathParameters ?? {}, 'path'),
        method: event.requestContext.http.method,
        headers: event.headers ?? {},
        query: event.queryStringParameters ?? {},
        body,
        sourceIp: event.requestContext.http.sourceIp,
        requestId: context.requestId,
      });
      const text = result.text !== undefined;
      return {
        statusCode: result.status,
        headers: { ...(result.body !== undefined || text ? { 'content-type': text ? 'text/plain; charset=utf-8' : 'application/json' } : {}), ...result.headers },
        body: text ? result.text! : result.body === undefined ? '' : JSON.stringify(result.body),
      };
    }) as unknown as HttpHandler;
  handler.spec = { summary: spec.summary, ...(spec.description && { description: spec.description }), params: spec.params, public: true, response: spec.response, raw: spec } as HttpHandler['spec'];
  return handler;
}

/** A signature refused: 401, and nothing was stored. */
export const badSignature = (reason: string) => new HttpError('unauthenticated', `signature_${reason.replace(/_signature$/, '')}`, `The delivery's signature was refused (${reason.replaceAll('_', ' ')}); nothing was stored.`);
