import { z } from 'zod';
import type { Excerpt as ExcerptShape } from './excerpt';

/**
 * One event's delivery to one subscription (issue #15), as the delivery log shows it: what is
 * sent (the same `body` and `webhook-id` every attempt), its status and the attempts made.
 *
 * `pending` — queued, no attempt made yet (or queued again by a redelivery); `retrying` — an
 * attempt failed, the next one is at `nextAttemptAt`; `delivered` — a 2xx; `failed` — an answer
 * that is not retried (4xx other than 408/429/410, a refused address, a payload too large);
 * `exhausted` — every attempt failed; `gone` — the receiver answered 410 (the endpoint is off).
 */
export const WebhookDeliveryStatus = z.enum(['pending', 'retrying', 'delivered', 'failed', 'exhausted', 'gone']);
export type WebhookDeliveryStatus = z.infer<typeof WebhookDeliveryStatus>;

/** The attempts kept on a delivery: the last ten (`attemptCount` counts them all). */
export const KEPT_ATTEMPTS = 10;
/** Days a delivery stays in the log after its last change (the table's TTL). */
export const WEBHOOK_DELIVERY_DAYS = 30;
/** A bulk redelivery reaches back at most this far (what the log still holds), and queues at most this many. */
export const REDELIVER_WINDOW_DAYS = 30;
export const REDELIVER_MAX = 1000;

/** domain/webhooks/excerpt.ts's Excerpt, as a schema. */
const Excerpt = z.object({ text: z.string(), truncated: z.boolean() }) satisfies z.ZodType<ExcerptShape>;

export const WebhookAttempt = z
  .object({
    /** 1 for the first attempt; counts on across redeliveries. */
    n: z.int().positive(),
    at: z.string(),
    durationMs: z.int().nonnegative(),
    /** `delivered`, `retry` (network error, timeout, 408, 429, 5xx), `gone` (410), `failed` (not retried). */
    outcome: z.enum(['delivered', 'retry', 'gone', 'failed']),
    /** The receiver's HTTP status, when it answered. */
    status: z.int().optional(),
    /** Why there was no answer: `timeout`, `network_error`, `unsafe_url`, `too_large`, with detail. */
    error: z.string().optional(),
    /** The first 1 KB of the receiver's answer. */
    excerpt: Excerpt.optional(),
  })
  .meta({ id: 'WebhookAttempt' });
export type WebhookAttempt = z.infer<typeof WebhookAttempt>;

export const WebhookDelivery = z
  .object({
    id: z.string(),
    webhookId: z.string(),
    /** The catalogue event delivered (`webhook.ping` for a test ping). */
    eventId: z.string(),
    eventType: z.string(),
    /** The `webhook-id` header: the same for every attempt and redelivery. */
    messageId: z.string(),
    /** The exact JSON sent (and signed). */
    body: z.string(),
    status: WebhookDeliveryStatus,
    /** The last KEPT_ATTEMPTS attempts, oldest first. */
    attempts: z.array(WebhookAttempt),
    attemptCount: z.int().nonnegative(),
    nextAttemptAt: z.string().optional(),
    createdAt: z.string(),
    updatedAt: z.string(),
    version: z.int().positive(),
  })
  .meta({ id: 'WebhookDelivery' });
export type WebhookDelivery = z.infer<typeof WebhookDelivery>;

/** The attempts to keep after one more: the last KEPT_ATTEMPTS. */
export const withAttempt = (attempts: readonly WebhookAttempt[], next: WebhookAttempt): WebhookAttempt[] => [...attempts, next].slice(-KEPT_ATTEMPTS);

/**
 * A delivery queued again (an admin's redelivery): pending, no next attempt scheduled, the same
 * body and `webhook-id`; its attempts so far stay in the log.
 */
export function redelivered(d: WebhookDelivery, now: Date): WebhookDelivery {
  const { nextAttemptAt: _next, ...rest } = d;
  return { ...rest, status: 'pending', updatedAt: now.toISOString(), version: d.version + 1 };
}
