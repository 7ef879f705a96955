import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../errors';
import { canChange, canSee, checkDefinition, isDue, newSavedReport, nextRunAt, parseSavedReportInput, parseSavedReportPatch, patchSavedReport, savedRunRequest, type SavedReport } from './saved';

const errorsOf = (f: () => unknown) => {
  try {
    f();
  } catch (error) {
    if (error instanceof DomainError) return (error.details.errors as { field: string; code: string }[]).map((e) => `${e.field} ${e.code}`);
    throw error;
  }
  return [];
};

const IST = 'Asia/Kolkata';
const now = new Date('2026-12-02T10:00:00.000Z'); // Wednesday 15:30 in India

describe('nextRunAt', () => {
  it('is the next local time on the next matching day, strictly after the instant', () => {
    expect(nextRunAt({ frequency: 'daily', time: '18:00' }, now, IST)).toBe('2026-12-02T12:30:00.000Z');
    expect(nextRunAt({ frequency: 'daily', time: '15:30' }, now, IST)).toBe('2026-12-03T10:00:00.000Z');
    expect(nextRunAt({ frequency: 'daily', time: '09:00' }, now, IST)).toBe('2026-12-03T03:30:00.000Z');
    expect(nextRunAt({ frequency: 'weekly', weekday: 'monday', time: '08:00' }, now, IST)).toBe('2026-12-07T02:30:00.000Z');
    expect(nextRunAt({ frequency: 'weekly', weekday: 'wednesday', time: '15:45' }, now, IST)).toBe('2026-12-02T10:15:00.000Z');
    expect(nextRunAt({ frequency: 'weekly', weekday: 'wednesday', time: '15:30' }, now, IST)).toBe('2026-12-09T10:00:00.000Z');
  });

  it('keeps the local time across a daylight-saving change', () => {
    // New York leaves DST on 2026-11-01: 08:00 local is 12:00Z before, 13:00Z after.
    expect(nextRunAt({ frequency: 'daily', time: '08:00' }, new Date('2026-10-31T13:00:00Z'), 'America/New_York')).toBe('2026-11-01T13:00:00.000Z');
    expect(nextRunAt({ frequency: 'daily', time: '08:00' }, new Date('2026-10-30T13:00:00Z'), 'America/New_York')).toBe('2026-10-31T12:00:00.000Z');
  });

  it('for every instant and schedule: later than the instant, at most a week (+1 h) away, on the weekday, at the local time', () => {
    const weekdays = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
    fc.assert(
      fc.property(
        fc.date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true }),
        fc.constantFrom('Asia/Kolkata', 'UTC', 'Asia/Kathmandu', 'Europe/London', 'America/Los_Angeles'),
        fc.integer({ min: 0, max: 23 }),
        fc.constantFrom('00', '15', '30', '45'),
        fc.option(fc.constantFrom(...weekdays), { nil: undefined }),
        (after, tz, h, m, weekday) => {
          const time = `${String(h).padStart(2, '0')}:${m}`;
          const next = new Date(nextRunAt(weekday ? { frequency: 'weekly', weekday, time } : { frequency: 'daily', time }, after, tz));
          expect(next.getTime()).toBeGreaterThan(after.getTime());
          expect(next.getTime() - after.getTime()).toBeLessThanOrEqual((weekday ? 7 : 1) * 86_400_000 + 3_600_000);
          const local = Object.fromEntries(new Intl.DateTimeFormat('en-GB', { timeZone: tz, hourCycle: 'h23', weekday: 'long', hour: '2-digit', minute: '2-digit' }).formatToParts(next).map((p) => [p.type, p.value]));
          // A local time that a DST change skips lands an hour off on that one day.
          if (!['Europe/London', 'America/Los_Angeles'].includes(tz)) expect(`${local.hour}:${local.minute}`).toBe(time);
          if (weekday && !['Europe/London', 'America/Los_Angeles'].includes(tz)) expect(local.weekday!.toLowerCase()).toBe(weekday);
        },
      ),
    );
  });
});

