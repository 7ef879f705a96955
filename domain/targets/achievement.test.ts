import { describe, expect, it } from 'vitest';
import { noAchievement, periodTargets, targetGaps } from './achievement';
import { periodOf } from './periods';
import { seedTargets, withVersion } from './targets';

const rupees = (r: number) => r * 100;
const ist = { timeZone: 'Asia/Kolkata', weekStartsOn: 'monday' as const };
const tse = { role: 'tse' as const, tenant: [seedTargets] };

describe('period targets (seed, Monday–Saturday)', () => {
  it('gives a TSE the week of 30 November 2026 six working days of activity and the weekly revenue', () => {
    expect(periodTargets(periodOf('week', '2026-12-02', ist), tse)).toEqual({
      activity: { calls: 360, qualified: 120, potential: 30, demos: 12, visits: 6 },
      revenue: rupees(4_00_000),
    });
  });

  it('gives a working day its daily targets and a sixth of the weekly revenue; a Sunday nothing', () => {
    expect(periodTargets(periodOf('day', '2026-11-30', ist), tse)).toEqual({ activity: { calls: 60, qualified: 20, potential: 5, demos: 2, visits: 1 }, revenue: 6_666_667 });
    expect(periodTargets(periodOf('day', '2026-12-06', ist), tse)).toEqual({ activity: { calls: 0, qualified: 0, potential: 0, demos: 0, visits: 0 }, revenue: 0 });
  });

  it('gives December 2026 its 27 working days: ₹18,00,000 for a TSE', () => {
    expect(periodTargets(periodOf('month', '2026-12-15', ist), tse)).toEqual({
      activity: { calls: 1620, qualified: 540, potential: 135, demos: 54, visits: 27 },
      revenue: rupees(18_00_000),
    });
  });

  it('sets only the metrics a role has: a sales officer has no call target, a manager plans from Potential', () => {
    const week = periodOf('week', '2026-12-02', ist);
    expect(periodTargets(week, { role: 'sales_officer', tenant: [seedTargets] })).toEqual({ activity: { qualified: 90, potential: 30, demos: 12, visits: 12 }, revenue: rupees(5_00_000) });
    expect(periodTargets(week, { role: 'manager', tenant: [seedTargets] })).toEqual({ activity: { potential: 30, demos: 18, visits: 12 }, revenue: rupees(8_00_000) });
    expect(periodTargets(week, { role: 'analyst', tenant: [seedTargets] })).toBeUndefined();
  });

  it('judges each day by the target in force then: a raise to ₹6L from Thursday makes that week ₹5L', () => {
    const raised = withVersion([seedTargets], { ...seedTargets, effectiveFrom: '2026-12-03', roles: { ...seedTargets.roles, tse: { ...seedTargets.roles.tse, revenueWeekly: rupees(6_00_000) } } });
    expect(periodTargets(periodOf('week', '2026-12-02', ist), { role: 'tse', tenant: raised })?.revenue).toBe(rupees(5_00_000));
    expect(periodTargets(periodOf('week', '2026-11-25', ist), { role: 'tse', tenant: raised })?.revenue).toBe(rupees(4_00_000));
  });

  it('takes a staff member’s own call target, keeping the role’s other targets', () => {
    const own = [{ effectiveFrom: '2026-11-01', activity: { calls: 80 } }];
    expect(periodTargets(periodOf('day', '2026-12-01', ist), { ...tse, own })?.activity).toEqual({ calls: 80, qualified: 20, potential: 5, demos: 2, visits: 1 });
  });

  it('pro-rates to the time passed: Wednesday noon IST is two and a half working days of the week', () => {
    const now = new Date('2026-12-02T06:30:00.000Z');
    expect(periodTargets(periodOf('week', '2026-12-02', ist), tse, { now, timeZone: 'Asia/Kolkata' })).toEqual({
      activity: { calls: 150, qualified: 50, potential: 12.5, demos: 5, visits: 2.5 },
      revenue: 16_666_667,
    });
  });
});

describe('target gaps (achieved below 70 % of the target due by now)', () => {
  const week = periodOf('week', '2026-12-02', ist);
  const full = periodTargets(week, tse)!;
  const due = periodTargets(week, tse, { now: new Date('2026-12-02T06:30:00.000Z'), timeZone: 'Asia/Kolkata' })!;

  it('names each metric behind, worst first, with the figures', () => {
    const achieved = { ...noAchievement, calls: 100, qualified: 35, potential: 9, demos: 5, visits: 2, revenue: rupees(50_000) };
    expect(targetGaps(achieved, full, due)).toEqual([
      { metric: 'revenue', target: rupees(4_00_000), due: 16_666_667, achieved: rupees(50_000), ratio: 0.3 },
      { metric: 'calls', target: 360, due: 150, achieved: 100, ratio: 0.6667 },
    ]);
  });

  it('finds none at exactly 70 % (105 of 150 calls), nor before anything is due', () => {
    const achieved = { calls: 105, qualified: 35, potential: 8.75, demos: 3.5, visits: 1.75, revenue: 11_666_667 };
    expect(targetGaps(achieved, full, due)).toEqual([]);
    const nothingDue = periodTargets(week, tse, { now: new Date('2026-11-29T00:00:00.000Z'), timeZone: 'Asia/Kolkata' })!;
    expect(targetGaps(noAchievement, full, nothingDue)).toEqual([]);
  });
});
