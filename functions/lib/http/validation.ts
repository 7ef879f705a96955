import type { z } from 'zod';
import { invalid } from '../../../domain/errors';
import { fieldErrorsOf } from '../../../domain/validation';

/** Parses with a schema or throws a 422 listing every offending field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, where?: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw invalid(fieldErrorsOf(result.error, where));
  return result.data;
}
