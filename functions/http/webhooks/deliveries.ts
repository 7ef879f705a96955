import { httpRoute } from '../../lib/http/route';
import { PageOf, pageBody } from '../../lib/http/params';
import { listDeliveries } from '../../lib/use-cases/webhooks';
import { WebhookDeliveriesQuery, WebhookDelivery, WebhookIdParams } from './schemas';

/** GET /v1/webhooks/{id}/deliveries */
export const handler = httpRoute(
  {
    summary: 'The delivery log of a webhook',
    description:
      'tenant_admin. Newest first, 30 days: the event, the `webhook-id` sent (`messageId`), the body, the status (`pending`, `retrying`, `delivered`, `failed`, `exhausted`, `gone`), when the next attempt is, and the last 10 attempts — each with its time, duration, outcome, the receiver\'s status or the error, and the first 1 KB of its answer. `status` and `event` (an exact event name) filter.',
    params: WebhookIdParams,
    query: WebhookDeliveriesQuery,
    response: { status: 200, schema: PageOf(WebhookDelivery) },
  },
  async ({ ctx, params, query }) => {
    const { status, event, ...page } = query;
    return { body: pageBody(await listDeliveries(ctx, params.id, { ...page, ...(status && { status }), ...(event && { eventType: event }) })) };
  },
);
