import { describe, expect, it } from 'vitest';
import { useLocalStack } from '../test/stack';
import { seedHistory } from './seed-history';

/**
 * The demo history (issue #9 item 9): made through the use cases, deterministic for a tenant and
 * an instant, and it shows on the dashboards as real figures — the same ones the history made.
 */
const api = useLocalStack({ pipeline: true });
const manager = { tenantId: 'demo', staffId: 'manager', role: 'manager' } as const;
const analyst = { tenantId: 'demo', staffId: 'admin', role: 'tenant_admin' } as const;

describe('demo history', () => {
  it('makes a week of leads, calls, demos, visits, wins and losses that the dashboards count', async () => {
    const { getServices } = await import('../functions/lib/services');
    // Tuesday 1 December 2026, 11:30 IST: the history covers Tuesday 24 – Monday 30 November.
    const summary = await seedHistory(getServices(), { tenantId: 'demo', weeks: 1, now: new Date('2026-12-01T06:00:00.000Z') });
    // The same every time: the generator is seeded from the tenant and the first day.
    expect(summary).toEqual({ tenantId: 'demo', from: '2026-11-24', to: '2026-11-30', clients: 48, opportunities: 48, events: 243, won: 4, lost: 0, missed: 32 });
    await api.stack().pipeline!.poller.caughtUp();
    await api.stack().pipeline!.bus.idle();

    const tenant = (await api.as(analyst).get('/v1/dashboards/tenant?period=month&date=2026-11-30')).body;
    expect(tenant.conversion.find((c: any) => c.from === 'Demo').numerator).toBe(summary.won);
    expect(tenant.revenue.achieved).toBeGreaterThan(0);
    expect(tenant.activity.find((a: any) => a.metric === 'calls').achieved).toBeGreaterThan(100);

    const team = (await api.as(manager).get('/v1/dashboards/manager/manager?period=month&date=2026-11-30')).body;
    expect(team.team.map((t: any) => t.staffId)).toEqual(['so-1', 'tse-1', 'tse-2']);
    // Missed in November by the nightly sweeps, and this morning (1 December) by the last one.
    const december = (await api.as(manager).get('/v1/dashboards/manager/manager?period=day&date=2026-12-01')).body;
    expect(team.missedFollowUps.total + december.missedFollowUps.total).toBe(summary.missed);
    expect(team.pipelineHealth.noNextStep.count).toBeGreaterThan(0);
  }, 120_000);
});
