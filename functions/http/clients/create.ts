import { Client, ClientInput } from '../../../domain/clients/client';
import { httpRoute } from '../../lib/http/route';
import { createClient, getClient } from '../../lib/use-cases/clients';

/** POST /v1/clients */
export const handler = httpRoute(
  {
    summary: 'Create a client',
    description: 'Phones are normalised to E.164 and emails lower-cased; a phone or email another client holds is a 409 naming that client.',
    body: ClientInput,
    idempotent: true,
    onReplay: (ctx, client) => getClient(ctx, client.id),
    response: { status: 201, schema: Client },
  },
  async ({ ctx, body }) => {
    const client = await createClient(ctx, body);
    return { body: client, version: client.version, headers: { location: `/v1/clients/${client.id}` } };
  },
);
