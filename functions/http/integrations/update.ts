import { httpRoute } from '../../lib/http/route';
import { updateConnection } from '../../lib/use-cases/integrations';
import { ConnectionIdParams, ConnectionPatch, ConnectionView } from './schemas';

/** PATCH /v1/integrations/{id} */
export const handler = httpRoute(
  {
    summary: 'Change a connection',
    description: 'tenant_admin. `name`, `settings` (replaced whole, validated as on creation), `secrets` (the named ones replaced, `null` removes one; write-only), `enabled` (a disabled connection\'s hook answers 404 and stores nothing).',
    params: ConnectionIdParams,
    body: ConnectionPatch,
    ifMatch: 'required',
    response: { status: 200, schema: ConnectionView },
  },
  async ({ ctx, params, body, expectedVersion }) => {
    const connection = await updateConnection(ctx, params.id, body, expectedVersion);
    return { body: connection, version: connection.version };
  },
);
