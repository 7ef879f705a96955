import { ClientInput } from '../../../domain/clients/client';
import { newClient } from '../../../domain/clients/new-client';
import { httpRoute } from '../../lib/http/route';
import { getServices, newId } from '../../lib/services';

export const handler = httpRoute({ body: ClientInput }, async ({ body, principal, now }) => {
  const client = newClient(body, { id: newId('c'), staffId: principal.staffId, now });
  await getServices().clients.create(principal.tenantId, client);
  return { status: 201, body: client, headers: { location: `/v1/clients/${client.id}`, etag: `"${client.version}"` } };
});
