import { httpRoute } from '../../lib/http/route';
import { putDedup } from '../../lib/use-cases/config';
import { DedupDocument, DedupReplacement } from './schemas';

/** PUT /v1/config/dedup */
export const handler = httpRoute(
  {
    summary: 'Replace the duplicate rules',
    description:
      'tenant_admin. `fuzzy`: `warn` (a new client like an existing one is created, and the matches come back in `possibleDuplicates`) or `block` (409 `possible_duplicate`). A phone, email or GSTIN another client holds is refused either way.',
    body: DedupReplacement,
    ifMatch: 'required',
    response: { status: 200, schema: DedupDocument },
  },
  async ({ ctx, body, expectedVersion }) => {
    const dedup = await putDedup(ctx, body.dedup, expectedVersion);
    return { body: { dedup: dedup.value }, version: dedup.version };
  },
);
