import { describe, expect, it } from 'vitest';
import { useLocalStack } from '../../../test/stack';
import { periodTargets } from '../../../domain/targets/achievement';
import { addDays, localDay, periodOf } from '../../../domain/targets/periods';
import { seedTargets } from '../../../domain/targets/targets';

/** Targets (issue #9 item 1): versions from today on, per role and per staff member; history is never rewritten. */
const api = useLocalStack({ analytics: true });
const admin = { tenantId: 'demo', staffId: 'admin', role: 'tenant_admin' } as const;
const manager = { tenantId: 'demo', staffId: 'manager', role: 'manager' } as const;
const tse1 = { tenantId: 'demo', staffId: 'tse-1', role: 'tse' } as const;
const acmeAdmin = { tenantId: 'acme', staffId: 'admin', role: 'tenant_admin' } as const;
const today = () => localDay(new Date(), 'Asia/Kolkata');
const lakh = 1_00_000 * 100;
const raisedTse = (calls: number, revenueWeekly = 4 * lakh) => ({ ...seedTargets.roles, tse: { activity: { ...seedTargets.roles.tse.activity, calls }, revenueWeekly } });

describe('tenant targets', () => {
  it('start as the seed’s, in force from the beginning (version 0)', async () => {
    const res = await api.as(tse1).get('/v1/config/targets');
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBe('"0"');
    expect(res.body).toEqual({ current: seedTargets, versions: [seedTargets] });
  });

  it('take a new version from today by default, keeping the old one for the past', async () => {
    const res = await api.as(admin).put('/v1/config/targets', { roles: raisedTse(70, 6 * lakh), workingDays: seedTargets.workingDays }, { 'if-match': '"0"' });
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBe('"1"');
    expect(res.body.versions.map((v: any) => [v.effectiveFrom, v.roles.tse.activity.calls, v.roles.tse.revenueWeekly])).toEqual([
      ['2000-01-01', 60, 4 * lakh],
      [today(), 70, 6 * lakh],
    ]);
    expect(res.body.current.effectiveFrom).toBe(today());
    // Last week's pipeline is judged by last week's target; this week's by the new one.
    const lastWeek = (await api.as(tse1).get(`/v1/dashboards/staff/tse-1?period=day&date=${addDays(today(), -7)}`)).body;
    const now = (await api.as(tse1).get(`/v1/dashboards/staff/tse-1?period=day&date=${today()}`)).body;
    const calls = (d: any) => d.activity.find((a: any) => a.metric === 'calls').target;
    const workingDay = (d: any) => calls(d) !== 0;
    if (workingDay(lastWeek)) expect(calls(lastWeek)).toBe(60);
    if (workingDay(now)) expect(calls(now)).toBe(70);
    expect(lastWeek.pipeline.find((p: any) => p.stage === 'Closed').required).toBe(4 * lakh);
    // This week's: ₹4L a week up to yesterday, ₹6L from today, day by day.
    const versions = (await api.as(tse1).get('/v1/config/targets')).body.versions;
    const week = periodOf('week', today(), { timeZone: 'Asia/Kolkata', weekStartsOn: 'monday' });
    expect(now.pipeline.find((p: any) => p.stage === 'Closed').required).toBe(periodTargets(week, { role: 'tse', tenant: versions })!.revenue);
    // Another tenant is untouched.
    expect((await api.as(acmeAdmin).get('/v1/config/targets')).body.versions).toEqual([seedTargets]);
  });

  it('refuse a day in the past, a stale If-Match, a missing one, and any other role', async () => {
    const body = { roles: raisedTse(80), workingDays: seedTargets.workingDays };
    const past = await api.as(admin).put('/v1/config/targets', { ...body, effectiveFrom: addDays(today(), -1) }, { 'if-match': '"1"' });
    expect(past.status).toBe(422);
    expect(past.body.errors).toEqual([{ field: 'body.effectiveFrom', code: 'in_past', message: expect.stringContaining(`must be today (${today()}) or later`) }]);
    expect((await api.as(admin).put('/v1/config/targets', body, { 'if-match': '"0"' })).status).toBe(412);
    expect((await api.as(admin).put('/v1/config/targets', body)).status).toBe(428);
    expect((await api.as(manager).put('/v1/config/targets', body, { 'if-match': '"1"' })).status).toBe(403);
    const bad = await api.as(admin).put('/v1/config/targets', { roles: { ...raisedTse(-1) }, workingDays: ['monday', 'monday'] }, { 'if-match': '"1"' });
    expect(bad.status).toBe(422);
    expect(bad.body.errors.map((e: any) => e.field).sort()).toEqual(['body.roles.tse.activity.calls', 'body.workingDays']);
    expect((await api.as(admin).get('/v1/config/targets')).headers.get('etag')).toBe('"1"');
  });
});

