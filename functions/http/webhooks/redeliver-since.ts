import { httpRoute } from '../../lib/http/route';
import { redeliverSince } from '../../lib/use-cases/webhooks';
import { BulkRedelivered, RedeliverSince, WebhookIdParams } from './schemas';

/** POST /v1/webhooks/{id}/redeliver */
export const handler = httpRoute(
  {
    summary: 'Redeliver the failures since a time',
    description:
      'tenant_admin. Every delivery made since `since` (ISO-8601, at most 30 days ago) that `failed` or was `exhausted` (or only one of them: `status`) is sent again, oldest first — at most 1000 a call: `more: true` says others are left, and calling again takes them. `queued` counts those queued.',
    params: WebhookIdParams,
    body: RedeliverSince,
    response: { status: 202, schema: BulkRedelivered },
  },
  async ({ ctx, params, body }) => ({ body: await redeliverSince(ctx, params.id, { since: body.since, ...(body.status && { status: body.status }) }) }),
);
