import { Webhook as StandardWebhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RETRY_DELAYS_MS } from '../../domain/webhooks/schedule';
import { startWebhookListener, type ListenOptions, type WebhookListener } from '../../scripts/webhook-listen';
import { useLocalStack } from '../../test/stack';

/**
 * Outbound webhooks end to end on the local stack (#15): a change through the API → the stream →
 * the bus → the `webhooks` rule's fan-out → the webhook queue → the sender → a receiver on
 * loopback (npm run webhook:listen's own server). The clock is the test's (a fake Date) and the
 * queue holds its delayed messages until the test hands over what came due — the schedule runs
 * in the test's time, nothing waits in real time.
 */
const api = useLocalStack({ pipeline: true });
const admin = { tenantId: 'demo', staffId: 'admin', role: 'tenant_admin' } as const;
const tse = { tenantId: 'demo', staffId: 'tse-1', role: 'tse' } as const;
const listeners: WebhookListener[] = [];

beforeAll(() => {
  vi.useFakeTimers({ toFake: ['Date'], now: new Date() });
  api.stack().webhookQueue.holdDelays();
});
afterAll(async () => {
  vi.useRealTimers();
  for (const l of listeners) await l.close();
});

const tick = (ms: number) => vi.setSystemTime(Date.now() + ms);

/** Everything the last writes set off: the stream read, the bus's consumers, the sends that are due. */
async function settle() {
  const { pipeline, webhookQueue } = api.stack();
  await pipeline!.poller.caughtUp();
  await pipeline!.bus.idle();
  await webhookQueue.idle();
}

/** The clock moved to the next held retry, and it handed over. */
async function nextRetry() {
  const q = api.stack().webhookQueue;
  const due = q.nextDue();
  if (due === undefined) throw new Error('no retry is waiting');
  vi.setSystemTime(due);
  expect(q.releaseDue()).toBeGreaterThan(0);
  await q.idle();
  return due;
}

async function listen(status: ListenOptions['status']) {
  const l = await startWebhookListener({ port: 0, ...(status !== undefined && { status }), print: () => undefined });
  listeners.push(l);
  return l;
}

/** Every held retry handed over in its turn, the clock moved to each (the receivers decide when they end). */
async function drainRetries() {
  while (api.stack().webhookQueue.nextDue() !== undefined) await nextRetry();
}

/** A subscription made through the API; the fan-out reads subscriptions every 10 s, so the clock moves past that. */
async function subscribe(url: string, events: string[]) {
  const res = await api.as(admin).post('/v1/webhooks', { url, events, description: 'integration test' });
  expect(res.status).toBe(201);
  tick(11_000);
  return res.body as { id: string; secret: string };
}

