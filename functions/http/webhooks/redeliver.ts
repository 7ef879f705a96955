import { httpRoute } from '../../lib/http/route';
import { redeliver } from '../../lib/use-cases/webhooks';
import { WebhookDelivery, WebhookDeliveryParams } from './schemas';

/** POST /v1/webhooks/{id}/deliveries/{deliveryId}/redeliver */
export const handler = httpRoute(
  {
    summary: 'Redeliver a delivery',
    description: 'tenant_admin. Any delivery, whatever its status, sent again now: `pending`, the same body and `webhook-id` (receivers dedupe on it), with a fresh timestamp and signature; its earlier attempts stay in the log. A disabled webhook is 409 `webhook_disabled`.',
    params: WebhookDeliveryParams,
    response: { status: 202, schema: WebhookDelivery },
  },
  async ({ ctx, params }) => ({ body: await redeliver(ctx, params.id, params.deliveryId) }),
);
