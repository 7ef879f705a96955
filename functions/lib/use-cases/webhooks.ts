import { randomBytes } from 'node:crypto';
import { authorize } from '../../../domain/access/policy';
import type { AuditEntry } from '../../../domain/audit/audit';
import { conflict, DomainError, invalidField, notFound } from '../../../domain/errors';
import type { ConnectionSecrets } from '../../../domain/integrations/connection';
import { REDELIVER_MAX, REDELIVER_WINDOW_DAYS, redelivered, type WebhookDelivery, type WebhookDeliveryStatus } from '../../../domain/webhooks/delivery';
import { webhookBody } from '../../../domain/webhooks/payload';
import { newWebhookSecret, rotateWebhookSecret, webhookMessageId, type WebhookSecrets } from '../../../domain/webhooks/signing';
import { applyPatch, checkWebhookInput, checkWebhookPatch, type CheckContext, type Webhook } from '../../../domain/webhooks/subscription';
import type { DomainEvent } from '../../../events/contract';
import { catalog } from '../../../events/catalog';
import { ids } from '../ids';
import { assertVersion, auditOf, tenantConfig, type UseCaseContext } from './context';
import type { Page, PageRequest } from './ports';

/**
 * Outbound webhook subscriptions (DESIGN §12, issue #15; `/v1/webhooks`, tenant admins): an https
 * URL and the catalogue events it takes; a signing secret (`whsec_…`) we make, shown once on
 * creation and on rotation, kept in the secret store under the webhook's id and never answered
 * again; the delivery log, a test ping, and redeliveries. The delivery engine (fan-out, sender,
 * retries) reads the same store; a queued delivery is sent by it.
 */

/** The catalogue's event names, each once (audit.recorded has several versions; each entry is published in one). */
export const catalogueNames: readonly string[] = [...new Set(catalog.map((c) => c.name))];

/** The synthetic event a ping delivers: not in the catalogue, never fanned out, sent to the one webhook asked. */
export const PING_EVENT = 'webhook.ping';

/** `npm start` and the tests (scripts/local/stack.ts) allow http to loopback; never set in AWS. */
const allowLoopbackHttp = () => process.env.WEBHOOKS_ALLOW_LOOPBACK === '1';
const checkContext = (): CheckContext => ({ allowLoopbackHttp: allowLoopbackHttp(), catalogueNames });

// ── secrets ──

/** The secret store holds strings by name: the domain's secrets flattened into `values`. */
export const storedSecrets = (s: WebhookSecrets): ConnectionSecrets => ({
  values: { current: s.current, ...(s.previous !== undefined && { previous: s.previous }), ...(s.previousExpiresAt !== undefined && { previousExpiresAt: s.previousExpiresAt }) },
});

/** A webhook's signing secrets as stored (undefined when none: the webhook was deleted, or its secret never written). */
export function webhookSecretsOf(stored: ConnectionSecrets | undefined): WebhookSecrets | undefined {
  const v = stored?.values;
  if (!v?.current) return undefined;
  return { current: v.current, ...(v.previous && { previous: v.previous }), ...(v.previousExpiresAt && { previousExpiresAt: v.previousExpiresAt }) };
}

// ── subscriptions ──

const audit = (ctx: UseCaseContext, id: string, action: AuditEntry['action'], before: unknown, after: unknown) => auditOf(ctx, 'webhook', id, action, before, after);

async function webhookOf(ctx: UseCaseContext, id: string): Promise<Webhook> {
  authorize(ctx.actor, 'webhook:manage');
  await tenantConfig(ctx);
  const w = await ctx.services.webhooks.getWebhook(ctx.actor.tenantId, id);
  if (!w) throw notFound('webhook', id);
  return w;
}

/** At most this many webhooks per tenant (`WEBHOOKS_PER_TENANT`, default 25). */
const maxWebhooks = () => Math.max(1, Number(process.env.WEBHOOKS_PER_TENANT) || 25);

