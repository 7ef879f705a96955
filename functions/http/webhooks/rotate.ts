import { httpRoute } from '../../lib/http/route';
import { rotateSecret } from '../../lib/use-cases/webhooks';
import { RotatedWebhookSecret, WebhookIdParams } from './schemas';

/** POST /v1/webhooks/{id}/rotate-secret */
export const handler = httpRoute(
  {
    summary: 'Rotate the signing secret',
    description: 'tenant_admin. A new signing secret, shown once. For 24 hours every delivery carries two signatures in `webhook-signature`, with the new and the previous secret, so the receiver can switch without refusing one.',
    params: WebhookIdParams,
    ifMatch: 'optional',
    response: { status: 200, schema: RotatedWebhookSecret },
  },
  async ({ ctx, params, expectedVersion }) => {
    const rotated = await rotateSecret(ctx, params.id, expectedVersion);
    return { body: rotated, version: rotated.webhook.version };
  },
);
