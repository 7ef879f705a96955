import type { AuditEntry } from '../../../domain/audit/audit';
import { DomainError } from '../../../domain/errors';
import { SYSTEM_ACTOR } from '../../../domain/events/event';
import { withAttempt, type WebhookAttempt, type WebhookDelivery, type WebhookDeliveryStatus } from '../../../domain/webhooks/delivery';
import { classify, endpointHealth, nextStep, type AttemptResult, type Outcome } from '../../../domain/webhooks/schedule';
import { signingSecrets, webhookHeaders } from '../../../domain/webhooks/signing';
import { disable, matches, type Webhook } from '../../../domain/webhooks/subscription';
import { auditRecordedV3, type CatalogEvent } from '../../../events/catalog';
import type { DomainEvent } from '../../../events/contract';
import { ids } from '../ids';
import { logger } from '../logger';
import { composeMessage } from '../mail/compose-message';
import type { Mailer } from '../mail/mailer';
import type { PostOutcome, WebhookRequest } from '../webhooks/http';
import type { Services, WebhookQueueMessage } from './ports';
import { newDelivery, webhookSecretsOf } from './webhooks';

/**
 * The delivery engine of outbound webhooks (DESIGN §12, issue #15): the fan-out turns each domain
 * event into one delivery per matching subscription and queues it; the sender attempts a queued
 * delivery, records the attempt and schedules the next one (a delayed message, never a sleeping
 * Lambda), and keeps the endpoint's health — a 410 disables it at once, three days of failures
 * disable it and tell the tenant's admins. At-least-once throughout: every step is safe to run
 * twice (one delivery per webhook and event, attempts only on a delivery still due, saves over
 * the version read).
 */

// ── fan-out ──

/** How long a container reuses a tenant's enabled subscriptions: a new or changed one takes effect within this. */
export const SUBSCRIPTIONS_CACHE_MS = 10_000;

export type Subscriptions = (tenantId: string) => Promise<Webhook[]>;

/** The tenant's enabled subscriptions, read at most once per SUBSCRIPTIONS_CACHE_MS per container. */
export function cachedSubscriptions(services: Pick<Services, 'webhooks'>, now: () => number = () => Date.now()): Subscriptions {
  const copies = new Map<string, { at: number; hooks: Promise<Webhook[]> }>();
  return (tenantId) => {
    const hit = copies.get(tenantId);
    if (hit && now() - hit.at < SUBSCRIPTIONS_CACHE_MS) return hit.hooks;
    const hooks = services.webhooks.enabledWebhooks(tenantId);
    copies.set(tenantId, { at: now(), hooks });
    // A failed read is not kept: the next event reads again.
    hooks.catch(() => copies.get(tenantId)?.hooks === hooks && copies.delete(tenantId));
    return hooks;
  };
}

/**
 * The event as subscribers receive it. audit.recorded is published once per entry, in the oldest
 * version that can carry it (v1, v2 or v3): subscribers get every entry as v3 (each version's
 * entries are a subset of the next's, so only `version` changes; the contract checks it), one
 * shape to code against and one delivery per entry. Every other event goes as published.
 */
export function deliverableEvent(event: CatalogEvent): DomainEvent {
  if (event.type === auditRecordedV3.name && event.version !== auditRecordedV3.version) return auditRecordedV3.detail.parse({ ...event, version: auditRecordedV3.version });
  return event;
}

/**
 * One delivery per enabled subscription whose patterns take the event, each queued. An event
 * fanned out again (the bus delivers at least once) finds its deliveries made: none is made twice,
 * and one still waiting for its first attempt is queued again (the first fan-out may have stopped
 * between the write and the send; the sender attempts a delivery once however often it is told).
 */
