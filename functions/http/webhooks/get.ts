import { httpRoute } from '../../lib/http/route';
import { getWebhook } from '../../lib/use-cases/webhooks';
import { Webhook, WebhookIdParams } from './schemas';

/** GET /v1/webhooks/{id} */
export const handler = httpRoute(
  { summary: 'Get a webhook', description: 'tenant_admin. Its URL, events, state (why it is disabled, since when it fails) and when its secret was made; never the secret.', params: WebhookIdParams, response: { status: 200, schema: Webhook } },
  async ({ ctx, params }) => {
    const webhook = await getWebhook(ctx, params.id);
    return { body: webhook, version: webhook.version };
  },
);