describe('outbound webhooks, end to end', () => {
  it('a stage change reaches an opportunity.* subscriber: a 503 first, then a success — one success recorded, the same webhook-id every attempt, signatures verified by standardwebhooks', async () => {
    // Every delivery's first attempt is refused, its second taken.
    const seen = new Set<string>();
    const receiver = await listen(({ webhookId }) => (webhookId && !seen.has(webhookId) ? (seen.add(webhookId), 503) : 200));
    const hook = await subscribe(receiver.url, ['opportunity.*']);
    const client = (await api.as(tse).post('/v1/clients', { companyName: 'Hook Traders', ownerName: 'Hari', mobile: '9873000001' })).body;
    const deal = (await api.as(tse).post(`/v1/clients/${client.id}/opportunities`, { productId: 'website' })).body;
    await settle();
    expect((await api.as(tse).post(`/v1/opportunities/${deal.id}/stage`, { stage: 'Demo' })).status).toBe(200);
    await settle();

    const log = async (event: string) => (await api.as(admin).get(`/v1/webhooks/${hook.id}/deliveries?event=${event}`)).body.items;
    const [first] = await log('opportunity.stage_changed');
    expect(first).toMatchObject({ status: 'retrying', attemptCount: 1, attempts: [{ n: 1, outcome: 'retry', status: 503 }] });
    // Each retry is held until the clock reaches it: about 5 s after the first attempt (±10 %).
    await drainRetries();

    const [done] = await log('opportunity.stage_changed');
    expect(done).toMatchObject({ id: first.id, status: 'delivered', attemptCount: 2, attempts: [{ n: 1, outcome: 'retry', status: 503 }, { n: 2, outcome: 'delivered', status: 200, excerpt: { text: 'received', truncated: false } }] });
    expect(done.attempts.filter((a: { outcome: string }) => a.outcome === 'delivered')).toHaveLength(1);
    const waited = Date.parse(done.attempts[1].at) - Date.parse(done.attempts[0].at);
    expect(waited).toBeGreaterThanOrEqual(RETRY_DELAYS_MS[0] * 0.9);
    expect(waited).toBeLessThanOrEqual(RETRY_DELAYS_MS[0] * 1.1 + 1_000);
    expect(done).not.toHaveProperty('nextAttemptAt');

    const sent = receiver.received.filter((r) => r.type === 'opportunity.stage_changed');
    expect(sent.map((r) => [r.webhookId, r.status])).toEqual([
      [done.messageId, 503],
      [done.messageId, 200],
    ]);
    // A new timestamp (and signature) each attempt; the reference implementation verifies both.
    expect(sent[0]!.headers['webhook-timestamp']).not.toBe(sent[1]!.headers['webhook-timestamp']);
    const verifier = new StandardWebhook(hook.secret);
    for (const r of sent) expect(verifier.verify(r.body, r.headers as Record<string, string>)).toMatchObject({ type: 'opportunity.stage_changed' });
    expect(JSON.parse(sent[1]!.body)).toMatchObject({
      id: done.eventId,
      type: 'opportunity.stage_changed',
      version: 1,
      entity: 'opportunity',
      entityId: deal.id,
      actor: 'tse-1',
      data: { opportunityId: deal.id, clientId: client.id, previousStage: 'Lead', stage: 'Demo', direction: 'forward' },
    });
    expect(JSON.parse(sent[1]!.body)).not.toHaveProperty('tenantId');
    // The deal's creation went out too (opportunity.*), tried and delivered the same way; nothing about the client (not subscribed).
    expect(await log('opportunity.created')).toMatchObject([{ status: 'delivered', attemptCount: 2 }]);
    expect(receiver.received.some((r) => r.type?.startsWith('client.'))).toBe(false);
  });

  it('a 410 disables the endpoint at once; later events make no deliveries to it', async () => {
    const receiver = await listen(410);
    const hook = await subscribe(receiver.url, ['client.created']);
    await api.as(tse).post('/v1/clients', { companyName: 'Gone Traders', ownerName: 'Gita', mobile: '9873000002' });
    await settle();
    const w = (await api.as(admin).get(`/v1/webhooks/${hook.id}`)).body;
    expect(w).toMatchObject({ enabled: false, disabledReason: 'gone' });
    expect((await api.as(admin).get(`/v1/webhooks/${hook.id}/deliveries`)).body.items).toMatchObject([{ status: 'gone', attempts: [{ n: 1, outcome: 'gone', status: 410 }] }]);
    tick(11_000);
    await api.as(tse).post('/v1/clients', { companyName: 'Gone Again', ownerName: 'Gopi', mobile: '9873000003' });
    await settle();
    expect(receiver.received).toHaveLength(1);
    expect((await api.as(admin).get(`/v1/webhooks/${hook.id}/deliveries`)).body.items).toHaveLength(1);
  });

  it('a receiver that never recovers: 8 attempts on the schedule (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, each ±10 %), then exhausted', async () => {
    const receiver = await listen(500);
    const hook = await subscribe(receiver.url, ['client.created']);
    await api.as(tse).post('/v1/clients', { companyName: 'Down Traders', ownerName: 'Dev', mobile: '9873000004' });
    await settle();
    for (let i = 0; i < RETRY_DELAYS_MS.length; i++) await nextRetry();
    expect(api.stack().webhookQueue.nextDue()).toBeUndefined();
    const [d] = (await api.as(admin).get(`/v1/webhooks/${hook.id}/deliveries`)).body.items;
    expect(d).toMatchObject({ status: 'exhausted', attemptCount: 8 });
    const times = d.attempts.map((a: { at: string }) => Date.parse(a.at));
    const gaps = times.slice(1).map((t: number, i: number) => t - times[i]);
    gaps.forEach((gap: number, i: number) => {
      expect(gap, `wait after attempt ${i + 1}`).toBeGreaterThanOrEqual(RETRY_DELAYS_MS[i]! * 0.9);
      expect(gap, `wait after attempt ${i + 1}`).toBeLessThanOrEqual(RETRY_DELAYS_MS[i]! * 1.1 + 1_000);
    });
    expect(new Set(receiver.received.map((r) => r.webhookId)).size).toBe(1);
    expect(receiver.received).toHaveLength(8);
    // ~27 h of failures: not yet the 3 days that disable an endpoint.
    expect((await api.as(admin).get(`/v1/webhooks/${hook.id}`)).body).toMatchObject({ enabled: true, failingSince: d.attempts[0].at });
  });
});
