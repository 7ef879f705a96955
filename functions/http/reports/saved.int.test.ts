import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { beforeAll, describe, expect, it } from 'vitest';
import { localDay } from '../../../domain/targets/periods';
import { useLocalStack } from '../../../test/stack';

/**
 * Saved and scheduled reports (#16 item 4) through HTTP on the local stack: saving (checked as a
 * run would be), who sees and changes what, runs over the runner's own scope, and the schedule's
 * job emailing each recipient their own view — CSV attached and a chart inline — once.
 */
const api = useLocalStack({ pipeline: true, analytics: true });
const tse1 = { tenantId: 'demo', staffId: 'tse-1', role: 'tse' } as const;
const tse2 = { tenantId: 'demo', staffId: 'tse-2', role: 'tse' } as const;
const manager = { tenantId: 'demo', staffId: 'manager', role: 'manager' } as const;
const admin = { tenantId: 'demo', staffId: 'admin', role: 'tenant_admin' } as const;
const acme = { tenantId: 'acme', staffId: 'admin', role: 'tenant_admin' } as const;
type Who = typeof tse1 | typeof tse2 | typeof manager | typeof admin | typeof acme;

const ok = async (res: Promise<{ status: number; body: any }>, status = 200) => {
  const r = await res;
  if (r.status !== status) throw new Error(`expected ${status}, got ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
};
const errors = (body: any) => (body.errors as { field: string; code: string }[]).map((e) => `${e.field} ${e.code}`);
let phone = 9847600000;
const open = async (who: Who, body: Record<string, unknown>) => {
  phone += 1;
  const client = await ok(api.as(who).post('/v1/clients', { companyName: `Saved report client ${phone}`, ownerName: 'Owner', mobile: String(phone) }), 201);
  return ok(api.as(who).post(`/v1/clients/${client.id}/opportunities`, body), 201);
};
const save = (who: Who, body: Record<string, unknown>) => api.as(who).post('/v1/reports/saved', body);
const byAssignee = { source: 'opportunities', dimensions: ['assignedTo'], measures: ['count', 'sum:dealValue'] };

beforeAll(async () => {
  // tse-1: two open deals (₹1,000 and ₹2,000); tse-2: one (₹4,000).
  await open(tse1, { productId: 'website', dealValue: 100_000 });
  await open(tse1, { productId: 'kml', dealValue: 200_000 });
  await open(tse2, { productId: 'website', dealValue: 400_000 });
  await api.stack().pipeline!.poller.caughtUp();
  await api.stack().pipeline!.bus.idle();
}, 120_000);

describe('saving a report', () => {
  it('saves a custom spec, answers it with its location and version, and refuses what could not run at exact paths', async () => {
    const res = await save(tse1, { name: 'My deals by assignee', spec: byAssignee });
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe(`/v1/reports/saved/${res.body.id}`);
    expect(res.headers.get('etag')).toBe('"1"');
    expect(res.body).toMatchObject({ name: 'My deals by assignee', spec: byAssignee, period: 'none', shared: false, owner: 'tse-1', version: 1 });
    expect(res.body.id).toMatch(/^rpt_[0-9a-z]{26}$/i);

    const bad = await save(tse1, { name: 'x', reportId: 'loss-reasons', groupBy: ['nope'], shared: 'yes' });
    expect(bad.status).toBe(422);
    expect(errors(bad.body)).toEqual(['body.shared invalid_type']);
    expect(errors((await save(tse1, { name: 'x', reportId: 'loss-reasons', groupBy: ['nope'] })).body)).toEqual(['body.groupBy.0 unknown_dimension']);
    expect(errors((await save(tse1, { name: 'x', reportId: 'no-such' })).body)).toEqual(['body.reportId unknown_report']);
    expect(errors((await save(tse1, { name: 'x', spec: { ...byAssignee, measures: ['count', 'sum:secret'] } })).body)).toEqual(['body.spec.measures.1 unknown_measure']);
    expect(errors((await save(tse1, { name: 'x', spec: { source: 'system.tables', measures: ['count'] } })).body)).toEqual(['body.spec.source invalid_value']);
    expect(errors((await save(tse1, { name: 'x', spec: byAssignee, __proto__: { admin: true }, constructor: 1 })).body)).toEqual(['body.constructor unknown_field']);
  });

  it('schedules only to staff the owner may see, active, who run reports', async () => {
    const schedule = (recipients: string[]) => ({ name: 'Weekly', reportId: 'loss-reasons', schedule: { frequency: 'weekly', weekday: 'monday', time: '08:00', recipients } });
    // A seller sees only themselves: their manager and a peer are unknown to them.
    expect(errors((await save(tse1, schedule(['tse-1', 'manager', 'tse-2']))).body)).toEqual(['body.schedule.recipients.1 unknown_recipient', 'body.schedule.recipients.2 unknown_recipient']);
    expect(errors((await save(admin, schedule(['nobody']))).body)).toEqual(['body.schedule.recipients.0 unknown_recipient']);
    const fine = await ok(save(manager, schedule(['manager', 'tse-1', 'tse-2'])), 201);
    expect(fine.nextRunAt).toMatch(/T02:30:00\.000Z$/);
    // Another tenant's staff are not anyone's recipients.
    await ok(api.as(admin).post('/v1/staff', { staffId: 'demo-only', name: 'Demo Only', email: 'demo-only@demo.example', role: 'tse', managerId: 'manager' }), 201);
    expect(errors((await save(acme, schedule(['admin', 'demo-only']))).body)).toEqual(['body.schedule.recipients.1 unknown_recipient']);
  });
});

describe('who sees and changes a saved report', () => {
  let privateId: string;
  let sharedId: string;
  beforeAll(async () => {
    privateId = (await ok(save(tse1, { name: 'Private', spec: byAssignee }), 201)).id;
    sharedId = (await ok(save(tse1, { name: 'Shared', spec: byAssignee, shared: true }), 201)).id;
  });

  it('lists and gets the caller’s own and the shared ones; someone else’s private one is 404', async () => {
    const names = async (who: Who) => ((await ok(api.as(who).get('/v1/reports/saved?limit=100'))).items as any[]).filter((s) => [privateId, sharedId].includes(s.id)).map((s) => s.name);
    expect(await names(tse1)).toEqual(['Private', 'Shared']);
    expect(await names(tse2)).toEqual(['Shared']);
    expect(await names(admin)).toEqual(['Private', 'Shared']);
    expect(await names(acme)).toEqual([]);
    expect((await api.as(tse2).get(`/v1/reports/saved/${privateId}`)).status).toBe(404);
    expect((await api.as(acme).get(`/v1/reports/saved/${sharedId}`)).status).toBe(404);
    expect((await api.as(tse2).get('/v1/reports/saved/rpt_nope')).status).toBe(422);
  });

  it('runs over the runner’s own scope: a shared report never shows anyone another’s rows', async () => {
    const rows = async (who: Who) => (await ok(api.as(who).post(`/v1/reports/saved/${sharedId}/run`))).rows;
    expect(await rows(tse1)).toEqual([['tse-1', 2, 300_000]]);
    expect(await rows(tse2)).toEqual([['tse-2', 1, 400_000]]);
    expect(await rows(manager)).toEqual([
      ['tse-1', 2, 300_000],
      ['tse-2', 1, 400_000],
    ]);
    const csv = await api.as(tse2).post(`/v1/reports/saved/${sharedId}/run`, undefined, { accept: 'text/csv' });
    expect(csv.body).toBe('assignedTo,count,sum:dealValue\r\ntse-2,1,400000\r\n');
  });

  it('only its owner and tenant admins change or delete it, over the version read', async () => {
    const denied = await api.as(tse2).patch(`/v1/reports/saved/${sharedId}`, { name: 'Mine now' }, { 'if-match': '"1"' });
    expect([denied.status, denied.body.code]).toEqual([403, 'not_owner']);
    expect((await api.as(tse1).patch(`/v1/reports/saved/${sharedId}`, { name: 'Renamed' })).status).toBe(428);
    const renamed = await ok(api.as(tse1).patch(`/v1/reports/saved/${sharedId}`, { name: 'Renamed', period: 'last_week' }, { 'if-match': '"1"' }));
    expect([renamed.name, renamed.period, renamed.version]).toEqual(['Renamed', 'last_week', 2]);
    expect((await api.as(tse1).patch(`/v1/reports/saved/${sharedId}`, { name: 'Stale' }, { 'if-match': '"1"' })).status).toBe(412);
    expect(errors((await api.as(tse1).patch(`/v1/reports/saved/${sharedId}`, { reportId: 'loss-reasons' }, { 'if-match': '"2"' })).body)).toEqual(['body.reportId unknown_field']);
    const refused = await api.as(tse2).call("DELETE", `/v1/reports/saved/${sharedId}`);
    expect([refused.status, refused.body.code]).toEqual([403, "not_owner"]);
    expect((await api.as(admin).call("DELETE", `/v1/reports/saved/${sharedId}`)).status).toBe(204);
    expect((await api.as(tse1).get(`/v1/reports/saved/${sharedId}`)).status).toBe(404);
  });
});

describe('the schedule', () => {
  it('emails each recipient their own view once — CSV attached, a chart inline — and schedules the next run', async () => {
    const { runJobCommand } = await import('../../../scripts/job');
    const saved = await ok(save(manager, { name: 'Team pipeline', spec: byAssignee, schedule: { frequency: 'daily', time: '07:00', recipients: ['manager', 'tse-2'] } }), 201);
    const due = saved.nextRunAt as string;
    const before = new Set(readdirSync(api.stack().outboxDir));
    const out = await runJobCommand({ job: 'scheduled-reports', at: due, tenant: 'demo' });
    expect(out.tenants.demo).toMatchObject({ sent: 2, skipped: 0, failed: [] });
    const files = readdirSync(api.stack().outboxDir).filter((f) => !before.has(f)).sort();
    expect(files).toEqual([`report-demo-${saved.id}-${due}-manager.eml`.replace(/[^A-Za-z0-9_.-]/g, '_'), `report-demo-${saved.id}-${due}-tse-2.eml`.replace(/[^A-Za-z0-9_.-]/g, '_')]);

    const mail = async (f: string) => simpleParser(readFileSync(join(api.stack().outboxDir, f)));
    const [toManager, toSeller] = await Promise.all(files.map(mail));
    expect(toManager!.subject).toBe(`Demo Traders: Team pipeline — as of ${due.slice(0, 10)}`);
    expect(toManager!.to && 'text' in toManager!.to ? toManager!.to.text : '').toContain('manager@');
    const csvOf = (m: typeof toManager) => m!.attachments.find((a) => a.contentType.startsWith('text/csv'))!.content.toString('utf8');
    expect(csvOf(toManager)).toBe('\uFEFFassignedTo,count,sum:dealValue\r\ntse-1,2,300000\r\ntse-2,1,400000\r\n');
    // The seller's copy holds their own row only.
    expect(csvOf(toSeller)).toBe('\uFEFFassignedTo,count,sum:dealValue\r\ntse-2,1,400000\r\n');
    // The email names staff: the seller's shows only themselves.
    expect(toManager!.text).toContain('Tara TSE | 2 | ₹3,000');
    expect(toSeller!.text).toContain('Tomy TSE | 1 | ₹4,000');
    expect(toSeller!.text).not.toContain('Tara');
    const chart = toManager!.attachments.find((a) => a.contentType === 'image/png')!;
    expect([chart.cid, chart.content.subarray(1, 4).toString('latin1')]).toEqual(['chart@crm', 'PNG']);
    expect(readFileSync(join(api.stack().outboxDir, files[0]!), 'utf8')).toContain('src=3D"cid:chart@crm"');

    // Once: the same instant again sends nothing more; the next run is tomorrow's 07:00.
    const after = await ok(api.as(manager).get(`/v1/reports/saved/${saved.id}`));
    expect(after.lastRun).toEqual({ at: due, status: 'sent', recipients: [{ staffId: 'manager', status: 'sent', rows: 2 }, { staffId: 'tse-2', status: 'sent', rows: 1 }] });
    expect(Date.parse(after.nextRunAt) - Date.parse(due)).toBe(86_400_000);
    const again = await runJobCommand({ job: 'scheduled-reports', at: due, tenant: 'demo' });
    expect(again.tenants.demo).toMatchObject({ due: 0, sent: 0 });
    expect(readdirSync(api.stack().outboxDir).filter((f) => !before.has(f))).toHaveLength(2);
  });

  it('skips a recipient deactivated since, and says why', async () => {
    const { runJobCommand } = await import('../../../scripts/job');
    await ok(api.as(admin).post('/v1/staff', { staffId: 'tse-gone', name: 'Soon Gone', email: 'gone@demo.example', role: 'tse', managerId: 'manager' }), 201);
    const saved = await ok(save(admin, { name: 'Losses', reportId: 'loss-reasons', schedule: { frequency: 'weekly', weekday: 'friday', time: '18:00', recipients: ['tse-gone', 'admin'] } }), 201);
    const staff = await api.as(admin).get('/v1/staff/tse-gone');
    await ok(api.as(admin).post('/v1/staff/tse-gone/deactivate', undefined, { 'if-match': staff.headers.get('etag')! }));
    const out = await runJobCommand({ job: 'scheduled-reports', at: saved.nextRunAt, tenant: 'demo' });
    // (The daily report of the test before is due again by then, and goes out too.)
    expect(out.tenants.demo).toMatchObject({ skipped: 1, failed: [] });
    const after = await ok(api.as(admin).get(`/v1/reports/saved/${saved.id}`));
    expect(after.lastRun.recipients).toEqual([
      { staffId: 'tse-gone', status: 'skipped', reason: 'deactivated' },
      { staffId: 'admin', status: 'sent', rows: 0 },
    ]);
    expect(localDay(new Date(after.nextRunAt), 'Asia/Kolkata') > localDay(new Date(saved.nextRunAt), 'Asia/Kolkata')).toBe(true);
  });
});
