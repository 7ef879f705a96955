import { Client, ClientPatch } from '../../../domain/clients/client';
import { ClientIdParams } from '../../lib/http/params';
import { httpRoute } from '../../lib/http/route';
import { updateClient } from '../../lib/use-cases/clients';

/** PATCH /v1/clients/{id} */
export const handler = httpRoute(
  { summary: 'Edit a client', params: ClientIdParams, body: ClientPatch, ifMatch: 'required', response: { status: 200, schema: Client } },
  async ({ ctx, params, body, expectedVersion }) => {
    const client = await updateClient(ctx, params.id, body, expectedVersion);
    return { body: client, version: client.version };
  },
);
