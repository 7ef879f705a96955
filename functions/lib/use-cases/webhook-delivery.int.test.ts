import { simpleParser } from 'mailparser';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../../domain/audit/audit';
import type { WebhookDelivery } from '../../../domain/webhooks/delivery';
import type { Webhook } from '../../../domain/webhooks/subscription';
import { auditRecorded, auditRecordedV3, opportunityStageChanged, type CatalogEvent } from '../../../events/catalog';
import { useLocalStack } from '../../../test/stack';
import { ids } from '../ids';
import type { Mailer, OutgoingMail } from '../mail/mailer';
import { getServices } from '../services';
import type { PostOutcome, WebhookRequest } from '../webhooks/http';
import type { WebhookQueueMessage } from './ports';
import { attemptDelivery, cachedSubscriptions, fanOut, LostRaceError, MAX_IN_FLIGHT, type SenderDeps } from './webhook-delivery';
import { newDelivery, storedSecrets } from './webhooks';

/**
 * The delivery engine on DynamoDB Local (the real store, secrets and leases), with the receiver,
 * the queue, the mailer, the clock and the dice in the test's hands.
 */
const api = useLocalStack();
const T = 'demo';
const T0 = new Date('2026-12-01T10:00:00.000Z');
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const NEXT_SECRET = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';

async function subscription(over: Partial<Webhook> = {}, secrets: { current: string; previous?: string; previousExpiresAt?: string } = { current: SECRET }): Promise<Webhook> {
  const at = T0.toISOString();
  const w: Webhook = { id: ids.webhook(), url: 'https://hooks.partner.example/crm', events: ['opportunity.*'], description: 'Partner', enabled: true, secretCreatedAt: at, createdBy: 'admin', createdAt: at, updatedBy: 'admin', updatedAt: at, version: 1, ...over };
  const audit: AuditEntry = { id: ids.audit(), entity: 'webhook', entityId: w.id, action: 'created', actor: 'admin', at, after: w };
  await getServices().webhooks.createWebhook(T, w, audit);
  await getServices().secrets.put(T, w.id, storedSecrets(secrets));
  return w;
}

let eventSeq = 0;
const stageChanged = (entityId = 'o_1'): CatalogEvent =>
  opportunityStageChanged.create({ eventId: `evt-${++eventSeq}-${Date.now()}`, tenantId: T, entityId, occurredAt: T0.toISOString(), actor: 'tse-1', data: { opportunityId: entityId, clientId: 'c_1', productId: 'website', seq: 1, previousStage: 'Lead', stage: 'Qualified', direction: 'forward', newlyReached: ['Qualified'], assignedTo: 'tse-1', leadOwner: 'tse-1', currency: 'INR', dealValue: 1_500_000, expectedRevenue: 300_000 } });

async function delivery(w: Webhook, over: Partial<WebhookDelivery> = {}): Promise<WebhookDelivery> {
  const d = { ...newDelivery(w.id, stageChanged(), T0), ...over };
  const { delivery: stored } = await getServices().webhooks.createDelivery(T, d);
  return stored;
}

/** A receiver that answers what it is told, in order, and keeps what it was sent. */
function receiver(...answers: PostOutcome[]) {
  const sent: WebhookRequest[] = [];
  const post = async (r: WebhookRequest): Promise<PostOutcome> => {
    sent.push(r);
    return answers.shift() ?? { result: { kind: 'response', status: 200 }, durationMs: 12, excerpt: { text: 'ok', truncated: false } };
  };
  return { sent, post };
}

function harness(post: SenderDeps['post'], over: Partial<SenderDeps['services']> = {}) {
  const queued: [WebhookQueueMessage, { delaySeconds?: number } | undefined][] = [];
  const mails: OutgoingMail[] = [];
  const mailer: Mailer = { send: async (m) => (mails.push(m), { messageId: `m${mails.length}` }) };
  const deps: SenderDeps = {
    services: { ...getServices(), webhookQueue: { send: async (m, o) => void queued.push([m, o]) }, ...over },
    post,
    mail: { mailer, from: 'Sales CRM <no-reply@crm.example>' },
    // The middle of the jitter: every wait its nominal value.
    random: () => 0.5,
  };
  return { deps, queued, mails };
}

const ok = (status = 200, text = 'ok'): PostOutcome => ({ result: { kind: 'response', status }, durationMs: 40, excerpt: { text, truncated: false } });
const msg = (d: WebhookDelivery): WebhookQueueMessage => ({ tenantId: T, webhookId: d.webhookId, deliveryId: d.id });

