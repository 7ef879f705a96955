import { httpRoute } from '../../lib/http/route';
import { updateWebhook } from '../../lib/use-cases/webhooks';
import { Webhook, WebhookIdParams, WebhookPatch } from './schemas';

/** PATCH /v1/webhooks/{id} */
export const handler = httpRoute(
  {
    summary: 'Change a webhook',
    description: 'tenant_admin. Any of `url`, `events`, `description` (checked as on creation) and `enabled`: disabling records `disabledReason: admin`; enabling a webhook again clears why it was off and its failure streak (the 3 days start over).',
    params: WebhookIdParams,
    body: WebhookPatch,
    ifMatch: 'required',
    response: { status: 200, schema: Webhook },
  },
  async ({ ctx, params, body, expectedVersion }) => {
    const webhook = await updateWebhook(ctx, params.id, body, expectedVersion);
    return { body: webhook, version: webhook.version };
  },
);
