import { httpRoute } from '../../lib/http/route';
import { PageOf, pageBody } from '../../lib/http/params';
import { listDeliveries } from '../../lib/use-cases/integrations';
import { ConnectionIdParams, DeliveriesQuery, Delivery } from './schemas';

/** GET /v1/integrations/{id}/deliveries */
export const handler = httpRoute(
  {
    summary: 'The delivery log of a connection',
    description: 'tenant_admin. Newest first: when it arrived, the provider\'s delivery id, status (`queued`, `processed`, `failed`), the reason of a failure, what each record became. `status` filters. The raw payload is at `…/deliveries/{deliveryId}/payload`.',
    params: ConnectionIdParams,
    query: DeliveriesQuery,
    response: { status: 200, schema: PageOf(Delivery) },
  },
  async ({ ctx, params, query }) => {
    const { status, ...page } = query;
    return { body: pageBody(await listDeliveries(ctx, params.id, { ...page, ...(status && { status }) })) };
  },
);