describe('the webhook sender', () => {
  it('signs with Standard Webhooks (verified by the reference library), POSTs the stored body and records a 2xx as delivered', async () => {
    const w = await subscription();
    const d = await delivery(w);
    const r = receiver(ok(204, ''));
    const h = harness(r.post);
    expect(await attemptDelivery(h.deps, msg(d), T0)).toEqual({ kind: 'attempted', outcome: 'delivered', status: 'delivered', attempt: 1 });
    expect(r.sent).toHaveLength(1);
    const [req] = r.sent;
    expect(req!.url).toBe('https://hooks.partner.example/crm');
    expect(req!.body).toBe(d.body);
    expect(req!.headers['webhook-id']).toBe(d.messageId);
    expect(req!.headers['webhook-timestamp']).toBe(String(T0.getTime() / 1000));
    // The reference implementation checks the timestamp against its own clock: the test's instant.
    const verified = new StandardWebhook(SECRET);
    expect(() => verified.verify(req!.body, { ...req!.headers })).toThrow(/timestamp/i);
    const realNow = new Date();
    const live = await delivery(w);
    await attemptDelivery(h.deps, msg(live), realNow);
    expect(verified.verify(r.sent[1]!.body, { ...r.sent[1]!.headers })).toEqual(JSON.parse(live.body));
    const saved = await getServices().webhooks.getDelivery(T, w.id, d.id);
    expect(saved).toEqual({ ...d, status: 'delivered', attempts: [{ n: 1, at: T0.toISOString(), durationMs: 40, outcome: 'delivered', status: 204, excerpt: { text: '', truncated: false } }], attemptCount: 1, updatedAt: '2026-12-01T10:00:00.040Z', version: 2 });
    expect(h.queued).toEqual([]);
  });

  it('during a rotation both secrets sign: a receiver still on the previous one verifies', async () => {
    const w = await subscription({}, { current: NEXT_SECRET, previous: SECRET, previousExpiresAt: new Date(Date.now() + 3_600_000).toISOString() });
    const d = await delivery(w);
    const r = receiver();
    await attemptDelivery(harness(r.post).deps, msg(d), new Date());
    const [req] = r.sent;
    expect(req!.headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(new StandardWebhook(SECRET).verify(req!.body, { ...req!.headers })).toEqual(JSON.parse(d.body));
    expect(new StandardWebhook(NEXT_SECRET).verify(req!.body, { ...req!.headers })).toEqual(JSON.parse(d.body));
  });

  it('a 503 is retried: retrying, the next attempt 5 s after this one ended, queued with that delay; the endpoint starts failing', async () => {
    const w = await subscription();
    const d = await delivery(w);
    const h = harness(receiver(ok(503, 'busy')).post);
    expect(await attemptDelivery(h.deps, msg(d), T0)).toEqual({ kind: 'attempted', outcome: 'retry', status: 'retrying', attempt: 1 });
    expect(await getServices().webhooks.getDelivery(T, w.id, d.id)).toMatchObject({ status: 'retrying', nextAttemptAt: '2026-12-01T10:00:05.040Z', attemptCount: 1, attempts: [{ n: 1, outcome: 'retry', status: 503, excerpt: { text: 'busy', truncated: false } }] });
    expect(h.queued).toEqual([[msg(d), { delaySeconds: 5 }]]);
    expect(await getServices().webhooks.getWebhook(T, w.id)).toMatchObject({ enabled: true, failingSince: T0.toISOString(), version: 2 });
  });

  it('the same message again, or an earlier schedule’s, attempts nothing: a done delivery is skipped, a retry not yet due too', async () => {
    const w = await subscription();
    const d = await delivery(w);
    const r = receiver(ok(500));
    const h = harness(r.post);
    await attemptDelivery(h.deps, msg(d), T0);
    expect(await attemptDelivery(h.deps, msg(d), new Date(T0.getTime() + 1000))).toEqual({ kind: 'skipped', why: 'not_due' });
    // Due (its second started): attempted, and delivered.
    expect(await attemptDelivery(h.deps, msg(d), new Date('2026-12-01T10:00:05.000Z'))).toMatchObject({ kind: 'attempted', outcome: 'delivered', attempt: 2 });
    expect(await attemptDelivery(h.deps, msg(d), new Date('2026-12-01T10:00:06.000Z'))).toEqual({ kind: 'skipped', why: 'done' });
    expect(await attemptDelivery(h.deps, { ...msg(d), deliveryId: ids.webhookDelivery() }, T0)).toEqual({ kind: 'skipped', why: 'no_delivery' });
    expect(r.sent).toHaveLength(2);
    // A success ends the failure streak.
    expect((await getServices().webhooks.getWebhook(T, w.id))!.failingSince).toBeUndefined();
  });

  it('after the 8th failed attempt the delivery is exhausted and nothing more is queued; a 400 fails at once; an unsafe address too', async () => {
    const w = await subscription();
    const d = await delivery(w, { status: 'retrying', attemptCount: 7, nextAttemptAt: T0.toISOString() });
    const h = harness(receiver(ok(502), ok(400, 'bad'), { result: { kind: 'unsafe_url' }, durationMs: 1, error: '10.0.0.7 is a private, loopback, link-local or otherwise non-public address' }).post);
    expect(await attemptDelivery(h.deps, msg(d), T0)).toMatchObject({ outcome: 'retry', status: 'exhausted', attempt: 8 });
    const bad = await delivery(w);
    expect(await attemptDelivery(h.deps, msg(bad), T0)).toMatchObject({ outcome: 'failed', status: 'failed', attempt: 1 });
    const unsafe = await delivery(w);
    expect(await attemptDelivery(h.deps, msg(unsafe), T0)).toMatchObject({ outcome: 'failed', status: 'failed' });
    expect((await getServices().webhooks.getDelivery(T, w.id, unsafe.id))!.attempts).toEqual([{ n: 1, at: T0.toISOString(), durationMs: 1, outcome: 'failed', error: 'unsafe_url: 10.0.0.7 is a private, loopback, link-local or otherwise non-public address' }]);
    expect(h.queued).toEqual([]);
  });

  it('a 410 ends the delivery as gone and disables the endpoint at once (no email: the receiver asked)', async () => {
    const w = await subscription();
    const d = await delivery(w);
    const h = harness(receiver(ok(410, 'gone')).post);
    expect(await attemptDelivery(h.deps, msg(d), T0)).toEqual({ kind: 'attempted', outcome: 'gone', status: 'gone', attempt: 1, disabled: 'gone' });
    expect(await getServices().webhooks.getWebhook(T, w.id)).toMatchObject({ enabled: false, disabledReason: 'gone', disabledAt: T0.toISOString(), updatedBy: 'system', version: 2 });
    expect(h.mails).toEqual([]);
    // What was queued for it meanwhile ends without a request: the subscription is off.
    const later = await delivery(w);
    const r = receiver();
    expect(await attemptDelivery(harness(r.post).deps, msg(later), T0)).toEqual({ kind: 'ended', why: 'webhook_disabled' });
    expect(r.sent).toEqual([]);
    expect(await getServices().webhooks.getDelivery(T, w.id, later.id)).toMatchObject({ status: 'failed', attempts: [{ n: 1, durationMs: 0, outcome: 'failed', error: 'webhook_disabled' }] });
  });

  it('a deleted webhook’s queued delivery ends as failed webhook_deleted', async () => {
    const w = await subscription();
    const d = await delivery(w);
    await getServices().webhooks.deleteWebhook(T, w, { id: ids.audit(), entity: 'webhook', entityId: w.id, action: 'deleted', actor: 'admin', at: T0.toISOString(), before: w });
    expect(await attemptDelivery(harness(receiver().post).deps, msg(d), T0)).toEqual({ kind: 'ended', why: 'webhook_deleted' });
    expect(await getServices().webhooks.getDelivery(T, w.id, d.id)).toMatchObject({ status: 'failed', attemptCount: 1, attempts: [{ outcome: 'failed', error: 'webhook_deleted' }] });
  });

  it('three days of failures disable the endpoint and email the tenant’s active admins once, as real MIME', async () => {
    expect((await api.as({ tenantId: T, staffId: 'admin', role: 'tenant_admin' }).post('/v1/staff', { staffId: 'admin-2', name: 'Second Admin', email: 'admin-2@demo.example', role: 'tenant_admin' })).status).toBe(201);
    const failingSince = new Date(T0.getTime() - 3 * 86_400_000).toISOString();
    const w = await subscription({ failingSince, description: 'ERP sync' });
    const d = await delivery(w, { status: 'retrying', attemptCount: 3, nextAttemptAt: T0.toISOString() });
    const h = harness(receiver({ result: { kind: 'timeout' }, durationMs: 10_000, error: 'no response within 10000 ms' }).post);
    expect(await attemptDelivery(h.deps, msg(d), T0)).toEqual({ kind: 'attempted', outcome: 'retry', status: 'retrying', attempt: 4, disabled: 'failing' });
    const disabledAt = T0.toISOString();
    expect(await getServices().webhooks.getWebhook(T, w.id)).toMatchObject({ enabled: false, disabledReason: 'failing', disabledAt, failingSince, version: 2 });
    expect(h.mails).toHaveLength(1);
    const [mail] = h.mails;
    expect(mail).toMatchObject({ from: 'Sales CRM <no-reply@crm.example>', to: ['admin@demo.example', 'admin-2@demo.example'], tenantId: T, key: `webhook-disabled-${w.id}-${disabledAt}` });
    const parsed = await simpleParser(mail!.raw);
    expect(parsed.subject).toBe('Webhook disabled: hooks.partner.example failed for 3 days');
    expect(parsed.from?.value).toEqual([{ name: 'Sales CRM', address: 'no-reply@crm.example' }]);
    expect((parsed.to as { value: { address: string }[] }).value.map((a) => a.address)).toEqual(['admin@demo.example', 'admin-2@demo.example']);
    expect(parsed.headers.get('x-crm-webhook')).toBe(w.id);
    expect(parsed.date?.toISOString()).toBe(disabledAt);
    expect(parsed.text?.trim()).toBe(
      [
        'Your webhook to https://hooks.partner.example/crm has been disabled.',
        '',
        `Every delivery to it has failed since ${failingSince} — three days — so we stopped sending (${disabledAt}).`,
        'The last attempt: timeout: no response within 10000 ms.',
        '',
        `What was not delivered is in its delivery log (GET /v1/webhooks/${w.id}/deliveries). Once the receiver works again,`,
        `enable the webhook (PATCH /v1/webhooks/${w.id} with {"enabled": true}) and redeliver what failed since ${failingSince}.`,
        '',
        `Webhook: ${w.id} (ERP sync)`,
        'Events: opportunity.*',
      ].join('\n'),
    );
  });

  it('at most four attempts in flight to one endpoint: the fifth message comes back 2–5 s later, nothing sent', async () => {
    const w = await subscription();
    for (let i = 0; i < MAX_IN_FLIGHT; i++) expect(await getServices().webhookLeases.acquire(T, w.id, { max: MAX_IN_FLIGHT, now: T0 })).toBe(true);
    const d = await delivery(w);
    const r = receiver();
    const h = harness(r.post, {});
    h.deps.random = () => 1;
    expect(await attemptDelivery(h.deps, msg(d), T0)).toEqual({ kind: 'busy', delaySeconds: 5 });
    expect(r.sent).toEqual([]);
    expect(h.queued).toEqual([[msg(d), { delaySeconds: 5 }]]);
    // A slot given back lets the next one through; and the attempt gives its own back.
    await getServices().webhookLeases.release(T, w.id);
    expect(await attemptDelivery(h.deps, msg(d), T0)).toMatchObject({ kind: 'attempted', outcome: 'delivered' });
    expect(await getServices().webhookLeases.acquire(T, w.id, { max: MAX_IN_FLIGHT, now: T0 })).toBe(true);
    expect(await getServices().webhookLeases.acquire(T, w.id, { max: MAX_IN_FLIGHT, now: T0 })).toBe(false);
    // Holders that died with their slots (no acquire for the lease time): the count starts over.
    expect(await getServices().webhookLeases.acquire(T, w.id, { max: MAX_IN_FLIGHT, now: new Date(T0.getTime() + 2 * 60_000 + 1) })).toBe(true);
  });

  it('a concurrent attempt’s save wins: this one throws (the queue brings it back) after queuing its retry, and the message then finds it done', async () => {
    const w = await subscription();
    const d = await delivery(w);
    const h = harness(async () => {
      // Another receive of the same message delivered it meanwhile.
      const current = (await getServices().webhooks.getDelivery(T, w.id, d.id))!;
      await getServices().webhooks.saveDelivery(T, current, { ...current, status: 'delivered', attemptCount: 1, version: current.version + 1 });
      return ok(503);
    });
    await expect(attemptDelivery(h.deps, msg(d), T0)).rejects.toThrow(LostRaceError);
    expect(h.queued).toEqual([[msg(d), { delaySeconds: 5 }]]);
    expect(await attemptDelivery(h.deps, msg(d), new Date(T0.getTime() + 5_000))).toEqual({ kind: 'skipped', why: 'done' });
  });
});

describe('the fan-out', () => {
  it('one delivery per matching enabled subscription, each queued; an event fanned out again makes none twice', async () => {
    const tenant = `fan-${Date.now()}`;
    const hooks: Webhook[] = [];
    const make = async (events: string[], enabled = true) => {
      const at = T0.toISOString();
      const w: Webhook = { id: ids.webhook(), url: 'https://hooks.partner.example/crm', events, description: '', enabled, secretCreatedAt: at, createdBy: 'admin', createdAt: at, updatedBy: 'admin', updatedAt: at, version: 1, ...(!enabled && { disabledReason: 'admin' as const, disabledAt: at }) };
      await getServices().webhooks.createWebhook(tenant, w, { id: ids.audit(), entity: 'webhook', entityId: w.id, action: 'created', actor: 'admin', at, after: w });
      hooks.push(w);
      return w;
    };
    const wildcard = await make(['opportunity.*']);
    const exact = await make(['opportunity.stage_changed', 'client.created']);
    await make(['client.*']);
    await make(['*'], false);
    const queued: WebhookQueueMessage[] = [];
    const services = { webhooks: getServices().webhooks, webhookQueue: { send: async (m: WebhookQueueMessage) => void queued.push(m) } };
    const event = { ...stageChanged(), tenantId: tenant } as CatalogEvent;
    const subs = cachedSubscriptions(services);
    expect(await fanOut(services, subs, event, T0)).toEqual({ queued: 2, existing: 0 });
    expect(queued.map((m) => m.webhookId).sort()).toEqual([wildcard.id, exact.id].sort());
    const made = await getServices().webhooks.listDeliveries(tenant, wildcard.id, { limit: 10 });
    expect(made.items).toHaveLength(1);
    expect(made.items[0]).toMatchObject({ webhookId: wildcard.id, eventId: event.eventId, eventType: 'opportunity.stage_changed', status: 'pending', attemptCount: 0 });
    expect(JSON.parse(made.items[0]!.body)).toMatchObject({ id: event.eventId, type: 'opportunity.stage_changed', version: 1, data: { previousStage: 'Lead', stage: 'Qualified' } });
    // Again (the bus delivers at least once): the same deliveries; one not yet attempted is queued again, an attempted one is not.
    const first = made.items[0]!;
    await getServices().webhooks.saveDelivery(tenant, first, { ...first, status: 'delivered', attemptCount: 1, version: 2 });
    expect(await fanOut(services, subs, event, T0)).toEqual({ queued: 1, existing: 2 });
    expect(queued.map((m) => m.webhookId)).toEqual([...queued.slice(0, 2).map((m) => m.webhookId), exact.id]);
    expect((await getServices().webhooks.listDeliveries(tenant, wildcard.id, { limit: 10 })).items).toHaveLength(1);
    expect((await getServices().webhooks.listDeliveries(tenant, exact.id, { limit: 10 })).items).toHaveLength(1);
  });

  it('reads a tenant’s subscriptions at most every 10 s per container', async () => {
    let reads = 0;
    let now = 0;
    const subs = cachedSubscriptions({ webhooks: { ...getServices().webhooks, enabledWebhooks: async () => (reads++, []) } }, () => now);
    await subs('a');
    await subs('a');
    now = 9_999;
    await subs('a');
    expect(reads).toBe(1);
    await subs('b');
    now = 10_000;
    await subs('a');
    expect(reads).toBe(3);
  });

  it('audit.recorded goes out as v3 whatever version carried the entry (one shape, each entry once)', async () => {
    const tenant = `audit-${Date.now()}`;
    const at = T0.toISOString();
    const w: Webhook = { id: ids.webhook(), url: 'https://hooks.partner.example/audit', events: ['audit.recorded'], description: '', enabled: true, secretCreatedAt: at, createdBy: 'admin', createdAt: at, updatedBy: 'admin', updatedAt: at, version: 1 };
    await getServices().webhooks.createWebhook(tenant, w, { id: ids.audit(), entity: 'webhook', entityId: w.id, action: 'created', actor: 'admin', at, after: w });
    const entry = { id: 'a1', entity: 'client' as const, entityId: 'c_1', action: 'created' as const, actor: 'tse-1', at, after: { companyName: 'Mail Traders' } };
    const v1 = auditRecorded.create({ eventId: `audit-${Date.now()}`, tenantId: tenant, entityId: 'a1', occurredAt: at, actor: 'tse-1', data: { entry, scopeId: 'c_1' } });
    const services = { webhooks: getServices().webhooks, webhookQueue: { send: async () => undefined } };
    await fanOut(services, cachedSubscriptions(services), v1, T0);
    const [d] = (await getServices().webhooks.listDeliveries(tenant, w.id, { limit: 10 })).items;
    expect(d!.eventType).toBe('audit.recorded');
    expect(JSON.parse(d!.body)).toEqual({ id: v1.eventId, type: 'audit.recorded', version: auditRecordedV3.version, occurredAt: at, entity: 'audit', entityId: 'a1', actor: 'tse-1', data: { entry, scopeId: 'c_1' } });
  });
});
