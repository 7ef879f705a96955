import { z } from 'zod';
import { Client } from '../../../domain/clients/client';
import { MergeInput } from '../../../domain/clients/merge';
import { ClientIdParams } from '../../lib/http/params';
import { httpRoute } from '../../lib/http/route';
import { mergeClients } from '../../lib/use-cases/merge';

const MergeResult = z
  .object({
    survivor: Client,
    /** The clients merged: their ids now read as the survivor, and writes to them are refused (409 `client_merged`). */
    merged: z.array(z.string()),
    /** Opportunities closed Lost with reason `merged`: the less advanced of two open ones for one product. */
    closed: z.array(z.string()),
    /** What this request moved (a repeat of a finished merge moves nothing). */
    moved: z.object({ opportunities: z.int(), events: z.int() }),
  })
  .meta({ id: 'MergeResult' });

/** POST /v1/clients/{id}/merge */
export const handler = httpRoute(
  {
    summary: 'Merge duplicate clients into this one',
    description:
      'Managers (their team’s clients and deals) and admins. The clients in `from` become aliases of this one: their opportunities (ids unchanged), events, contact points (phone, email, GSTIN, external ids) and image move here; two open opportunities for one product keep the more advanced and close the other Lost with reason `merged`, history kept. One `client.merged` event per client; audited. Safe to repeat: an interrupted merge carries on, a finished one changes nothing. 403 `merge_out_of_scope` when a merged client has deals outside your scope; 409 `client_merged` when this client was itself merged.',
    params: ClientIdParams,
    body: MergeInput,
    idempotent: true,
    response: { status: 200, schema: MergeResult },
  },
  async ({ ctx, params, body }) => {
    const result = await mergeClients(ctx, params.id, body);
    return { body: result, version: result.survivor.version };
  },
);
