import { ClientInput } from '../../../domain/clients/client';
import { etag } from '../../lib/http/params';
import { httpRoute } from '../../lib/http/route';
import { getServices } from '../../lib/services';
import { createClient } from '../../lib/use-cases/clients';
import { contextOf } from '../../lib/use-cases/context';

export const handler = httpRoute({ body: ClientInput, idempotent: true }, async (input) => {
  const client = await createClient(contextOf(input, getServices()), input.body);
  return { status: 201, body: client, headers: { location: `/v1/clients/${client.id}`, etag: etag(client.version) } };
});
