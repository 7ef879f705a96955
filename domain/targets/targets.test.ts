import { describe, expect, it } from 'vitest';
import { isoWeekMonday, isoWeekOf, localDay, localMidnight, periodOf, workingDaysIn } from './periods';
import { effectiveTargets, seedTargets, withVersion, type TargetsVersion } from './targets';

const lakh = 1_00_000 * 100;

describe('seed targets (spec §5)', () => {
  it('are the spec’s, per working day and per week', () => {
    expect(seedTargets.roles).toEqual({
      tse: { activity: { calls: 60, qualified: 20, potential: 5, demos: 2, visits: 1 }, revenueWeekly: 4 * lakh },
      sales_officer: { activity: { qualified: 15, potential: 5, demos: 2, visits: 2 }, revenueWeekly: 5 * lakh },
      manager: { activity: { potential: 5, demos: 3, visits: 2 }, revenueWeekly: 8 * lakh },
      asst_manager: { activity: { potential: 5, demos: 3, visits: 2 }, revenueWeekly: 10 * lakh },
    });
    expect(seedTargets.workingDays).toEqual(['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday']);
  });
});

describe('targets in force', () => {
  const raised: TargetsVersion = { ...seedTargets, effectiveFrom: '2026-12-07', roles: { ...seedTargets.roles, tse: { ...seedTargets.roles.tse, revenueWeekly: 6 * lakh } } };
  const versions = withVersion([seedTargets], raised);

  it('judges a period by the target in force then: a raise from 7 December leaves November as it was', () => {
    expect(effectiveTargets('tse', '2026-11-30', versions)?.revenueWeekly).toBe(4 * lakh);
    expect(effectiveTargets('tse', '2026-12-07', versions)?.revenueWeekly).toBe(6 * lakh);
  });

  it('takes a staff member’s own target over the role’s, part by part, from its date', () => {
    const own = [{ effectiveFrom: '2026-12-01', activity: { calls: 80 } }];
    expect(effectiveTargets('tse', '2026-11-30', [seedTargets], own)).toMatchObject({ activity: { calls: 60 }, source: { activity: 'role', revenue: 'role' } });
    expect(effectiveTargets('tse', '2026-12-01', [seedTargets], own)).toMatchObject({ activity: { calls: 80 }, revenueWeekly: 4 * lakh, source: { activity: 'staff', revenue: 'role' } });
  });

  it('replaces a version of the same day or later, keeping earlier ones (history is not rewritten)', () => {
    const again = withVersion(versions, { ...raised, effectiveFrom: '2026-12-07', workingDays: ['monday'] });
    expect(again.map((v) => [v.effectiveFrom, v.workingDays.length])).toEqual([
      ['2000-01-01', 6],
      ['2026-12-07', 1],
    ]);
  });

  it('sets no targets for roles that do not sell', () => {
    expect(effectiveTargets('analyst', '2026-12-01', [seedTargets])).toBeUndefined();
    expect(effectiveTargets('tenant_admin', '2026-12-01', [seedTargets])).toBeUndefined();
  });
});

describe('periods in the tenant’s time zone', () => {
  const ist = { timeZone: 'Asia/Kolkata', weekStartsOn: 'monday' as const };

  it('starts an IST day at 18:30 UTC the day before', () => {
    expect(periodOf('day', '2026-12-01', ist)).toEqual({ kind: 'day', from: '2026-12-01', to: '2026-12-01', start: '2026-11-30T18:30:00.000Z', end: '2026-12-01T18:30:00.000Z', days: ['2026-12-01'] });
  });

  it('makes a week from Monday (or Sunday) and a month from the 1st', () => {
    expect(periodOf('week', '2026-12-03', ist)).toMatchObject({ from: '2026-11-30', to: '2026-12-06' });
    expect(periodOf('week', '2026-12-03', { ...ist, weekStartsOn: 'sunday' })).toMatchObject({ from: '2026-11-29', to: '2026-12-05' });
    expect(periodOf('month', '2026-02-14', ist)).toMatchObject({ from: '2026-02-01', to: '2026-02-28', start: '2026-01-31T18:30:00.000Z', end: '2026-02-28T18:30:00.000Z' });
  });

  it('counts working days: six in a Monday week, 27 in December 2026 (its four Sundays off)', () => {
    expect(workingDaysIn(periodOf('week', '2026-12-03', ist), seedTargets.workingDays)).toBe(6);
    expect(workingDaysIn(periodOf('month', '2026-12-15', ist), seedTargets.workingDays)).toBe(27);
    expect(workingDaysIn(periodOf('day', '2026-12-06', ist), seedTargets.workingDays)).toBe(0);
  });

  it('follows a daylight-saving change (London, 29 March 2026)', () => {
    expect(localMidnight('2026-03-29', 'Europe/London')).toBe('2026-03-29T00:00:00.000Z');
    expect(localMidnight('2026-03-30', 'Europe/London')).toBe('2026-03-29T23:00:00.000Z');
    expect(localDay(new Date('2026-11-30T19:00:00Z'), 'Asia/Kolkata')).toBe('2026-12-01');
  });

  it('reads ISO weeks', () => {
    expect(isoWeekMonday('2026-W48')).toBe('2026-11-23');
    expect(isoWeekMonday('2026-W01')).toBe('2025-12-29');
    expect(isoWeekOf('2026-12-01')).toBe('2026-W49');
    expect(isoWeekOf('2027-01-01')).toBe('2026-W53');
    expect(() => isoWeekMonday('2026-W54')).toThrow(expect.objectContaining({ kind: 'invalid' }));
  });
});

describe('ISO weeks at the edges', () => {
  it('refuses weeks outside 2000–2100, and knows 2000-W01 and 2100-W52', () => {
    for (const w of ['1999-W52', '0099-W01', '0000-W01', '2101-W01', '9999-W52']) {
      expect(() => isoWeekMonday(w)).toThrow(expect.objectContaining({ details: { errors: [{ field: 'query.week', code: 'invalid_value', message: 'must lie between the years 2000 and 2100' }] } }));
    }
    expect(isoWeekMonday('2000-W01')).toBe('2000-01-03');
    expect(isoWeekMonday('2100-W52')).toBe('2100-12-27');
    expect(isoWeekOf('2000-01-01')).toBe('1999-W52');
    expect(isoWeekOf('2100-12-31')).toBe('2100-W52');
  });
});
