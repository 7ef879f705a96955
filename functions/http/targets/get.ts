import { httpRoute } from '../../lib/http/route';
import { getTargets } from '../../lib/use-cases/targets';
import { TargetsDocument } from './schemas';

/** GET /v1/config/targets */
export const handler = httpRoute({ summary: 'The tenant’s targets', description: 'The version in force today and every version, oldest first.', response: { status: 200, schema: TargetsDocument } }, async ({ ctx }) => {
  const targets = await getTargets(ctx);
  return { body: targets.value, version: targets.version };
});
