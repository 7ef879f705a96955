import { httpRoute } from '../../lib/http/route';
import { getDelivery } from '../../lib/use-cases/integrations';
import { Delivery, DeliveryParams } from './schemas';

/** GET /v1/integrations/{id}/deliveries/{deliveryId} */
export const handler = httpRoute({ summary: 'Get a delivery', description: 'tenant_admin. Its status, reason, counts and record outcomes.', params: DeliveryParams, response: { status: 200, schema: Delivery } }, async ({ ctx, params }) => {
  const d = await getDelivery(ctx, params.id, params.deliveryId);
  return { body: d, version: d.version };
});
