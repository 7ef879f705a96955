import { httpRoute } from '../../lib/http/route';
import { deleteWebhook } from '../../lib/use-cases/webhooks';
import { WebhookIdParams } from './schemas';

/** DELETE /v1/webhooks/{id} */
export const handler = httpRoute(
  { summary: 'Delete a webhook', description: 'tenant_admin. Its signing secrets are deleted with it and nothing more is sent to it; its delivery log expires with its 30 days.', params: WebhookIdParams, ifMatch: 'optional', response: { status: 204 } },
  async ({ ctx, params, expectedVersion }) => {
    await deleteWebhook(ctx, params.id, expectedVersion);
    return { body: undefined };
  },
);
