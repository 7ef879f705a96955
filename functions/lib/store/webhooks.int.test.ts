import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { encodeTime } from 'ulid';
import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../../domain/audit/audit';
import type { WebhookDelivery } from '../../../domain/webhooks/delivery';
import type { Webhook } from '../../../domain/webhooks/subscription';
import { useLocalStack } from '../../../test/stack';
import { config } from '../config';
import { ids } from '../ids';
import { cursorKeys, getStoreClients } from '../services';
import { CursorCodec } from './cursor';
import { keys } from './keys';
import { WebhooksRepository } from './webhooks.dynamodb';

/** The outbound webhook store of #15 on DynamoDB Local: subscriptions by version, one delivery per (webhook, event), the log newest first. */
useLocalStack();
const repo = () => new WebhooksRepository(getStoreClients().db, config().TABLE_NAME, new CursorCodec(cursorKeys(config())));

const AT = '2026-12-01T10:00:00.000Z';

const webhook = (over: Partial<Webhook> = {}): Webhook => ({
  id: ids.webhook(),
  url: 'https://hooks.example.com/crm',
  events: ['opportunity.*'],
  description: '',
  enabled: true,
  secretCreatedAt: AT,
  createdBy: 'admin',
  createdAt: AT,
  updatedBy: 'admin',
  updatedAt: AT,
  version: 1,
  ...over,
});

const audit = (w: Webhook, action: AuditEntry['action']): AuditEntry => ({ id: ids.audit(), entity: 'webhook', entityId: w.id, action, actor: 'admin', actorRole: 'tenant_admin', at: AT, after: w });

const delivery = (webhookId: string, over: Partial<WebhookDelivery> = {}): WebhookDelivery => ({
  id: ids.webhookDelivery(),
  webhookId,
  eventId: `evt-${crypto.randomUUID()}`,
  eventType: 'opportunity.stage_changed',
  messageId: 'msg_x',
  body: '{"id":"e"}',
  status: 'pending',
  attempts: [],
  attemptCount: 0,
  createdAt: AT,
  updatedAt: AT,
  version: 1,
  ...over,
});

describe('webhooks store: subscriptions', () => {
  it('creates, lists, saves over the version read, and deletes', async () => {
    const a = webhook();
    const b = webhook({ enabled: false, disabledReason: 'admin', disabledAt: AT });
    await repo().createWebhook('demo', a, audit(a, 'created'));
    await repo().createWebhook('demo', b, audit(b, 'created'));
    await expect(repo().createWebhook('demo', a, audit(a, 'created'))).rejects.toMatchObject({ code: 'webhook_exists' });
    expect(await repo().getWebhook('demo', a.id)).toEqual(a);
    expect(await repo().getWebhook('acme', a.id)).toBeUndefined();

    const first = await repo().listWebhooks('demo', { limit: 1 });
    expect(first.items).toEqual([a]);
    expect((await repo().listWebhooks('demo', { limit: 1, cursor: first.cursor! })).items).toEqual([b]);
    expect((await repo().enabledWebhooks('demo')).map((w) => w.id)).toEqual([a.id]);
    expect(await repo().enabledWebhooks('acme')).toEqual([]);

    const changed = { ...a, description: 'ERP sync', version: 2 };
    await repo().saveWebhook('demo', a, changed, audit(changed, 'updated'));
    await expect(repo().saveWebhook('demo', a, { ...a, description: 'lost', version: 2 })).rejects.toMatchObject({ kind: 'conflict', code: 'concurrent_update' });
    expect(await repo().getWebhook('demo', a.id)).toEqual(changed);

    await expect(repo().deleteWebhook('demo', a, audit(a, 'deleted'))).rejects.toMatchObject({ code: 'concurrent_update' });
    await repo().deleteWebhook('demo', changed, audit(changed, 'deleted'));
    expect(await repo().getWebhook('demo', a.id)).toBeUndefined();
  });
});

