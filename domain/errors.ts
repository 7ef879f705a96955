/**
 * Domain errors carry a stable `code`, a `kind` and a user-facing message.
 * The HTTP edge maps each kind to a status in one exhaustive switch
 * (functions/lib/http/problem.ts), so a new kind without a mapping does not compile.
 */
export type ErrorKind =
  | 'bad_request'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'precondition_failed'
  | 'precondition_required'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'invalid';

export interface FieldError {
  /** Dotted path of the offending field, e.g. `feedback.budget`; `''` for the whole body. */
  field: string;
  code: string;
  message: string;
}

export class DomainError extends Error {
  override readonly name = 'DomainError';
  constructor(
    readonly kind: ErrorKind,
    readonly code: string,
    message: string,
    readonly details: { errors?: FieldError[]; [key: string]: unknown } = {},
  ) {
    super(message);
  }
}

export const notFound = (what: string, id: string) =>
  new DomainError('not_found', `${what}_not_found`, `${capitalise(what)} ${id} was not found.`);

export const invalid = (errors: FieldError[], message = 'The request has invalid fields.') =>
  new DomainError('invalid', 'validation_failed', message, { errors });

export const conflict = (code: string, message: string, details: Record<string, unknown> = {}) =>
  new DomainError('conflict', code, message, details);

export const forbidden = (code: string, message: string) => new DomainError('forbidden', code, message);

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
