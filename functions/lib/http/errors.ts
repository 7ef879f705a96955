/**
 * Transport errors: what is wrong with the request as HTTP (its framing, headers, token or
 * cursor), not with what it asks the domain to do. Thrown by the edge and by the adapters that
 * read transport artefacts (the cursor codec); mapped beside the domain kinds in problem.ts.
 */
export type HttpErrorKind = 'bad_request' | 'unauthenticated' | 'payload_too_large' | 'unsupported_media_type' | 'precondition_required' | 'not_found' | 'method_not_allowed' | 'unavailable' | 'too_many_requests';

export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly kind: HttpErrorKind,
    readonly code: string,
    message: string,
    readonly details: { errors?: { field: string; code: string; message: string }[] } = {},
    /** Seconds after which the same request may succeed (a dependency that did not answer): sent as Retry-After. */
    readonly retryAfterSeconds?: number,
    /** Response header fields that say more about the refusal (a rate limit's RateLimit fields). */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

export const badRequest = (code: string, message: string) => new HttpError('bad_request', code, message);
export const unauthenticated = (code: string, message: string) => new HttpError('unauthenticated', code, message);

/** A store behind the route did not answer (503 with Retry-After): the request changed nothing and may be sent again. */
export const unavailable = (code: string, message: string, retryAfterSeconds = 5) => new HttpError('unavailable', code, message, {}, retryAfterSeconds);