describe('webhooks store: deliveries', () => {
  it('makes one delivery per (webhook, event): the second create answers the first, writing nothing', async () => {
    const webhookId = ids.webhook();
    const d = delivery(webhookId, { eventId: 'evt-1' });
    expect(await repo().createDelivery('demo', d)).toEqual({ delivery: d, created: true });
    const again = delivery(webhookId, { eventId: 'evt-1' });
    expect(await repo().createDelivery('demo', again)).toEqual({ delivery: d, created: false });
    expect(await repo().getDelivery('demo', webhookId, again.id)).toBeUndefined();
    // Another subscription's delivery of the same event is its own.
    const other = delivery(ids.webhook(), { eventId: 'evt-1' });
    expect(await repo().createDelivery('demo', other)).toEqual({ delivery: other, created: true });
    expect((await repo().listDeliveries('demo', webhookId, { limit: 10 })).items).toEqual([d]);
  });

  it('keeps a delivery 30 days after its last change, and its event reference 30 days after it was made (TTL)', async () => {
    const webhookId = ids.webhook();
    const d = delivery(webhookId, { eventId: 'evt-ttl' });
    await repo().createDelivery('demo', d);
    const read = async (key: { pk: string; sk: string }) => (await getStoreClients().db.send(new GetCommand({ TableName: config().TABLE_NAME, Key: key }))).Item;
    const created = Date.parse(AT) / 1000;
    expect((await read(keys.webhookDelivery('demo', webhookId, d.id)))?.ttl).toBe(created + 30 * 86_400);
    // The reference is keyed by the event id's SHA-256, hex (sha256('evt-ttl')).
    const ref = await read(keys.webhookDeliveryRef('demo', webhookId, 'ed0d0854dfa2fddd4a916512aa17e88df2f238c1d55e9b052490507218cbcbe4'));
    expect(ref).toMatchObject({ entity: 'webhook_delivery_ref', deliveryId: d.id, ttl: created + 30 * 86_400 });

    const later = { ...d, status: 'delivered' as const, updatedAt: '2026-12-05T10:00:00.000Z', version: 2 };
    expect(await repo().saveDelivery('demo', d, later)).toBe(true);
    expect((await read(keys.webhookDelivery('demo', webhookId, d.id)))?.ttl).toBe(Date.parse(later.updatedAt) / 1000 + 30 * 86_400);
    // The attribute is the table's, not the delivery's.
    expect(await repo().getDelivery('demo', webhookId, d.id)).toEqual(later);
  });

  it('saves a delivery only over the version it read', async () => {
    const webhookId = ids.webhook();
    const d = delivery(webhookId);
    await repo().createDelivery('demo', d);
    const retrying = { ...d, status: 'retrying' as const, attemptCount: 1, nextAttemptAt: '2026-12-01T10:00:05.000Z', version: 2 };
    expect(await repo().saveDelivery('demo', d, retrying)).toBe(true);
    expect(await repo().saveDelivery('demo', d, { ...d, status: 'delivered', version: 2 })).toBe(false);
    expect(await repo().getDelivery('demo', webhookId, d.id)).toEqual(retrying);
  });

  it('lists newest first, filtered by status and event type, continued by a cursor bound to the filters', async () => {
    const webhookId = ids.webhook();
    const made: WebhookDelivery[] = [];
    const statuses = ['delivered', 'failed', 'delivered', 'exhausted', 'delivered'] as const;
    for (const [i, status] of statuses.entries()) {
      const d = delivery(webhookId, { status, eventType: i % 2 === 0 ? 'opportunity.stage_changed' : 'client.created' });
      await repo().createDelivery('demo', d);
      made.push(d);
    }
    const [d0, d1, d2, d3, d4] = made.map((d) => d.id);
    const idsOf = (p: { items: WebhookDelivery[] }) => p.items.map((d) => d.id);

    expect(idsOf(await repo().listDeliveries('demo', webhookId, { limit: 10 }))).toEqual([d4, d3, d2, d1, d0]);
    const page1 = await repo().listDeliveries('demo', webhookId, { limit: 2, status: 'delivered' });
    expect(idsOf(page1)).toEqual([d4, d2]);
    const page2 = await repo().listDeliveries('demo', webhookId, { limit: 2, status: 'delivered', cursor: page1.cursor! });
    expect(idsOf(page2)).toEqual([d0]);
    expect(page2.cursor).toBeUndefined();
    expect(idsOf(await repo().listDeliveries('demo', webhookId, { limit: 10, eventType: 'client.created' }))).toEqual([d3, d1]);
    expect(idsOf(await repo().listDeliveries('demo', webhookId, { limit: 10, eventType: 'client.created', status: 'failed' }))).toEqual([d1]);
    // A cursor of one filter does not continue another (nor another tenant's partition).
    await expect(repo().listDeliveries('demo', webhookId, { limit: 2, cursor: page1.cursor! })).rejects.toMatchObject({ kind: 'bad_request', code: 'invalid_cursor' });
    await expect(repo().listDeliveries('acme', webhookId, { limit: 2, status: 'delivered', cursor: page1.cursor! })).rejects.toMatchObject({ kind: 'bad_request', code: 'invalid_cursor' });
    expect((await repo().listDeliveries('acme', webhookId, { limit: 10 })).items).toEqual([]);
  });

  it('finds the failed and exhausted deliveries made since an instant, oldest first, up to a cap', async () => {
    const webhookId = ids.webhook();
    const since = '2026-12-01T10:00:00.000Z';
    await repo().createDelivery('demo', delivery(webhookId, { id: idAt('2026-12-01T09:59:59.999Z'), status: 'failed' }));
    const recent = [];
    for (const [i, status] of (['failed', 'delivered', 'exhausted', 'pending', 'failed'] as const).entries()) {
      const d = delivery(webhookId, { id: idAt(`2026-12-01T1${i}:00:00.000Z`), status });
      await repo().createDelivery('demo', d);
      recent.push(d);
    }
    const got = await repo().deliveriesSince('demo', webhookId, { since, statuses: ['failed', 'exhausted'], limit: 10 });
    expect(got).toEqual({ deliveries: [recent[0], recent[2], recent[4]], more: false });
    expect(await repo().deliveriesSince('demo', webhookId, { since, statuses: ['failed', 'exhausted'], limit: 2 })).toEqual({ deliveries: [recent[0], recent[2]], more: true });
    expect(await repo().deliveriesSince('demo', webhookId, { since, statuses: ['exhausted'], limit: 1 })).toEqual({ deliveries: [recent[2]], more: false });
    expect(await repo().deliveriesSince('acme', webhookId, { since, statuses: ['failed'], limit: 10 })).toEqual({ deliveries: [], more: false });
  });
});

/** A delivery id made at `iso` (ids are time-ordered: the first 10 characters of the ulid are its millisecond). */
const idAt = (iso: string) => `whd_${encodeTime(Date.parse(iso), 10).toLowerCase()}${ids.webhookDelivery().slice(-16)}`;
