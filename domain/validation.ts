import type { z } from 'zod';
import { invalid, type FieldError } from './errors';

/** zod issues → field-level errors; `where` prefixes the path (body, query, path). */
export function fieldErrorsOf(error: z.ZodError, where?: string): FieldError[] {
  return error.issues.flatMap((issue): FieldError[] => {
    const base = [where, ...issue.path.map(String)].filter(Boolean).join('.');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ field: base ? `${base}.${key}` : key, code: 'unknown_field', message: 'is not a known field' }));
    }
    // A refinement may name its own code (`params: { code }`): `invalid_gstin` says more than `custom`.
    const code = issue.code === 'custom' && typeof issue.params?.code === 'string' ? issue.params.code : issue.code;
    return [{ field: base, code, message: issue.message }];
  });
}

/** Parses with a schema or throws a 422 listing every offending field (`where` prefixes the paths). */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, where?: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw invalid(fieldErrorsOf(result.error, where));
  return result.data;
}
