import { httpRoute } from '../../lib/http/route';
import { deliveryPayload } from '../../lib/use-cases/integrations';
import { DeliveryParams, DeliveryPayload } from './schemas';

/** GET /v1/integrations/{id}/deliveries/{deliveryId}/payload */
export const handler = httpRoute(
  { summary: 'The raw payload of a delivery', description: 'tenant_admin. Exactly the bytes received (UTF-8 text, or base64 when they are not), with their content type.', params: DeliveryParams, response: { status: 200, schema: DeliveryPayload } },
  async ({ ctx, params }) => ({ body: await deliveryPayload(ctx, params.id, params.deliveryId) }),
);
