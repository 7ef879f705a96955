import { ClientInput } from '../../../domain/clients/client';
import { ClientIdParams, etag } from '../../lib/http/params';
import { httpRoute } from '../../lib/http/route';
import { getServices } from '../../lib/services';
import { updateClient } from '../../lib/use-cases/clients';
import { contextOf, requireIfMatch } from '../../lib/use-cases/context';

const ClientPatch = ClientInput.partial().refine((p) => Object.keys(p).length > 0, { message: 'must change at least one field', when: (ctx) => ctx.issues.length === 0 });

export const handler = httpRoute({ params: ClientIdParams, body: ClientPatch }, async (input) => {
  const client = await updateClient(contextOf(input, getServices()), input.params.id, input.body, requireIfMatch(input.headers['if-match']));
  return { body: client, headers: { etag: etag(client.version) } };
});