export async function createWebhook(ctx: UseCaseContext, raw: unknown): Promise<{ webhook: Webhook; secret: string }> {
  authorize(ctx.actor, 'webhook:manage');
  await tenantConfig(ctx);
  const input = checkWebhookInput(raw, checkContext());
  // Every matching event makes a delivery per webhook: a tenant's endpoints are bounded (HubSpot and Stripe bound theirs too).
  const max = maxWebhooks();
  const existing = await ctx.services.webhooks.listWebhooks(ctx.actor.tenantId, { limit: max });
  if (existing.items.length >= max) throw conflict('too_many_webhooks', `A tenant has at most ${max} webhooks: delete one you no longer use (or subscribe one endpoint to more events).`);
  const secret = newWebhookSecret(randomBytes(32));
  const at = ctx.now.toISOString();
  const w: Webhook = {
    id: ids.webhook(),
    url: input.url,
    events: input.events,
    description: input.description,
    enabled: input.enabled,
    ...(!input.enabled && { disabledReason: 'admin' as const, disabledAt: at }),
    secretCreatedAt: at,
    createdBy: ctx.actor.staffId,
    createdAt: at,
    updatedBy: ctx.actor.staffId,
    updatedAt: at,
    version: 1,
  };
  // The secret first: a webhook never exists that cannot sign what it is sent.
  await ctx.services.secrets.put(ctx.actor.tenantId, w.id, storedSecrets({ current: secret }));
  await ctx.services.webhooks.createWebhook(ctx.actor.tenantId, w, audit(ctx, w.id, 'created', undefined, w));
  return { webhook: w, secret };
}

export const getWebhook = (ctx: UseCaseContext, id: string): Promise<Webhook> => webhookOf(ctx, id);

export async function listWebhooks(ctx: UseCaseContext, page: PageRequest): Promise<Page<Webhook>> {
  authorize(ctx.actor, 'webhook:manage');
  await tenantConfig(ctx);
  return ctx.services.webhooks.listWebhooks(ctx.actor.tenantId, page);
}

/** Any of url, events, description, enabled; enabling one again clears why it was off (and the failure streak). */
export async function updateWebhook(ctx: UseCaseContext, id: string, raw: unknown, expectedVersion: number): Promise<Webhook> {
  const before = await webhookOf(ctx, id);
  const patch = checkWebhookPatch(raw, checkContext());
  assertVersion(before.version, expectedVersion, 'webhook');
  const after = applyPatch(before, patch, ctx.actor.staffId, ctx.now);
  await ctx.services.webhooks.saveWebhook(ctx.actor.tenantId, before, after, audit(ctx, id, 'updated', before, after));
  return after;
}

/** The webhook and its secrets; its deliveries leave the log with their TTL, and queued ones find no webhook to send to. */
export async function deleteWebhook(ctx: UseCaseContext, id: string, expectedVersion: number | undefined): Promise<void> {
  const before = await webhookOf(ctx, id);
  assertVersion(before.version, expectedVersion, 'webhook');
  await ctx.services.webhooks.deleteWebhook(ctx.actor.tenantId, before, audit(ctx, id, 'deleted', before, undefined));
  await ctx.services.secrets.delete(ctx.actor.tenantId, id);
}

/** Longer than any API request lives: a rotation's secret write not seen by then never will be. */
const ROTATION_WRITE_MS = 60_000;

