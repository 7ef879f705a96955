import { createHash } from 'node:crypto';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { WebhookDelivery } from '../../../domain/webhooks/delivery';
import { useLocalStack } from '../../../test/stack';
import { config } from '../../lib/config';
import { ids } from '../../lib/ids';
import { getServices, getStoreClients } from '../../lib/services';
import { keys } from '../../lib/store/keys';
import type { WebhookQueueMessage } from '../../lib/use-cases/ports';
import { installWebhookQueue } from '../../lib/webhooks/queue';

/**
 * #15 items 1 and 3 through HTTP: subscriptions with a secret shown once, rotation, If-Match,
 * the test ping, the delivery log and redeliveries. The queue to the sender is a recorder here
 * (what the API queues, exactly); the sender itself is tested on its own.
 */
const api = useLocalStack();
const admin = { tenantId: 'demo', staffId: 'admin', role: 'tenant_admin' } as const;
const manager = { tenantId: 'demo', staffId: 'manager', role: 'manager' } as const;
const tse = { tenantId: 'demo', staffId: 'tse-1', role: 'tse' } as const;
const acmeAdmin = { tenantId: 'acme', staffId: 'admin', role: 'tenant_admin' } as const;

const queued: { message: WebhookQueueMessage; delaySeconds?: number }[] = [];
beforeAll(() => {
  installWebhookQueue({
    send: async (message, opts) => {
      queued.push({ message, ...(opts?.delaySeconds !== undefined && { delaySeconds: opts.delaySeconds }) });
    },
  });
});
afterAll(() => installWebhookQueue(undefined));
beforeEach(() => {
  queued.length = 0;
});

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const WEBHOOK_ID = /^wh_[0-9a-hjkmnp-tv-z]{26}$/;
const SECRET = /^whsec_[A-Za-z0-9+/]{43}=$/;

async function subscribe(input: Record<string, unknown> = {}) {
  const res = await api.as(admin).post('/v1/webhooks', { url: 'https://hooks.example.com/crm', events: ['opportunity.*'], ...input });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; secret: string; version: number; url: string };
}

/** A delivery written as the engine writes one (a fixture for the log and redeliveries). */
async function stored(webhookId: string, over: Partial<WebhookDelivery> = {}): Promise<WebhookDelivery> {
  const at = new Date().toISOString();
  const d: WebhookDelivery = {
    id: ids.webhookDelivery(),
    webhookId,
    eventId: `evt-${crypto.randomUUID()}`,
    eventType: 'opportunity.stage_changed',
    messageId: `msg_${crypto.randomUUID().replace(/-/g, '').slice(0, 27)}`,
    body: '{"id":"evt","type":"opportunity.stage_changed"}',
    status: 'failed',
    attempts: [{ n: 1, at, durationMs: 41, outcome: 'failed', status: 400, excerpt: { text: 'bad request', truncated: false } }],
    attemptCount: 1,
    createdAt: at,
    updatedAt: at,
    version: 2,
    ...over,
  };
  expect((await getServices().webhooks.createDelivery('demo', d)).created).toBe(true);
  return d;
}

const auditActions = async (webhookId: string) => {
  const { Items = [] } = await getStoreClients().db.send(new QueryCommand({ TableName: config().TABLE_NAME, ...keys.query.webhookAudit('demo') }));
  return Items.filter((i) => i.entityId === webhookId).map((i) => i.action);
};

