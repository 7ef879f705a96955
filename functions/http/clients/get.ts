import { Client } from '../../../domain/clients/client';
import { ClientIdParams } from '../../lib/http/params';
import { httpRoute } from '../../lib/http/route';
import { getClient } from '../../lib/use-cases/clients';

/** GET /v1/clients/{id} */
export const handler = httpRoute({ summary: 'Read a client', params: ClientIdParams, response: { status: 200, schema: Client } }, async ({ ctx, params }) => {
  const client = await getClient(ctx, params.id);
  return { body: client, version: client.version };
});