/** A new signing secret, shown once; the previous one keeps signing (a second signature) for 24 h. */
export async function rotateSecret(ctx: UseCaseContext, id: string, expectedVersion: number | undefined): Promise<{ webhook: Webhook; secret: string; previousSecretExpiresAt?: string }> {
  const before = await webhookOf(ctx, id);
  assertVersion(before.version, expectedVersion, 'webhook');
  const stored = webhookSecretsOf(await ctx.services.secrets.get(ctx.actor.tenantId, id));
  // The record is saved before the secret is written: a record whose overlap differs from the
  // store's is a rotation whose secret write is still in flight. Going ahead would let that write
  // land after ours and undo it (this answer's secret never signing; found by a probe), unless it
  // is older than any request lives (that write died with its request).
  if (stored && stored.previousExpiresAt !== before.previousSecretExpiresAt && ctx.now.getTime() - Date.parse(before.secretCreatedAt) < ROTATION_WRITE_MS) {
    throw new DomainError('conflict', 'rotation_in_progress', `Webhook ${id}'s secret is being rotated by another request; retry in a few seconds.`, {}, 2);
  }
  const secret = newWebhookSecret(randomBytes(32));
  // Without a stored secret (never written, or lost) there is nothing to keep signing.
  const secrets: WebhookSecrets = stored ? rotateWebhookSecret(stored, secret, ctx.now) : { current: secret };
  const { previousSecretExpiresAt: _overlapBefore, ...rest } = before;
  const overlap = secrets.previousExpiresAt !== undefined ? { previousSecretExpiresAt: secrets.previousExpiresAt } : {};
  const after: Webhook = { ...rest, secretCreatedAt: ctx.now.toISOString(), ...overlap, updatedBy: ctx.actor.staffId, updatedAt: ctx.now.toISOString(), version: before.version + 1 };
  // The record first (a losing rotation changes no secret), then the secret.
  await ctx.services.webhooks.saveWebhook(ctx.actor.tenantId, before, after, audit(ctx, id, 'secret_rotated', before, after));
  await ctx.services.secrets.put(ctx.actor.tenantId, id, storedSecrets(secrets));
  return { webhook: after, secret, ...overlap };
}

// ── deliveries ──

/** A delivery of `event` to `webhookId`, pending, before its first attempt. */
export function newDelivery(webhookId: string, event: DomainEvent, now: Date): WebhookDelivery {
  const at = now.toISOString();
  return {
    id: ids.webhookDelivery(),
    webhookId,
    eventId: event.eventId,
    eventType: event.type,
    messageId: webhookMessageId(webhookId, event.eventId),
    body: webhookBody(event),
    status: 'pending',
    attempts: [],
    attemptCount: 0,
    createdAt: at,
    updatedAt: at,
    version: 1,
  };
}

const enabledOrRefuse = (w: Webhook, what: string) => {
  if (!w.enabled) throw conflict('webhook_disabled', `Webhook ${w.id} is disabled${w.disabledReason ? ` (${w.disabledReason})` : ''}: enable it (PATCH {"enabled": true}) before ${what}.`);
};

/** A synthetic `webhook.ping` {webhookId, at}, delivered to this webhook alone, queued now. */
export async function pingWebhook(ctx: UseCaseContext, id: string): Promise<{ deliveryId: string }> {
  const w = await webhookOf(ctx, id);
  enabledOrRefuse(w, 'a ping');
  const at = ctx.now.toISOString();
  const event: DomainEvent = { eventId: `ping_${ids.audit()}`, type: PING_EVENT, version: 1, tenantId: ctx.actor.tenantId, entity: 'webhook', entityId: id, occurredAt: at, actor: ctx.actor.staffId, data: { webhookId: id, at } };
  const { delivery } = await ctx.services.webhooks.createDelivery(ctx.actor.tenantId, newDelivery(id, event, ctx.now));
  await ctx.services.webhookQueue.send({ tenantId: ctx.actor.tenantId, webhookId: id, deliveryId: delivery.id });
  await ctx.services.webhooks.recordAudit(ctx.actor.tenantId, audit(ctx, id, 'pinged', undefined, { deliveryId: delivery.id }));
  return { deliveryId: delivery.id };
}

export async function listDeliveries(ctx: UseCaseContext, id: string, q: PageRequest & { status?: WebhookDeliveryStatus; eventType?: string }): Promise<Page<WebhookDelivery>> {
  await webhookOf(ctx, id);
  return ctx.services.webhooks.listDeliveries(ctx.actor.tenantId, id, q);
}

