import { httpRoute } from '../../lib/http/route';
import { deleteConnection } from '../../lib/use-cases/integrations';
import { ConnectionIdParams } from './schemas';

/** DELETE /v1/integrations/{id} */
export const handler = httpRoute(
  { summary: 'Delete a connection', description: 'tenant_admin. Its secrets are deleted with it; its hook answers 404 from then on. Clients and deals it brought in stay.', params: ConnectionIdParams, ifMatch: 'optional', response: { status: 204 } },
  async ({ ctx, params, expectedVersion }) => {
    await deleteConnection(ctx, params.id, expectedVersion);
    return { body: undefined };
  },
);
