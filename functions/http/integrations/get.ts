import { httpRoute } from '../../lib/http/route';
import { getConnection } from '../../lib/use-cases/integrations';
import { ConnectionIdParams, ConnectionView } from './schemas';

/** GET /v1/integrations/{id} */
export const handler = httpRoute({ summary: 'Get a connection', description: 'tenant_admin. Settings, state and hook URL; never a secret.', params: ConnectionIdParams, response: { status: 200, schema: ConnectionView } }, async ({ ctx, params }) => {
  const connection = await getConnection(ctx, params.id);
  return { body: connection, version: connection.version };
});