describe('a staff member’s own targets', () => {
  it('are set by their manager from today, replacing the role’s metric by metric', async () => {
    expect((await api.as(manager).get('/v1/staff/tse-2/targets')).body).toMatchObject({ staffId: 'tse-2', own: [], effective: { source: { activity: 'role', revenue: 'role' } } });
    const res = await api.as(manager).put('/v1/staff/tse-2/targets', { activity: { calls: 40 } }, { 'if-match': '"0"' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      staffId: 'tse-2',
      role: 'tse',
      own: [{ effectiveFrom: today(), activity: { calls: 40 } }],
      effective: { activity: { calls: 40, qualified: 20, potential: 5, demos: 2, visits: 1 }, revenueWeekly: 6 * lakh, source: { activity: 'staff', revenue: 'role' } },
    });
    expect(res.headers.get('etag')).toBe('"1"');
  });

  it('refuse one’s own, a role without targets, a deactivated member, an empty body and a stale version', async () => {
    expect((await api.as(manager).put('/v1/staff/manager/targets', { activity: { potential: 1 } }, { 'if-match': '"0"' })).body).toMatchObject({ status: 403, code: 'own_targets' });
    expect((await api.as(admin).put('/v1/staff/admin/targets', { activity: { calls: 1 } }, { 'if-match': '"0"' })).body).toMatchObject({ status: 422, errors: [{ code: 'no_targets_for_role' }] });
    expect((await api.as(admin).put('/v1/staff/tse-1/targets', {}, { 'if-match': '"0"' })).body).toMatchObject({ status: 422, errors: [{ field: 'body', code: 'required' }] });
    expect((await api.as(manager).put('/v1/staff/tse-2/targets', { activity: { calls: 41 } }, { 'if-match': '"0"' })).status).toBe(412);
    await api.as(admin).post('/v1/staff', { staffId: 'leaver', name: 'Leaver', email: 'leaver@demo.example', role: 'tse', managerId: 'manager' });
    await api.as(admin).post('/v1/staff/leaver/deactivate');
    expect((await api.as(manager).put('/v1/staff/leaver/targets', { activity: { calls: 1 } }, { 'if-match': '"0"' })).body).toMatchObject({ status: 422, errors: [{ code: 'staff_inactive' }] });
  });

  it('keep at most 100 versions', async () => {
    let version = 0;
    for (let i = 1; i <= 100; i++) {
      const res = await api.as(admin).put('/v1/staff/so-1/targets', { effectiveFrom: addDays(today(), i), revenueWeekly: i * 100 }, { 'if-match': `"${version}"` });
      expect(res.status).toBe(200);
      version += 1;
    }
    const res = await api.as(admin).put('/v1/staff/so-1/targets', { effectiveFrom: addDays(today(), 101), revenueWeekly: 1 }, { 'if-match': `"${version}"` });
    expect(res.body).toMatchObject({ status: 422, errors: [{ field: 'body.effectiveFrom', code: 'too_many_versions' }] });
    // 101 sequential writes of a document that grows each time: seconds alone, past 30 s on a loaded 2-core machine.
  }, 120_000);
});
