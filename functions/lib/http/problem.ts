import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { DomainError, type ErrorKind } from '../../../domain/errors';

/** The one place where error kinds become HTTP statuses. */
export function statusOf(kind: ErrorKind): number {
  switch (kind) {
    case 'bad_request':
      return 400;
    case 'unauthenticated':
      return 401;
    case 'forbidden':
      return 403;
    case 'not_found':
      return 404;
    case 'conflict':
      return 409;
    case 'precondition_failed':
      return 412;
    case 'payload_too_large':
      return 413;
    case 'unsupported_media_type':
      return 415;
    case 'invalid':
      return 422;
    case 'precondition_required':
      return 428;
    default: {
      const unmapped: never = kind;
      throw new Error(`unmapped error kind ${String(unmapped)}`);
    }
  }
}

const titles: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  428: 'Precondition Required',
  500: 'Internal Server Error',
};

/** RFC 9457 problem details. 4xx messages are shown; a 5xx never leaks its cause. */
export function problemResponse(error: unknown, requestId: string, instance: string): APIGatewayProxyStructuredResultV2 {
  const known = error instanceof DomainError;
  const status = known ? statusOf(error.kind) : 500;
  const body = known
    ? {
        type: `https://errors.crm.example/${error.code}`,
        title: titles[status],
        status,
        code: error.code,
        detail: error.message,
        instance,
        requestId,
        ...error.details,
      }
    : {
        type: 'about:blank',
        title: titles[500],
        status: 500,
        code: 'internal_error',
        detail: 'An unexpected error occurred. Quote the request id when reporting it.',
        instance,
        requestId,
      };
  const headers: Record<string, string> = { 'content-type': 'application/problem+json', 'x-request-id': requestId };
  if (status === 401) headers['www-authenticate'] = 'Bearer';
  return { statusCode: status, headers, body: JSON.stringify(body) };
}