describe('webhook subscriptions', () => {
  it('create answers the webhook and its secret once; no read shows the secret', async () => {
    const res = await api.as(admin).post('/v1/webhooks', { url: 'HTTPS://Hooks.Example.com/crm', events: ['opportunity.stage_changed', 'client.*'], description: 'ERP' });
    expect(res.status).toBe(201);
    const { id, secret, createdAt } = res.body;
    expect(res.body).toEqual({
      id: expect.stringMatching(WEBHOOK_ID),
      url: 'https://hooks.example.com/crm',
      events: ['opportunity.stage_changed', 'client.*'],
      description: 'ERP',
      enabled: true,
      secretCreatedAt: createdAt,
      createdBy: 'admin',
      createdAt: expect.stringMatching(ISO),
      updatedBy: 'admin',
      updatedAt: createdAt,
      version: 1,
      secret: expect.stringMatching(SECRET),
    });
    expect(res.headers.get('location')).toBe(`/v1/webhooks/${id}`);
    expect(res.headers.get('etag')).toBe('"1"');
    // Kept in the secret store under the webhook's id, as the sender reads it.
    expect(await getServices().secrets.get('demo', id)).toEqual({ values: { current: secret } });

    const { secret: _shownOnce, ...webhook } = res.body;
    const read = await api.as(admin).get(`/v1/webhooks/${id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(webhook);
    const list = await api.as(admin).get('/v1/webhooks?limit=100');
    expect(list.body.items).toContainEqual(webhook);
    for (const body of [read.body, list.body]) expect(JSON.stringify(body)).not.toContain(secret.slice(6));
    expect(await auditActions(id)).toEqual(['created']);
  });

  it('takes no Idempotency-Key: a retried create is a second webhook, never the first one’s secret again', async () => {
    const body = { url: 'https://hooks.example.com/idem', events: ['*'] };
    const first = await api.as(admin).post('/v1/webhooks', body, { 'idempotency-key': 'wh-create-1' });
    const again = await api.as(admin).post('/v1/webhooks', body, { 'idempotency-key': 'wh-create-1' });
    expect([first.status, again.status]).toEqual([201, 201]);
    expect(again.headers.get('idempotent-replayed')).toBeNull();
    expect(again.body.id).not.toBe(first.body.id);
    expect(again.body.secret).not.toBe(first.body.secret);
  });

  it('refuses bad URLs and events with exact field errors', async () => {
    const post = (body: unknown) => api.as(admin).post('/v1/webhooks', body);
    const problem = (errors: unknown[]) => ({ status: 422, code: 'validation_failed', errors });

    // Loopback over http is allowed here (the local stack sets WEBHOOKS_ALLOW_LOOPBACK), never elsewhere.
    expect((await post({ url: 'http://127.0.0.1:4000/hook', events: ['*'] })).status).toBe(201);
    const allowed = process.env.WEBHOOKS_ALLOW_LOOPBACK;
    delete process.env.WEBHOOKS_ALLOW_LOOPBACK;
    try {
      expect((await post({ url: 'http://127.0.0.1:4000/hook', events: ['*'] })).body).toMatchObject(problem([{ field: 'body.url', code: 'https_required', message: 'must be an https URL' }]));
      expect((await post({ url: 'http://hooks.example.com/', events: ['*'] })).body).toMatchObject(problem([{ field: 'body.url', code: 'https_required', message: 'must be an https URL' }]));
    } finally {
      process.env.WEBHOOKS_ALLOW_LOOPBACK = allowed;
    }
    expect((await post({ url: 'http://hooks.example.com/', events: ['*'] })).body).toMatchObject(problem([{ field: 'body.url', code: 'https_required', message: 'must be an https URL (or http to loopback)' }]));
    expect((await post({ url: 'https://10.0.0.1/hook', events: ['*'] })).body).toMatchObject(
      problem([{ field: 'body.url', code: 'unsafe_url', message: 'must not name a private, loopback, link-local or otherwise non-public address' }]),
    );
    expect((await post({ url: 'https://169.254.169.254/latest/meta-data', events: ['*'] })).body.errors).toEqual([
      { field: 'body.url', code: 'unsafe_url', message: 'must not name a private, loopback, link-local or otherwise non-public address' },
    ]);
    // Every error at once: the URL's and each event's.
    expect((await post({ url: 'https://user:pw@hooks.example.com/', events: ['opportunity.exploded', 'client.*', 'client.*'] })).body).toMatchObject(
      problem([
        { field: 'body.url', code: 'credentials_in_url', message: 'must not carry credentials: receivers verify the webhook-signature header instead' },
        { field: 'body.events.0', code: 'unknown_event', message: 'opportunity.exploded matches no event of the catalogue' },
        { field: 'body.events.2', code: 'duplicate', message: 'repeats body.events.1' },
      ]),
    );
    expect((await post({ url: 'https://hooks.example.com/', events: [], colour: 'red' })).body.errors).toEqual([
      { field: 'body.events', code: 'too_small', message: 'must name at least one event' },
      { field: 'body.colour', code: 'unknown_field', message: 'is not a known field' },
    ]);
  });

  it('are the tenant admin’s alone: other roles 403, another tenant 404, a malformed id 422', async () => {
    const w = await subscribe();
    for (const who of [manager, tse]) {
      expect((await api.as(who).get('/v1/webhooks')).status).toBe(403);
      expect((await api.as(who).post('/v1/webhooks', { url: 'https://hooks.example.com/', events: ['*'] })).status).toBe(403);
      expect((await api.as(who).get(`/v1/webhooks/${w.id}`)).status).toBe(403);
    }
    expect((await api.as(acmeAdmin).get(`/v1/webhooks/${w.id}`)).status).toBe(404);
    expect((await api.as(acmeAdmin).post(`/v1/webhooks/${w.id}/ping`)).status).toBe(404);
    expect((await api.as(acmeAdmin).get('/v1/webhooks')).body.items.map((x: { id: string }) => x.id)).not.toContain(w.id);
    const bad = await api.as(admin).get('/v1/webhooks/ic_01kbz3q5v8r2m7n4p6t9w1x3y5');
    expect(bad.status).toBe(422);
    expect(bad.body.errors).toEqual([{ field: 'path.id', code: 'invalid_format', message: 'is not a webhook id' }]);
    expect((await api.as(admin).get(`/v1/webhooks/${ids.webhook()}`)).body).toMatchObject({ status: 404, code: 'webhook_not_found' });
  });

  it('PATCH needs If-Match; disabling records the admin, enabling again clears why and the failure streak', async () => {
    const w = await subscribe();
    const path = `/v1/webhooks/${w.id}`;
    expect((await api.as(admin).patch(path, { description: 'x' })).status).toBe(428);
    expect((await api.as(admin).patch(path, { description: 'x' }, { 'if-match': '"7"' })).body).toMatchObject({ status: 412, code: 'stale_version' });
    expect((await api.as(admin).patch(path, {}, { 'if-match': '"1"' })).body.errors).toEqual([{ field: 'body', code: 'custom', message: 'must change at least one field' }]);
    expect((await api.as(admin).patch(path, { url: 'https://192.168.1.5/' }, { 'if-match': '"1"' })).body.errors).toEqual([
      { field: 'body.url', code: 'unsafe_url', message: 'must not name a private, loopback, link-local or otherwise non-public address' },
    ]);

    const off = await api.as(admin).patch(path, { enabled: false, events: ['opportunity.stage_changed'] }, { 'if-match': '"1"' });
    expect(off.status).toBe(200);
    expect(off.headers.get('etag')).toBe('"2"');
    expect(off.body).toMatchObject({ enabled: false, disabledReason: 'admin', disabledAt: off.body.updatedAt, events: ['opportunity.stage_changed'], updatedBy: 'admin', version: 2 });

    // As the engine leaves a failing endpoint it disabled.
    const current = (await getServices().webhooks.getWebhook('demo', w.id))!;
    const failing = { ...current, disabledReason: 'failing' as const, failingSince: '2026-11-28T10:00:00.000Z', version: 3 };
    await getServices().webhooks.saveWebhook('demo', current, failing);

    const on = await api.as(admin).patch(path, { enabled: true }, { 'if-match': '"3"' });
    expect(on.status).toBe(200);
    expect(on.body).toEqual({ ...failing, enabled: true, disabledReason: undefined, disabledAt: undefined, failingSince: undefined, updatedAt: on.body.updatedAt, version: 4 });
    expect(on.body).not.toHaveProperty('failingSince');
    expect(await auditActions(w.id)).toEqual(['created', 'updated', 'updated']);
  });

  it('rotate answers the new secret once; both sign for 24 hours', async () => {
    const w = await subscribe();
    const rotated = await api.as(admin).post(`/v1/webhooks/${w.id}/rotate-secret`, undefined, { 'if-match': '"1"' });
    expect(rotated.status).toBe(200);
    const at = rotated.body.webhook.updatedAt;
    const until = new Date(Date.parse(at) + 24 * 3600_000).toISOString();
    expect(rotated.body).toEqual({
      webhook: expect.objectContaining({ id: w.id, secretCreatedAt: at, previousSecretExpiresAt: until, version: 2 }),
      secret: expect.stringMatching(SECRET),
      previousSecretExpiresAt: until,
    });
    expect(rotated.body.secret).not.toBe(w.secret);
    expect(await getServices().secrets.get('demo', w.id)).toEqual({ values: { current: rotated.body.secret, previous: w.secret, previousExpiresAt: until } });
    const read = await api.as(admin).get(`/v1/webhooks/${w.id}`);
    expect(read.body).toEqual(rotated.body.webhook);
    expect(JSON.stringify(read.body)).not.toContain(rotated.body.secret.slice(6));
    // A stale If-Match rotates nothing.
    expect((await api.as(admin).post(`/v1/webhooks/${w.id}/rotate-secret`, undefined, { 'if-match': '"1"' })).status).toBe(412);
    expect((await getServices().secrets.get('demo', w.id))?.values.current).toBe(rotated.body.secret);
    expect(await auditActions(w.id)).toEqual(['created', 'secret_rotated']);
  });

  it('delete takes the secrets with it', async () => {
    const w = await subscribe();
    expect((await api.as(admin).call('DELETE', `/v1/webhooks/${w.id}`, undefined, { 'if-match': '"9"' })).status).toBe(412);
    const res = await api.as(admin).call('DELETE', `/v1/webhooks/${w.id}`);
    expect(res.status).toBe(204);
    expect(res.body).toBeUndefined();
    expect((await api.as(admin).get(`/v1/webhooks/${w.id}`)).status).toBe(404);
    expect(await getServices().secrets.get('demo', w.id)).toBeUndefined();
    expect(await auditActions(w.id)).toEqual(['created', 'deleted']);
  });
});

describe('ping, the delivery log and redelivery', () => {
  it('a ping queues a delivery of webhook.ping now, pending, with its webhook-id', async () => {
    const w = await subscribe();
    const res = await api.as(admin).post(`/v1/webhooks/${w.id}/ping`);
    expect(res.status).toBe(202);
    const { deliveryId } = res.body;
    expect(res.body).toEqual({ deliveryId: expect.stringMatching(/^whd_[0-9a-hjkmnp-tv-z]{26}$/) });
    expect(queued).toEqual([{ message: { tenantId: 'demo', webhookId: w.id, deliveryId } }]);

    const d = (await api.as(admin).get(`/v1/webhooks/${w.id}/deliveries/${deliveryId}`)).body;
    const eventId = d.eventId as string;
    expect(eventId).toMatch(/^ping_/);
    // The webhook-id: base64url SHA-256 of "webhookId\neventId", 27 characters (stable across attempts and redeliveries).
    const messageId = `msg_${createHash('sha256').update(`${w.id}\n${eventId}`).digest('base64url').slice(0, 27)}`;
    expect(d).toEqual({ id: deliveryId, webhookId: w.id, eventId, eventType: 'webhook.ping', messageId, body: d.body, status: 'pending', attempts: [], attemptCount: 0, createdAt: d.createdAt, updatedAt: d.createdAt, version: 1 });
    expect(JSON.parse(d.body)).toEqual({ id: eventId, type: 'webhook.ping', version: 1, occurredAt: d.createdAt, entity: 'webhook', entityId: w.id, actor: 'admin', data: { webhookId: w.id, at: d.createdAt } });
    expect((await api.as(admin).get(`/v1/webhooks/${w.id}/deliveries`)).body).toEqual({ items: [d] });
    expect(await auditActions(w.id)).toEqual(['created', 'pinged']);

    // A disabled webhook takes no ping (nothing would send it).
    await api.as(admin).patch(`/v1/webhooks/${w.id}`, { enabled: false }, { 'if-match': '"1"' });
    expect((await api.as(admin).post(`/v1/webhooks/${w.id}/ping`)).body).toMatchObject({ status: 409, code: 'webhook_disabled' });
    expect(queued).toHaveLength(1);
  });

  it('lists deliveries newest first with their attempts, filtered by status and event, paged by cursor', async () => {
    const w = await subscribe();
    const a = await stored(w.id, { status: 'delivered', attempts: [{ n: 1, at: '2026-12-01T10:00:00.000Z', durationMs: 12, outcome: 'delivered', status: 204, excerpt: { text: '', truncated: false } }] });
    const b = await stored(w.id, { eventType: 'client.created' });
    const c = await stored(w.id, {
      status: 'exhausted',
      attempts: [{ n: 8, at: '2026-12-02T13:00:00.000Z', durationMs: 10_000, outcome: 'retry', error: 'timeout' }],
      attemptCount: 8,
    });
    const path = `/v1/webhooks/${w.id}/deliveries`;
    expect((await api.as(admin).get(path)).body).toEqual({ items: [c, b, a] });
    const first = await api.as(admin).get(`${path}?limit=2`);
    expect(first.body).toEqual({ items: [c, b], nextCursor: expect.any(String) });
    expect((await api.as(admin).get(`${path}?limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`)).body).toEqual({ items: [a] });
    expect((await api.as(admin).get(`${path}?status=delivered`)).body).toEqual({ items: [a] });
    expect((await api.as(admin).get(`${path}?event=client.created`)).body).toEqual({ items: [b] });
    expect((await api.as(admin).get(`${path}?status=failed&event=opportunity.stage_changed`)).body).toEqual({ items: [] });
    expect((await api.as(admin).get(`${path}?status=lost`)).body.errors).toEqual([
      { field: 'query.status', code: 'invalid_value', message: 'Invalid option: expected one of "pending"|"retrying"|"delivered"|"failed"|"exhausted"|"gone"' },
    ]);
    expect((await api.as(admin).get(`/v1/webhooks/${w.id}/deliveries/${ids.webhookDelivery()}`)).body).toMatchObject({ status: 404, code: 'delivery_not_found' });
    // Another webhook's delivery is not found under this one.
    const other = await subscribe();
    expect((await api.as(admin).get(`/v1/webhooks/${other.id}/deliveries/${a.id}`)).status).toBe(404);
    expect((await api.as(acmeAdmin).get(`/v1/webhooks/${w.id}/deliveries/${a.id}`)).status).toBe(404);
  });

  it('redelivers one delivery: pending again, queued now, the same webhook-id and body, its attempts kept', async () => {
    const w = await subscribe();
    const d = await stored(w.id, { status: 'exhausted', nextAttemptAt: '2026-12-02T13:00:00.000Z' });
    const res = await api.as(admin).post(`/v1/webhooks/${w.id}/deliveries/${d.id}/redeliver`);
    expect(res.status).toBe(202);
    const { nextAttemptAt: _none, ...rest } = d;
    expect(res.body).toEqual({ ...rest, status: 'pending', updatedAt: expect.stringMatching(ISO), version: 3 });
    expect(queued).toEqual([{ message: { tenantId: 'demo', webhookId: w.id, deliveryId: d.id } }]);
    expect((await api.as(admin).get(`/v1/webhooks/${w.id}/deliveries/${d.id}`)).body).toEqual(res.body);
    expect(await auditActions(w.id)).toEqual(['created', 'redelivered']);
  });

  it('redelivers the failures since a time, counting what it queued', async () => {
    const w = await subscribe();
    const since = new Date(Date.now() - 3600_000).toISOString();
    // Made before `since` (its id says when): not taken.
    await stored(w.id, { id: `whd_${(await import('ulid')).encodeTime(Date.parse(since) - 1, 10).toLowerCase()}${'0'.repeat(16)}` });
    const failed = [await stored(w.id), await stored(w.id)];
    const exhausted = await stored(w.id, { status: 'exhausted' });
    await stored(w.id, { status: 'delivered' });
    await stored(w.id, { status: 'retrying' });
    const path = `/v1/webhooks/${w.id}/redeliver`;

    const onlyExhausted = await api.as(admin).post(path, { since, status: 'exhausted' });
    expect(onlyExhausted.status).toBe(202);
    expect(onlyExhausted.body).toEqual({ queued: 1, more: false });
    expect(queued.map((q) => q.message.deliveryId)).toEqual([exhausted.id]);

    queued.length = 0;
    expect((await api.as(admin).post(path, { since })).body).toEqual({ queued: 2, more: false });
    // Queued ten at a time, side by side: in no particular order.
    expect(queued.map((q) => q.message.deliveryId).sort()).toEqual(failed.map((d) => d.id).sort());
    // Those queued are pending now: a second call finds nothing left.
    expect((await api.as(admin).post(path, { since })).body).toEqual({ queued: 0, more: false });
    expect(await auditActions(w.id)).toEqual(['created', 'redelivered', 'redelivered']);

    const longAgo = new Date(Date.now() - 31 * 86_400_000).toISOString();
    expect((await api.as(admin).post(path, { since: longAgo })).body.errors).toEqual([{ field: 'body.since', code: 'too_old', message: 'must be at most 30 days ago (deliveries are kept 30 days)' }]);
    expect((await api.as(admin).post(path, { since: new Date(Date.now() + 3600_000).toISOString() })).body.errors).toEqual([{ field: 'body.since', code: 'in_future', message: 'must not be in the future' }]);
    expect((await api.as(admin).post(path, { since, status: 'delivered' })).body.errors).toEqual([{ field: 'body.status', code: 'invalid_value', message: 'Invalid option: expected one of "failed"|"exhausted"' }]);
    expect((await api.as(admin).post(path, {})).body.errors).toEqual([{ field: 'body.since', code: 'invalid_type', message: 'must be an ISO-8601 date-time with a time zone, like 2026-12-01T10:00:00+05:30' }]);
  });
});
