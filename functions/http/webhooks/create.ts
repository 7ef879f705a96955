import { httpRoute } from '../../lib/http/route';
import { createWebhook } from '../../lib/use-cases/webhooks';
import { CreatedWebhook, WebhookInput } from './schemas';

/** POST /v1/webhooks */
export const handler = httpRoute(
  {
    summary: 'Subscribe a URL to events',
    description:
      'tenant_admin. `url`: https, to a public host (http to loopback under `npm start` only); `events`: catalogue event names (`opportunity.stage_changed`), entity wildcards (`opportunity.*`) or `*`, each matching at least one event of the catalogue; `description`; `enabled` (default true). The answer carries the signing `secret` (`whsec_…`), shown once: deliveries are signed with it by the Standard Webhooks scheme (`webhook-id`, `webhook-timestamp`, `webhook-signature`). This create takes no Idempotency-Key (a replayed answer would show the secret again): a retry makes a second webhook, which can be deleted.',
    body: WebhookInput,
    // Not idempotent by key on purpose, as POST /v1/integrations (#13): a stored answer would
    // keep the secret 24 h in the idempotency table and show it to every replay.
    response: { status: 201, schema: CreatedWebhook },
  },
  async ({ ctx, body }) => {
    const { webhook, secret } = await createWebhook(ctx, body);
    return { body: { ...webhook, secret }, version: webhook.version, headers: { location: `/v1/webhooks/${webhook.id}` } };
  },
);
