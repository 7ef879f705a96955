import { ClientIdParams, etag } from '../../lib/http/params';
import { httpRoute } from '../../lib/http/route';
import { getServices } from '../../lib/services';
import { visibleClient } from '../../lib/use-cases/clients';
import { contextOf } from '../../lib/use-cases/context';

export const handler = httpRoute({ params: ClientIdParams }, async (input) => {
  const { client } = await visibleClient(contextOf(input, getServices()), input.params.id, 'client:read');
  return { body: client, headers: { etag: etag(client.version) } };
});
