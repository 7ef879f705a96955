import { httpRoute } from '../../lib/http/route';
import { replayDelivery } from '../../lib/use-cases/integrations';
import { Delivery, DeliveryParams } from './schemas';

/** POST /v1/integrations/{id}/deliveries/{deliveryId}/replay */
export const handler = httpRoute(
  {
    summary: 'Replay a failed delivery',
    description: 'tenant_admin. Processes the stored payload again (after fixing the item map, a product, the assignment rules): records already applied change nothing the second time. A processed delivery is 409 `already_processed`.',
    params: DeliveryParams,
    response: { status: 202, schema: Delivery },
  },
  async ({ ctx, params }) => ({ body: await replayDelivery(ctx, params.id, params.deliveryId) }),
);