export async function fanOut(services: Pick<Services, 'webhooks' | 'webhookQueue'>, subscriptions: Subscriptions, event: CatalogEvent, now: Date): Promise<{ queued: number; existing: number }> {
  const deliverable = deliverableEvent(event);
  const hooks = (await subscriptions(event.tenantId)).filter((w) => w.enabled && matches(w.events, deliverable.type));
  let queued = 0;
  let existing = 0;
  await Promise.all(
    hooks.map(async (w) => {
      const { delivery, created } = await services.webhooks.createDelivery(event.tenantId, newDelivery(w.id, deliverable, now));
      if (!created) existing += 1;
      if (!created && !(delivery.status === 'pending' && delivery.attemptCount === 0)) return;
      await services.webhookQueue.send({ tenantId: event.tenantId, webhookId: w.id, deliveryId: delivery.id });
      queued += 1;
    }),
  );
  return { queued, existing };
}

// ── sending ──

/** Attempts in flight to one endpoint at most: a slow receiver is not buried under every event at once. */
export const MAX_IN_FLIGHT = 4;
/** A message that found the endpoint's slots taken comes back this much later (2–5 s, spread). */
export const BUSY_DELAY_SECONDS = { min: 2, max: 5 } as const;

export class LostRaceError extends Error {
  override readonly name = 'LostRaceError';
}

export interface SenderDeps {
  services: Pick<Services, 'webhooks' | 'webhookQueue' | 'webhookLeases' | 'secrets' | 'staff'>;
  post: (request: WebhookRequest) => Promise<PostOutcome>;
  /** The tenant admins' email when an endpoint is disabled for failing. */
  mail: { mailer: Mailer; from: string };
  random?: () => number;
}

/** What became of one queued message (logged and counted by the handler). */
export type SendResult =
  | { kind: 'attempted'; outcome: Outcome; status: WebhookDeliveryStatus; attempt: number; disabled?: 'gone' | 'failing' }
  | { kind: 'skipped'; why: 'no_delivery' | 'not_due' | 'done' }
  | { kind: 'ended'; why: 'webhook_deleted' | 'webhook_disabled' }
  | { kind: 'busy'; delaySeconds: number };

/** A delivery that is attempted when told: pending, or retrying and due (a second or so early is the queue's rounding). */
const isDue = (d: WebhookDelivery, now: Date) => d.status === 'pending' || (d.status === 'retrying' && (d.nextAttemptAt === undefined || Date.parse(d.nextAttemptAt) <= now.getTime() + 2_000));

const errorOf = (result: AttemptResult, detail: string | undefined) => (result.kind === 'response' ? undefined : detail ? `${result.kind}: ${detail}` : result.kind);

/** Saves the delivery over the version read; a lost race is thrown, so the queue brings the message back and it finds the winner's state. */
async function saveDelivery(services: SenderDeps['services'], tenantId: string, before: WebhookDelivery, after: WebhookDelivery): Promise<void> {
  if (!(await services.webhooks.saveDelivery(tenantId, before, after))) throw new LostRaceError(`delivery ${before.id} was saved by another attempt meanwhile`);
}

/**
 * One queued message: the delivery attempted if still due — signed (every secret that signs now),
 * POSTed through the SSRF-safe client, the attempt appended, the next step scheduled or the final
 * status set — and the endpoint's health kept.
 */
