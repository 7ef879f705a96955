import { describe, expect, it } from 'vitest';
import type { WebhookDelivery } from '../../../domain/webhooks/delivery';
import type { Webhook } from '../../../domain/webhooks/subscription';
import { contextOf } from './context';
import type { Services, WebhookQueueMessage, WebhooksStore } from './ports';
import { redeliverSince } from './webhooks';

/** Bulk redelivery's bounds with the clock fixed: how far back, how many a call, and what it counts. */
const NOW = new Date('2026-12-31T12:00:00.000Z');
const admin = { tenantId: 'demo', staffId: 'admin', role: 'tenant_admin' } as const;

const webhook: Webhook = {
  id: 'wh_01kbz3q5v8r2m7n4p6t9w1x3y5',
  url: 'https://hooks.example.com/',
  events: ['*'],
  description: '',
  enabled: true,
  secretCreatedAt: '2026-12-01T00:00:00.000Z',
  createdBy: 'admin',
  createdAt: '2026-12-01T00:00:00.000Z',
  updatedBy: 'admin',
  updatedAt: '2026-12-01T00:00:00.000Z',
  version: 1,
};

const failed = (n: number): WebhookDelivery => ({
  id: `whd_${String(n).padStart(26, '0')}`,
  webhookId: webhook.id,
  eventId: `evt-${n}`,
  eventType: 'client.created',
  messageId: `msg_${n}`,
  body: '{}',
  status: 'failed',
  attempts: [],
  attemptCount: 1,
  createdAt: '2026-12-30T00:00:00.000Z',
  updatedAt: '2026-12-30T00:00:00.000Z',
  version: 2,
});

/** A store holding `deliveries`; `lost` are the ids whose save another writer wins. */
function fixture(deliveries: WebhookDelivery[], lost: ReadonlySet<string> = new Set()) {
  const asked: unknown[] = [];
  const saved: WebhookDelivery[] = [];
  const queued: WebhookQueueMessage[] = [];
  const audits: unknown[] = [];
  const webhooks: Partial<WebhooksStore> = {
    getWebhook: async () => webhook,
    deliveriesSince: async (_t, _w, q) => {
      asked.push(q);
      return { deliveries: deliveries.slice(0, q.limit), more: deliveries.length > q.limit };
    },
    saveDelivery: async (_t, before, after) => {
      if (lost.has(before.id)) return false;
      saved.push(after);
      return true;
    },
    recordAudit: async (_t, a) => {
      audits.push(a);
    },
  };
  const services = {
    tenants: { config: async () => ({}) },
    webhooks,
    webhookQueue: { send: async (m: WebhookQueueMessage) => void queued.push(m) },
  } as unknown as Services;
  return { ctx: contextOf(admin, NOW, services), asked, saved, queued, audits };
}

describe('redeliverSince', () => {
  it('reaches back 30 days exactly, not a millisecond more, and not into the future', async () => {
    const { ctx } = fixture([]);
    await expect(redeliverSince(ctx, webhook.id, { since: '2026-12-01T12:00:00.000Z' })).resolves.toEqual({ queued: 0, more: false });
    await expect(redeliverSince(ctx, webhook.id, { since: '2026-12-01T11:59:59.999Z' })).rejects.toMatchObject({
      kind: 'invalid',
      details: { errors: [{ field: 'body.since', code: 'too_old', message: 'must be at most 30 days ago (deliveries are kept 30 days)' }] },
    });
    await expect(redeliverSince(ctx, webhook.id, { since: '2026-12-31T12:00:00.001Z' })).rejects.toMatchObject({ details: { errors: [{ field: 'body.since', code: 'in_future' }] } });
  });

  it('asks for failed and exhausted ones (or the status named), at most 1000, and says when more are left', async () => {
    const all = Array.from({ length: 1001 }, (_, i) => failed(i + 1));
    const { ctx, asked, queued, saved, audits } = fixture(all);
    expect(await redeliverSince(ctx, webhook.id, { since: '2026-12-30T00:00:00.000Z' })).toEqual({ queued: 1000, more: true });
    expect(asked).toEqual([{ since: '2026-12-30T00:00:00.000Z', statuses: ['failed', 'exhausted'], limit: 1000 }]);
    expect(queued).toHaveLength(1000);
    expect(queued[0]).toEqual({ tenantId: 'demo', webhookId: webhook.id, deliveryId: all[0]!.id });
    expect(saved[0]).toEqual({ ...all[0], status: 'pending', updatedAt: NOW.toISOString(), version: 3 });
    expect(audits).toEqual([expect.objectContaining({ entity: 'webhook', entityId: webhook.id, action: 'redelivered', before: { since: '2026-12-30T00:00:00.000Z', statuses: ['failed', 'exhausted'] }, after: { queued: 1000, more: true } })]);

    const one = fixture([failed(1)]);
    await redeliverSince(one.ctx, webhook.id, { since: '2026-12-30T00:00:00.000Z', status: 'exhausted' });
    expect(one.asked).toEqual([{ since: '2026-12-30T00:00:00.000Z', statuses: ['exhausted'], limit: 1000 }]);
  });

  it('leaves alone, and does not count, a delivery the sender moved meanwhile', async () => {
    const [a, b, c] = [failed(1), failed(2), failed(3)];
    const { ctx, queued } = fixture([a!, b!, c!], new Set([b!.id]));
    expect(await redeliverSince(ctx, webhook.id, { since: '2026-12-30T00:00:00.000Z' })).toEqual({ queued: 2, more: false });
    expect(queued.map((m) => m.deliveryId).sort()).toEqual([a!.id, c!.id]);
  });
});
