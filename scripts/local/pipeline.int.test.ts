import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { useLocalStack } from '../../test/stack';
import { toDateTime64 } from '../../functions/lib/analytics/facts';
import { STREAM_DLQ } from './pipeline';

/**
 * DESIGN §1 end to end on the real engines: HTTP → DynamoDB Local → stream poller → publisher →
 * local bus (same rule patterns as CDK) → analytics loader → chDB facts.
 */
const api = useLocalStack({ pipeline: true });
const tse = { tenantId: 'demo', staffId: 'tse-1', role: 'tse' } as const;
const other = { tenantId: 'acme', staffId: 'tse-1', role: 'tse' } as const;

const aClient = (overrides: Record<string, unknown> = {}) => ({
  companyName: 'Sree Jewellers',
  ownerName: 'Anil Kumar',
  mobile: '98470 12345',
  email: 'Anil@SreeJewellers.IN',
  geo: { lat: 9.9816, lng: 76.2999 },
  ...overrides,
});

interface AuditRow {
  action: string;
  audit_id: string;
  tenant_id: string;
  actor: string;
  at: string;
  before: string;
  after: string;
}

const auditOf = (entityId: string) =>
  api
    .stack()
    .pipeline!.analytics.query<AuditRow>(
      `SELECT action, audit_id, tenant_id, actor, toString(at) AS at, before, after
       FROM audit_log FINAL WHERE entity = 'client' AND entity_id = {id:String} ORDER BY at, action`,
      { id: entityId },
    );

/** Polls until the rows for the entity are there, within a deadline (the pipeline is asynchronous). */
const eventually = (assertion: () => Promise<void>) => vi.waitFor(assertion, { timeout: 20_000, interval: 100 });