export async function attemptDelivery(deps: SenderDeps, message: WebhookQueueMessage, now: Date): Promise<SendResult> {
  const { services } = deps;
  const random = deps.random ?? Math.random;
  const { tenantId, webhookId, deliveryId } = message;
  const before = await services.webhooks.getDelivery(tenantId, webhookId, deliveryId);
  // Gone with its TTL, or never made (a message of another stage): nothing to send.
  if (!before) return { kind: 'skipped', why: 'no_delivery' };
  if (before.status !== 'pending' && before.status !== 'retrying') return { kind: 'skipped', why: 'done' };
  // A message of an earlier schedule (the retry it named was rescheduled): the current one comes later.
  if (!isDue(before, now)) return { kind: 'skipped', why: 'not_due' };

  const webhook = await services.webhooks.getWebhook(tenantId, webhookId);
  if (!webhook || !webhook.enabled) {
    const why = !webhook ? 'webhook_deleted' : 'webhook_disabled';
    // Not an attempt of the receiver: recorded as the delivery's end, with why, nothing sent.
    const attempt: WebhookAttempt = { n: before.attemptCount + 1, at: now.toISOString(), durationMs: 0, outcome: 'failed', error: why };
    const { nextAttemptAt: _next, ...rest } = before;
    await saveDelivery(services, tenantId, before, { ...rest, status: 'failed', attempts: withAttempt(before.attempts, attempt), attemptCount: attempt.n, updatedAt: now.toISOString(), version: before.version + 1 });
    return { kind: 'ended', why };
  }

  if (!(await services.webhookLeases.acquire(tenantId, webhookId, { max: MAX_IN_FLIGHT, now }))) {
    const delaySeconds = BUSY_DELAY_SECONDS.min + Math.round(random() * (BUSY_DELAY_SECONDS.max - BUSY_DELAY_SECONDS.min));
    await services.webhookQueue.send(message, { delaySeconds });
    return { kind: 'busy', delaySeconds };
  }
  let out: PostOutcome;
  try {
    const secrets = webhookSecretsOf(await services.secrets.get(tenantId, webhookId));
    // Written with the webhook: missing, it is being created or deleted right now; the queue asks again.
    if (!secrets) throw new Error(`webhook ${webhookId} has no signing secret`);
    const headers = webhookHeaders({ id: before.messageId, timestamp: now, body: before.body, secrets: signingSecrets(secrets, now) });
    out = await deps.post({ url: webhook.url, headers: { ...headers }, body: before.body });
  } finally {
    await services.webhookLeases.release(tenantId, webhookId);
  }

  const outcome = classify(out.result);
  const n = before.attemptCount + 1;
  const error = errorOf(out.result, out.error);
  const attempt: WebhookAttempt = {
    n,
    at: now.toISOString(),
    durationMs: out.durationMs,
    outcome,
    ...(out.result.kind === 'response' && { status: out.result.status }),
    ...(error !== undefined && { error }),
    ...(out.excerpt && { excerpt: out.excerpt }),
  };
  const ended = new Date(now.getTime() + out.durationMs);
  // The schedule counts the delivery's attempts: a redelivery after the 8th is one more try, as a manual resend is.
  const step = nextStep({ attempt: n, outcome, now: ended, random });
  const { nextAttemptAt: _previous, ...rest } = before;
  const after: WebhookDelivery = {
    ...rest,
    status: 'retryAt' in step ? 'retrying' : step.final,
    attempts: withAttempt(before.attempts, attempt),
    attemptCount: n,
    ...('retryAt' in step && { nextAttemptAt: step.retryAt.toISOString() }),
    updatedAt: ended.toISOString(),
    version: before.version + 1,
  };
  // The retry is queued before the save: if the save then loses a race, the message finds a
  // delivery that is not due and is dropped; the other order could leave a retrying delivery
  // with nothing coming to retry it.
  if ('retryAt' in step) await services.webhookQueue.send(message, { delaySeconds: Math.max(1, Math.ceil((step.retryAt.getTime() - ended.getTime()) / 1000)) });
  await saveDelivery(services, tenantId, before, after);
  // The streak and a disabling date from the attempt's start, as its log entry does.
  const disabled = await keepHealth(deps, tenantId, webhook, outcome, attempt, now);
  return { kind: 'attempted', outcome, status: after.status, attempt: n, ...(disabled && { disabled }) };
}

/**
 * The endpoint's failure streak after an attempt (the subscription's `failingSince`), and what it
 * leads to: a 410 disables the subscription at once; three days of failures disable it and email
 * the tenant's admins — the one sender whose save wins does, so they hear it once.
 */
