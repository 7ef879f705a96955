import { httpRoute } from '../../lib/http/route';
import { getDedup } from '../../lib/use-cases/config';
import { DedupDocument } from './schemas';

/** GET /v1/config/dedup */
export const handler = httpRoute({ summary: 'The duplicate rules', response: { status: 200, schema: DedupDocument } }, async ({ ctx }) => {
  const dedup = await getDedup(ctx);
  return { body: { dedup: dedup.value }, version: dedup.version };
});
