import { z } from 'zod';
import { notFound } from '../../../domain/errors';
import { httpRoute } from '../../lib/http/route';
import { getServices } from '../../lib/services';

export const ClientIdParams = z.strictObject({ id: z.string().regex(/^c_[0-9a-z]{26}$/, 'is not a client id') });

export const handler = httpRoute({ params: ClientIdParams }, async ({ params, principal }) => {
  const client = await getServices().clients.get(principal.tenantId, params.id);
  if (!client) throw notFound('client', params.id);
  return { body: client, headers: { etag: `"${client.version}"` } };
});
