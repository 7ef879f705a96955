import type { z } from 'zod';
import type { FieldError } from './errors';

/** zod issues → field-level errors; `where` prefixes the path (body, query, path). */
export function fieldErrorsOf(error: z.ZodError, where?: string): FieldError[] {
  return error.issues.flatMap((issue): FieldError[] => {
    const base = [where, ...issue.path.map(String)].filter(Boolean).join('.');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ field: base ? `${base}.${key}` : key, code: 'unknown_field', message: 'is not a known field' }));
    }
    return [{ field: base, code: issue.code, message: issue.message }];
  });
}