async function deliveryOf(ctx: UseCaseContext, w: Webhook, deliveryId: string): Promise<WebhookDelivery> {
  const d = await ctx.services.webhooks.getDelivery(ctx.actor.tenantId, w.id, deliveryId);
  if (!d) throw notFound('delivery', deliveryId);
  return d;
}

export async function getDelivery(ctx: UseCaseContext, id: string, deliveryId: string): Promise<WebhookDelivery> {
  return deliveryOf(ctx, await webhookOf(ctx, id), deliveryId);
}

/** Any delivery sent again, now: pending, the same body and `webhook-id` (receivers dedupe on it), its attempts kept. */
export async function redeliver(ctx: UseCaseContext, id: string, deliveryId: string): Promise<WebhookDelivery> {
  const w = await webhookOf(ctx, id);
  const before = await deliveryOf(ctx, w, deliveryId);
  enabledOrRefuse(w, 'redelivering');
  const after = redelivered(before, ctx.now);
  if (!(await ctx.services.webhooks.saveDelivery(ctx.actor.tenantId, before, after))) {
    throw new DomainError('conflict', 'concurrent_update', 'The delivery changed meanwhile (an attempt was being made); read it again and retry.', {}, 1);
  }
  await ctx.services.webhookQueue.send({ tenantId: ctx.actor.tenantId, webhookId: id, deliveryId });
  await ctx.services.webhooks.recordAudit(ctx.actor.tenantId, audit(ctx, id, 'redelivered', { deliveryIds: [deliveryId], status: before.status }, { deliveryIds: [deliveryId], status: after.status }));
  return after;
}

export const BULK_STATUSES = ['failed', 'exhausted'] as const satisfies readonly WebhookDeliveryStatus[];

/**
 * Every failed (and/or exhausted) delivery made since `since` (at most 30 days ago: the log holds
 * no more) queued again, oldest first, at most REDELIVER_MAX a call: `more` says others are left
 * (call again: those queued are pending now, so the next call takes the rest).
 */
export async function redeliverSince(ctx: UseCaseContext, id: string, q: { since: string; status?: (typeof BULK_STATUSES)[number] }): Promise<{ queued: number; more: boolean }> {
  const w = await webhookOf(ctx, id);
  const earliest = ctx.now.getTime() - REDELIVER_WINDOW_DAYS * 86_400_000;
  if (Date.parse(q.since) < earliest) throw invalidField('body.since', 'too_old', `must be at most ${REDELIVER_WINDOW_DAYS} days ago (deliveries are kept ${REDELIVER_WINDOW_DAYS} days)`);
  if (Date.parse(q.since) > ctx.now.getTime()) throw invalidField('body.since', 'in_future', 'must not be in the future');
  enabledOrRefuse(w, 'redelivering');
  const statuses = q.status ? [q.status] : BULK_STATUSES;
  const { deliveries, more } = await ctx.services.webhooks.deliveriesSince(ctx.actor.tenantId, id, { since: q.since, statuses, limit: REDELIVER_MAX });
  const queued: string[] = [];
  // Ten at a time: a thousand saves and sends in well under the route's timeout.
  for (let i = 0; i < deliveries.length; i += 10) {
    await Promise.all(
      deliveries.slice(i, i + 10).map(async (d) => {
        // One the sender moved meanwhile is being attempted already: left alone.
        if (!(await ctx.services.webhooks.saveDelivery(ctx.actor.tenantId, d, redelivered(d, ctx.now)))) return;
        await ctx.services.webhookQueue.send({ tenantId: ctx.actor.tenantId, webhookId: id, deliveryId: d.id });
        queued.push(d.id);
      }),
    );
  }
  if (queued.length > 0) await ctx.services.webhooks.recordAudit(ctx.actor.tenantId, audit(ctx, id, 'redelivered', { since: q.since, statuses }, { queued: queued.length, more }));
  return { queued: queued.length, more };
}