async function keepHealth(deps: SenderDeps, tenantId: string, first: Webhook, outcome: Outcome, attempt: WebhookAttempt, now: Date): Promise<'gone' | 'failing' | undefined> {
  const { webhooks } = deps.services;
  let w: Webhook | undefined = first;
  // A concurrent save (another attempt's, an admin's) moved the subscription: read it again, three times at most.
  for (let round = 1; w && w.enabled; round++) {
    const health = endpointHealth({ failingSince: w.failingSince, outcome, now });
    const { failingSince: _f, ...rest } = w;
    const kept: Webhook = { ...rest, ...(health.failingSince !== undefined && { failingSince: health.failingSince }) };
    let after: Webhook;
    let audit: AuditEntry | undefined;
    if (health.disable) {
      after = disable(kept, health.disable, SYSTEM_ACTOR, now);
      audit = { id: ids.audit(), entity: 'webhook', entityId: w.id, action: 'updated', actor: SYSTEM_ACTOR, at: now.toISOString(), before: w, after };
    } else if (health.failingSince !== w.failingSince) {
      after = { ...kept, updatedAt: now.toISOString(), version: w.version + 1 };
    } else {
      return undefined;
    }
    try {
      await webhooks.saveWebhook(tenantId, w, after, audit);
    } catch (error) {
      if (round >= 3 || !(error instanceof DomainError && error.code === 'concurrent_update')) throw error;
      w = await webhooks.getWebhook(tenantId, w.id);
      continue;
    }
    if (health.disable === 'failing') await notifyAdmins(deps, tenantId, after, attempt);
    return health.disable;
  }
  return undefined;
}

/** The tenant's active admins, each told once that the endpoint is off and why. A refused email is logged: the subscription stays off. */
async function notifyAdmins(deps: SenderDeps, tenantId: string, w: Webhook, last: WebhookAttempt): Promise<void> {
  const admins: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.services.staff.list(tenantId, { limit: 100, ...(cursor !== undefined && { cursor }) });
    for (const s of page.items) if (s.role === 'tenant_admin' && s.active && s.email) admins.push(s.email);
    cursor = page.cursor;
  } while (cursor);
  if (admins.length === 0) {
    logger.warn('webhook disabled for failing: the tenant has no active admin to tell', { tenantId, webhookId: w.id });
    return;
  }
  try {
    const raw = await composeMessage(disabledEmail(w, last, admins, deps.mail.from));
    await deps.mail.mailer.send({ from: deps.mail.from, to: admins, raw, key: `webhook-disabled-${w.id}-${w.disabledAt ?? ''}`, tenantId });
  } catch (error) {
    logger.error('webhook disabled for failing: the admins could not be emailed', { tenantId, webhookId: w.id, error });
  }
}

/** `Sales CRM <no-reply@crm.example>` → its name and address. */
function mailbox(from: string): { name: string; address: string } {
  const m = /^\s*(.*?)\s*<([^<>\s]+@[^<>\s]+)>\s*$/.exec(from);
  return m ? { name: m[1]!.replace(/^"|"$/g, ''), address: m[2]! } : { name: 'CRM', address: from.trim() };
}

/** The email that tells admins an endpoint was turned off after three days of failures. */
export function disabledEmail(w: Webhook, last: WebhookAttempt, to: readonly string[], from: string) {
  const sender = mailbox(from);
  const lastAnswer = last.status !== undefined ? `HTTP ${last.status}` : (last.error ?? last.outcome);
  const text = [
    `Your webhook to ${w.url} has been disabled.`,
    '',
    `Every delivery to it has failed since ${w.failingSince} — three days — so we stopped sending (${w.disabledAt}).`,
    `The last attempt: ${lastAnswer}${last.excerpt?.text ? ` — "${last.excerpt.text.slice(0, 200)}"` : ''}.`,
    '',
    'What was not delivered is in its delivery log (GET /v1/webhooks/' + w.id + '/deliveries). Once the receiver works again,',
    `enable the webhook (PATCH /v1/webhooks/${w.id} with {"enabled": true}) and redeliver what failed since ${w.failingSince}.`,
    '',
    `Webhook: ${w.id}${w.description ? ` (${w.description})` : ''}`,
    `Events: ${w.events.join(', ')}`,
  ].join('\n');
  return {
    from: sender,
    to,
    replyTo: sender.address,
    subject: `Webhook disabled: ${new URL(w.url).host} failed for 3 days`,
    text,
    messageId: `<webhook-disabled.${w.id}.${Date.parse(w.disabledAt ?? '') || 0}@${sender.address.split('@')[1] ?? 'crm.example'}>`,
    headers: { 'X-CRM-Webhook': w.id },
    ...(w.disabledAt && { date: new Date(w.disabledAt) }),
  };
}