describe('a saved report', () => {
  const by = { id: 'rpt_1', owner: 'tse-1', now, timeZone: IST };

  it('takes its prebuilt report’s default period and schedules its first run', () => {
    const s = newSavedReport(parseSavedReportInput({ name: 'My funnel', reportId: 'funnel-by-staff', schedule: { frequency: 'weekly', weekday: 'monday', time: '08:00', recipients: ['mgr-1'] } }), by);
    expect(s).toEqual({
      id: 'rpt_1',
      name: 'My funnel',
      reportId: 'funnel-by-staff',
      period: 'this_month',
      shared: false,
      owner: 'tse-1',
      schedule: { frequency: 'weekly', weekday: 'monday', time: '08:00', recipients: ['mgr-1'] },
      nextRunAt: '2026-12-07T02:30:00.000Z',
      createdAt: '2026-12-02T10:00:00.000Z',
      updatedAt: '2026-12-02T10:00:00.000Z',
      updatedBy: 'tse-1',
      version: 1,
    });
    expect(savedRunRequest(s, '2026-12-07', 'monday')).toEqual({ kind: 'prebuilt', reportId: 'funnel-by-staff', request: { period: { from: '2026-12-01', to: '2026-12-31' } } });
  });

  it('a custom spec defaults to the last 30 days, and runs with its period', () => {
    const s = newSavedReport(parseSavedReportInput({ name: 'Calls', spec: { source: 'activities', dimensions: ['staffId'], measures: ['count'] } }), by);
    expect(s.period).toBe('last_30_days');
    expect(savedRunRequest(s, '2026-12-02', 'monday')).toEqual({ kind: 'custom', spec: { source: 'activities', dimensions: ['staffId'], measures: ['count'], period: { from: '2026-11-03', to: '2026-12-02' } } });
    const snapshot = newSavedReport(parseSavedReportInput({ name: 'Open', spec: { source: 'opportunities', dimensions: ['stage'], measures: ['count'] } }), by);
    expect(snapshot.period).toBe('none');
    expect(savedRunRequest(snapshot, '2026-12-02', 'monday')).toEqual({ kind: 'custom', spec: { source: 'opportunities', dimensions: ['stage'], measures: ['count'] } });
  });

  it('is refused with each error at its path when it could not run', () => {
    const make = (input: unknown) => () => newSavedReport(parseSavedReportInput(input), by);
    expect(errorsOf(make({ name: 'x' }))).toEqual(['body.reportId one_required']);
    expect(errorsOf(make({ name: 'x', reportId: 'funnel-by-staff', spec: { source: 'activities', measures: ['count'] } }))).toEqual(['body.reportId one_required']);
    expect(errorsOf(make({ name: 'x', reportId: 'no-such-report' }))).toEqual(['body.reportId unknown_report']);
    expect(errorsOf(make({ name: 'x', reportId: 'funnel-by-staff', groupBy: ['nope'] }))).toEqual(['body.groupBy.0 unknown_dimension']);
    expect(errorsOf(make({ name: 'x', reportId: 'funnel-by-staff', period: 'none' }))).toEqual(['body.period period_required']);
    expect(errorsOf(make({ name: 'x', spec: { source: 'activities', measures: ['count', 'sum:nope'] } }))).toEqual(['body.spec.measures.1 unknown_measure']);
    expect(errorsOf(make({ name: 'x', spec: { source: 'activities', measures: ['count'], period: { from: '2026-01-01', to: '2026-01-31' } } }))).toEqual(['body.spec.period not_allowed']);
    expect(errorsOf(make({ name: 'x', spec: { source: 'activities', measures: ['count'] }, period: 'none' }))).toEqual(['body.period period_required']);
    expect(errorsOf(make({ name: 'x', spec: { source: 'activities', measures: ['count'] }, filters: [] }))).toEqual(['body.filters not_allowed']);
    expect(errorsOf(make({ name: 'x', reportId: 'funnel-by-staff', period: { from: '2026-01-01', to: '2027-06-01' } }))).toEqual(['body.period.to period_too_long']);
    expect(errorsOf(make({ name: ' ', reportId: 'funnel-by-staff', schedule: { frequency: 'weekly', time: '08:10', recipients: ['a', 'a'] } }))).toEqual([
      'body.name too_small',
      'body.schedule.time invalid_format',
      'body.schedule.weekday required',
      'body.schedule.recipients.1 duplicate',
    ]);
    expect(errorsOf(make({ name: 'x', reportId: 'funnel-by-staff', schedule: { frequency: 'daily', weekday: 'monday', time: '08:00', recipients: [] } }))).toEqual(['body.schedule.recipients too_small', 'body.schedule.weekday not_allowed']);
  });

  it('a patch replaces what it names, unschedules with null, and is checked again', () => {
    const before = newSavedReport(parseSavedReportInput({ name: 'Mine', description: 'notes', reportId: 'funnel-by-staff', schedule: { frequency: 'daily', time: '07:00', recipients: ['mgr-1'] } }), by);
    const later = new Date('2026-12-03T00:00:00Z');
    const after = patchSavedReport(before, parseSavedReportPatch({ shared: true, description: '', schedule: null, period: 'last_month' }), { staffId: 'admin-1', now: later, timeZone: IST });
    expect(after).toEqual({ ...before, shared: true, period: 'last_month', schedule: undefined, nextRunAt: undefined, description: undefined, updatedAt: '2026-12-03T00:00:00.000Z', updatedBy: 'admin-1', version: 2 });
    expect(Object.keys(after)).not.toContain('schedule');
    expect(errorsOf(() => patchSavedReport(before, parseSavedReportPatch({ groupBy: ['nope'] }), { staffId: 'tse-1', now: later, timeZone: IST }))).toEqual(['body.groupBy.0 unknown_dimension']);
    expect(errorsOf(() => patchSavedReport(before, parseSavedReportPatch({ spec: { source: 'activities', measures: ['count'] } }), { staffId: 'tse-1', now: later, timeZone: IST }))).toEqual(['body.spec not_allowed']);
    expect(errorsOf(() => parseSavedReportPatch({ reportId: 'funnel-tenant' }))).toEqual(['body.reportId unknown_field']);
    // What a patch does not name stays as saved (no defaults).
    const shared = patchSavedReport({ ...before, shared: true }, parseSavedReportPatch({ name: 'Renamed' }), { staffId: 'tse-1', now: later, timeZone: IST });
    expect([shared.name, shared.shared, shared.period, shared.schedule?.time]).toEqual(['Renamed', true, 'this_month', '07:00']);
    const rescheduled = patchSavedReport(before, parseSavedReportPatch({ schedule: { frequency: 'weekly', weekday: 'friday', time: '17:00', recipients: ['mgr-1', 'tse-1'] } }), { staffId: 'tse-1', now: later, timeZone: IST });
    expect(rescheduled.nextRunAt).toBe('2026-12-04T11:30:00.000Z');
  });

  it('is due at or after its next run; visible to its owner, tenant admins and (shared) everyone; changed by its owner and tenant admins', () => {
    const s = { schedule: { frequency: 'daily' as const, time: '07:00', recipients: ['a'] }, nextRunAt: '2026-12-03T01:30:00.000Z' };
    expect([isDue(s, new Date('2026-12-03T01:29:59.999Z')), isDue(s, new Date('2026-12-03T01:30:00.000Z')), isDue({ nextRunAt: s.nextRunAt } as Partial<SavedReport> as SavedReport, new Date('2027-01-01'))]).toEqual([false, true, false]);
    const mine = { owner: 'tse-1', shared: false };
    expect([canSee(mine, { staffId: 'tse-1', role: 'tse' }), canSee(mine, { staffId: 'tse-2', role: 'tse' }), canSee(mine, { staffId: 'x', role: 'tenant_admin' }), canSee(mine, { staffId: 'x', role: 'analyst' }), canSee({ ...mine, shared: true }, { staffId: 'tse-2', role: 'tse' })]).toEqual([true, false, true, false, true]);
    expect([canChange(mine, { staffId: 'tse-1', role: 'tse' }), canChange(mine, { staffId: 'mgr-1', role: 'manager' }), canChange(mine, { staffId: 'x', role: 'tenant_admin' })]).toEqual([true, false, true]);
  });

  it('checkDefinition accepts every prebuilt report as saved with its defaults', async () => {
    const { catalogue } = await import('./catalogue');
    for (const r of catalogue) expect(() => checkDefinition({ reportId: r.id, period: r.defaultPeriod })).not.toThrow();
  });
});
