import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { Principal } from '../../../domain/access/roles';
import { DomainError } from '../../../domain/errors';
import { bearerToken, type VerifyToken } from '../auth/verifier';
import { badRequest, HttpError } from './errors';
import { logger } from '../logger';
import { problemResponse } from './problem';

type Event = APIGatewayProxyEventV2;
type Result = APIGatewayProxyStructuredResultV2;
/** What the middlewares hand to the route: set on the Lambda context, middy's documented carrier. */
export interface RouteContext extends Context {
  requestId: string;
  startedAt: number;
  jsonBody?: unknown;
  principal?: Principal;
}
type Middleware = MiddlewareObj<Event, Result, Error, RouteContext>;

/** Request id on every response and one structured log line per request (never a header or body). */
export function requestLog(): Middleware {
  const finish = (request: Parameters<NonNullable<Middleware['after']>>[0]) => {
    const { requestId, startedAt, principal } = request.context;
    const response = request.response ?? undefined;
    if (response) response.headers = { ...response.headers, 'x-request-id': requestId };
    const status = response?.statusCode ?? 500;
    logger[status >= 500 ? 'error' : 'info']('request', {
      requestId,
      route: request.event.routeKey,
      status,
      durationMs: Math.round(performance.now() - startedAt),
      tenantId: principal?.tenantId,
      staffId: principal?.staffId,
    });
  };
  return {
    name: 'requestLog',
    before: (request) => {
      request.context.requestId = request.event.requestContext?.requestId ?? request.context.awsRequestId ?? crypto.randomUUID();
      request.context.startedAt = performance.now();
    },
    after: finish,
    onError: finish,
  };
}

/** Domain errors become RFC 9457 problems; anything else a generic 500 with the cause logged. */
export function problemErrors(): Middleware {
  return {
    name: 'problemErrors',
    onError: (request) => {
      if (!(request.error instanceof DomainError || request.error instanceof HttpError)) logger.error('unhandled error', { requestId: request.context.requestId, error: request.error });
      request.response = problemResponse(request.error, request.context.requestId, request.event.rawPath);
    },
  };
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
/** Bytes as UTF-8 text; invalid sequences are a 400, not replacement characters stored for good. */
function utf8(bytes: Buffer): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw badRequest('invalid_utf8', 'The request body is not valid UTF-8.');
  }
}

/** Deeper JSON than any request of this API needs: refused before it is parsed, hashed or validated. */
export const MAX_JSON_DEPTH = 32;

/** How deeply arrays and objects nest in a JSON text, stopping once past `limit` (one pass, no recursion). */
export function jsonDepthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/**
 * JSON bodies only, within a size and nesting limit; malformed JSON is a 400, never a 500.
 * A route without a body schema refuses any body it is sent.
 */
export function jsonBody(opts: { maxBytes: () => number; expectsBody: boolean }): Middleware {
  return {
    name: 'jsonBody',
    before: (request) => {
      const { body, isBase64Encoded, headers } = request.event;
      if (body === undefined || body === '') return;
      const raw = isBase64Encoded ? utf8(Buffer.from(body, 'base64')) : body;
      const maxBytes = opts.maxBytes();
      if (Buffer.byteLength(raw, 'utf8') > maxBytes) {
        throw new HttpError('payload_too_large', 'body_too_large', `The request body exceeds ${maxBytes} bytes.`);
      }
      if (!opts.expectsBody) throw badRequest('unexpected_body', 'This route takes no request body.');
      const type = headers?.['content-type'] ?? '';
      if (!/^application\/(?:[\w.+-]+\+)?json\b/i.test(type)) {
        throw new HttpError('unsupported_media_type', 'unsupported_media_type', 'Send the body as application/json.');
      }
      if (jsonDepthExceeds(raw, MAX_JSON_DEPTH)) throw badRequest('body_too_deep', `The request body nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep.`);
      try {
        request.context.jsonBody = JSON.parse(raw);
      } catch {
        throw badRequest('malformed_json', 'The request body is not valid JSON.');
      }
    },
  };
}

/** Bearer JWT → principal; the tenant comes from the verified token and nowhere else. */
export function authenticate(verifier: () => VerifyToken): Middleware {
  return {
    name: 'authenticate',
    before: async (request) => {
      const token = bearerToken(request.event.headers?.authorization);
      request.context.principal = await verifier()(token);
    },
  };
}
