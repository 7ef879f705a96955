import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { DomainError, type DomainErrorKind } from '../../../domain/errors';
import { HttpError, type HttpErrorKind } from './errors';

export type ErrorKind = DomainErrorKind | HttpErrorKind;

/** The one place where error kinds become HTTP statuses: a kind missing here does not compile. */
export const problemKinds = {
  bad_request: { status: 400, title: 'Bad Request' },
  unauthenticated: { status: 401, title: 'Unauthorized' },
  forbidden: { status: 403, title: 'Forbidden' },
  not_found: { status: 404, title: 'Not Found' },
  method_not_allowed: { status: 405, title: 'Method Not Allowed' },
  conflict: { status: 409, title: 'Conflict' },
  precondition_failed: { status: 412, title: 'Precondition Failed' },
  payload_too_large: { status: 413, title: 'Content Too Large' },
  unsupported_media_type: { status: 415, title: 'Unsupported Media Type' },
  invalid: { status: 422, title: 'Unprocessable Content' },
  precondition_required: { status: 428, title: 'Precondition Required' },
  too_many_requests: { status: 429, title: 'Too Many Requests' },
  unavailable: { status: 503, title: 'Service Unavailable' },
} as const satisfies Record<ErrorKind, { status: number; title: string }>;

const INTERNAL = { status: 500, title: 'Internal Server Error' } as const;

export const statusOf = (kind: ErrorKind): number => problemKinds[kind].status;

/**
 * RFC 9457 problem details. 4xx messages are shown; a 5xx never leaks its cause. An error's
 * details are extension members: they come first, so none can overwrite type, status or code.
 */
export function problemResponse(error: unknown, requestId: string, instance: string): APIGatewayProxyStructuredResultV2 {
  const known = error instanceof DomainError || error instanceof HttpError;
  const { status, title } = known ? problemKinds[error.kind] : INTERNAL;
  const body = known
    ? { ...error.details, type: `https://errors.crm.example/${error.code}`, title, status, code: error.code, detail: error.message, instance, requestId }
    : {
        type: 'about:blank',
        title,
        status,
        code: 'internal_error',
        detail: 'An unexpected error occurred. Quote the request id when reporting it.',
        instance,
        requestId,
      };
  // An error's own fields first: none can replace the content type or the request id.
  const headers: Record<string, string> = { ...(error instanceof HttpError && error.headers), 'content-type': 'application/problem+json', 'x-request-id': requestId };
  // A hook refuses a signature, not a token: no bearer challenge for it.
  if (status === 401 && !(error instanceof HttpError && error.code.startsWith('signature_'))) headers['www-authenticate'] = 'Bearer';
  if (known && error.retryAfterSeconds !== undefined) headers['retry-after'] = String(error.retryAfterSeconds);
  return { statusCode: status, headers, body: JSON.stringify(body) };
}