describe('event pipeline on the local stack', () => {
  it('turns POST /v1/clients into exactly one audit row in ClickHouse', async () => {
    const created = await api.as(tse).post('/v1/clients', aClient());
    expect(created.status).toBe(201);
    const client = created.body;

    await eventually(async () => expect(await auditOf(client.id)).toHaveLength(1));
    const [row] = await auditOf(client.id);
    expect(row).toMatchObject({ action: 'created', tenant_id: 'demo', actor: 'tse-1', at: client.createdAt.replace('T', ' ').replace('Z', ''), before: '' });
    expect(JSON.parse(row!.after)).toMatchObject({ id: client.id, companyName: 'Sree Jewellers', mobile: '+919847012345', email: 'anil@sreejewellers.in' });
  });

  it('records a PATCH with before and after', async () => {
    const created = await api.as(tse).post('/v1/clients', aClient({ mobile: '9847055555', email: 'patch@example.com' }));
    const patched = await api.as(tse).patch(`/v1/clients/${created.body.id}`, { landmark: 'Opposite the Town Hall' }, { 'if-match': '"1"' });
    expect(patched.status).toBe(200);

    await eventually(async () => expect((await auditOf(created.body.id)).map((r) => r.action)).toEqual(['created', 'updated']));
    const updated = (await auditOf(created.body.id))[1]!;
    expect(JSON.parse(updated.before)).not.toHaveProperty('landmark');
    expect(JSON.parse(updated.after)).toMatchObject({ landmark: 'Opposite the Town Hall', version: 2 });
  });

  it('publishes nothing for a refused duplicate, and keeps tenants apart', async () => {
    const first = await api.as(other).post('/v1/clients', aClient({ mobile: '9847066666', email: 'dup@example.com' }));
    const duplicate = await api.as(other).post('/v1/clients', aClient({ mobile: '9847066666', email: 'dup2@example.com' }));
    expect(duplicate.status).toBe(409);
    // A later client of the same tenant shows the stream got past the refused write.
    const later = await api.as(other).post('/v1/clients', aClient({ mobile: '9847077777', email: 'later@example.com' }));
    await eventually(async () => expect(await auditOf(later.body.id)).toHaveLength(1));

    const acme = await api.stack().pipeline!.analytics.query<{ entity_id: string }>("SELECT entity_id FROM audit_log FINAL WHERE tenant_id = 'acme' AND entity = 'client' ORDER BY at");
    expect(acme.map((r) => r.entity_id)).toEqual([first.body.id, later.body.id]);
  });

  it('answers "how many calls did tse-1 complete this week" exactly, and every fact of a won deal, within seconds of the API', async () => {
    const facts = api.stack().pipeline!.analytics;
    const client = (await api.as(tse).post('/v1/clients', aClient({ mobile: '9847088888', email: 'facts@example.com' }))).body;
    const o = (await api.as(tse).post(`/v1/clients/${client.id}/opportunities`, { productId: 'jewellery', coSalespersons: ['so-1'] })).body;
    for (const hour of ['10', '11', '12']) {
      const call = (await api.as(tse).post(`/v1/opportunities/${o.id}/events`, { type: 'Call', scheduledAt: `2026-12-02T${hour}:00:00+05:30` })).body;
      expect((await api.as(tse).post(`/v1/events/${call.id}/complete`, { remarks: 'spoke' })).status).toBe(200);
    }
    const pending = (await api.as(tse).post(`/v1/opportunities/${o.id}/events`, { type: 'Call', scheduledAt: '2026-12-03T10:00:00+05:30' })).body;
    expect(pending.status).toBe('Pending');
    expect((await api.as(tse).post(`/v1/opportunities/${o.id}/stage`, { stage: 'Demo' })).status).toBe(200);
    const won = await api.as(tse).post(`/v1/opportunities/${o.id}/stage`, { stage: 'Closed', outcome: 'Won', closingOwner: 'so-1' });
    expect(won.status).toBe(200);
    const wonAt = Date.now();

    // The calls were completed just now: this week is the seven days around now (UTC).
    const week = { tenant: 'demo', staff: 'tse-1', o: o.id, from: toDateTime64(new Date(wonAt - 3.5 * 86_400_000).toISOString()), to: toDateTime64(new Date(wonAt + 3.5 * 86_400_000).toISOString()) };
    const callsDone = async () =>
      (
        await facts.query<{ n: number }>(
          `SELECT uniqExact(activity_id) AS n FROM activities
           WHERE tenant_id = {tenant:String} AND staff_id = {staff:String} AND kind = 'completed' AND event_type = 'Call' AND opportunity_id = {o:String}
             AND at >= {from:DateTime64(3)} AND at < {to:DateTime64(3)}`,
          week,
        )
      )[0]!.n;
    await eventually(async () => expect((await facts.query('SELECT 1 FROM revenue_credits WHERE opportunity_id = {o:String}', { o: o.id })).length).toBe(2));
    const freshnessMs = Date.now() - wonAt;
    expect(freshnessMs).toBeLessThan(10_000);
    expect(await callsDone()).toBe(3);
    expect(await facts.query('SELECT staff_id, amount FROM revenue_credits WHERE opportunity_id = {o:String} ORDER BY staff_id', { o: o.id })).toEqual([
      { staff_id: 'so-1', amount: 1_500_000 },
      { staff_id: 'tse-1', amount: 1_500_000 },
    ]);
    expect(
      await facts.query('SELECT stage, sum(newly_reached) AS n FROM stage_transitions WHERE opportunity_id = {o:String} GROUP BY stage ORDER BY stage', { o: o.id }),
    ).toEqual([
      { stage: 'Closed', n: 1 },
      { stage: 'Demo', n: 1 },
      { stage: 'Lead', n: 1 },
      { stage: 'Potential', n: 1 },
      { stage: 'Qualified', n: 1 },
      { stage: 'Visit', n: 1 },
    ]);
    expect(await facts.query("SELECT argMax(status, version) AS status, argMax(stage, version) AS stage FROM opportunity_state WHERE opportunity_id = {o:String}", { o: o.id })).toEqual([{ status: 'won', stage: 'Closed' }]);
    expect(await facts.query("SELECT count() AS n FROM activities WHERE opportunity_id = {o:String} AND kind = 'scheduled'", { o: o.id })).toEqual([{ n: 4 }]);
  });

  it('delivered everything: no dead letters from the stream or the bus', async () => {
    const { pipeline } = api.stack();
    await pipeline!.poller.caughtUp();
    await pipeline!.bus.idle();
    expect(existsSync(join(pipeline!.dlqDir, `${STREAM_DLQ}.jsonl`)) && readFileSync(join(pipeline!.dlqDir, `${STREAM_DLQ}.jsonl`), 'utf8')).toBeFalsy();
    expect(existsSync(pipeline!.bus.dlqFile('analytics-loader'))).toBe(false);
  });
});
