/**
 * Domain errors carry a stable `code`, a `kind` and a user-facing message. The kinds here are the
 * domain's own (a rule refused the input, the object is not there, a conflict, a forbidden action,
 * a stale version); transport kinds (malformed requests, tokens, media types) live at the edge
 * (functions/lib/http/errors.ts). The edge maps every kind of both to a status in one table
 * (functions/lib/http/problem.ts), so a new kind without a mapping does not compile.
 */
export type DomainErrorKind = 'invalid' | 'not_found' | 'conflict' | 'forbidden' | 'precondition_failed';

export interface FieldError {
  /** Dotted path of the offending field, e.g. `body.feedback.budget`; `''` for the whole body. */
  field: string;
  code: string;
  message: string;
}

/** Extension members of the problem response: field errors and facts such as `existingClientId`. */
export interface ErrorDetails {
  errors?: FieldError[];
  [key: string]: unknown;
}

export class DomainError extends Error {
  override readonly name = 'DomainError';
  constructor(
    readonly kind: DomainErrorKind,
    readonly code: string,
    message: string,
    readonly details: ErrorDetails = {},
    /** Seconds after which the same request may succeed (a lost race): sent as Retry-After. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

export const notFound = (what: string, id: string) =>
  new DomainError('not_found', `${what.replace(/\s+/g, '_')}_not_found`, `${capitalise(what)} ${id} was not found.`);

export const invalid = (errors: FieldError[], message = 'The request has invalid fields.') =>
  new DomainError('invalid', 'validation_failed', message, { errors });

/** One invalid field. */
export const invalidField = (field: string, code: string, message: string) => invalid([{ field, code, message }]);

export const conflict = (code: string, message: string, details: ErrorDetails = {}) =>
  new DomainError('conflict', code, message, details);

export const forbidden = (code: string, message: string) => new DomainError('forbidden', code, message);

/** The object changed since the caller read it: If-Match named an older version. */
export const staleVersion = (what: string, current?: number) =>
  new DomainError(
    'precondition_failed',
    'stale_version',
    `The ${what} changed since you read it${current === undefined ? '' : ` (now version ${current})`}; read it again and retry.`,
  );

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
