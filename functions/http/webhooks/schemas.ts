import { z } from 'zod';
import { WebhookDelivery, WebhookDeliveryStatus } from '../../../domain/webhooks/delivery';
import { Webhook, WebhookInput, WebhookPatch } from '../../../domain/webhooks/subscription';
import { IsoDateTime } from '../../../domain/shared/schemas';
import { idPatterns } from '../../lib/ids';
import { PageQuery } from '../../lib/http/params';
import { BULK_STATUSES } from '../../lib/use-cases/webhooks';

export const WebhookIdParams = z.strictObject({ id: z.string().regex(idPatterns.webhook, 'is not a webhook id') });
export const WebhookDeliveryParams = WebhookIdParams.extend({ deliveryId: z.string().regex(idPatterns.webhookDelivery, 'is not a webhook delivery id') });

export const WebhookDeliveriesQuery = PageQuery.extend({
  status: WebhookDeliveryStatus.optional(),
  /** An event name, exactly (`opportunity.stage_changed`, `webhook.ping`). */
  event: z
    .string()
    .max(100, 'must be at most 100 characters')
    .regex(/^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$/, 'must be an event name, like opportunity.stage_changed')
    .optional(),
});

export const CreatedWebhook = Webhook.extend({
  /** The signing secret (`whsec_…`): shown this once, never again. */
  secret: z.string(),
}).meta({ id: 'CreatedWebhook' });

export const RotatedWebhookSecret = z
  .object({
    webhook: Webhook,
    /** The new signing secret: shown this once. */
    secret: z.string(),
    /** Deliveries carry a second signature, with the previous secret, until then (24 h). */
    previousSecretExpiresAt: z.string().optional(),
  })
  .meta({ id: 'RotatedWebhookSecret' });

export const PingQueued = z.object({ deliveryId: z.string() }).meta({ id: 'WebhookPingQueued' });

export const RedeliverSince = z.strictObject({
  /** Deliveries made since then (at most 30 days ago). */
  since: IsoDateTime,
  /** Only these; both when absent. */
  status: z.enum(BULK_STATUSES).optional(),
});

export const BulkRedelivered = z
  .object({
    /** Deliveries queued again (at most 1000 a call). */
    queued: z.int(),
    /** More matched than were queued: call again (those queued are pending now, so it takes the next ones). */
    more: z.boolean(),
  })
  .meta({ id: 'WebhookBulkRedelivery' });

export { Webhook, WebhookDelivery, WebhookInput, WebhookPatch };
