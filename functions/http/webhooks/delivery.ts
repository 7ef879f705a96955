import { httpRoute } from '../../lib/http/route';
import { getDelivery } from '../../lib/use-cases/webhooks';
import { WebhookDelivery, WebhookDeliveryParams } from './schemas';

/** GET /v1/webhooks/{id}/deliveries/{deliveryId} */
export const handler = httpRoute(
  { summary: 'Get a webhook delivery', description: 'tenant_admin. Its body, status and attempts.', params: WebhookDeliveryParams, response: { status: 200, schema: WebhookDelivery } },
  async ({ ctx, params }) => {
    const d = await getDelivery(ctx, params.id, params.deliveryId);
    return { body: d, version: d.version };
  },
);
