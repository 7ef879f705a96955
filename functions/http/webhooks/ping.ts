import { httpRoute } from '../../lib/http/route';
import { pingWebhook } from '../../lib/use-cases/webhooks';
import { PingQueued, WebhookIdParams } from './schemas';

/** POST /v1/webhooks/{id}/ping */
export const handler = httpRoute(
  {
    summary: 'Send a test ping',
    description: 'tenant_admin. Queues a delivery of a `webhook.ping` event (`data`: `{webhookId, at}`) to this webhook, signed and retried like any other; follow it in the delivery log. A disabled webhook is 409 `webhook_disabled`.',
    params: WebhookIdParams,
    response: { status: 202, schema: PingQueued },
  },
  async ({ ctx, params }) => ({ body: await pingWebhook(ctx, params.id) }),
);
