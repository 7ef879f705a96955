import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anEvent, anOpportunity } from '../../../domain/testing/builders';
import { ClickHouseInsights } from './insights';
import type { Analytics, Row } from './port';
import { factsOf } from './projections';
import { applyMigrations, migrations } from './schema';
import { auditRecorded, eventCompleted, eventScheduled, opportunityCreated, type CatalogEvent } from '../../../events/catalog';

/**
 * What every analytics adapter must do alike, run against each (`*.int.test.ts` per adapter, one
 * process each: chDB binds one data directory per process).
 */
export function describeAnalyticsAdapter(name: string, open: () => Promise<Analytics>, cleanup: () => void = () => undefined) {
  describe(`analytics port: ${name}`, () => {
    let a: Analytics;
    beforeAll(async () => {
      a = await open();
      expect(await applyMigrations(a)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(await applyMigrations(a)).toEqual([]); // each migration once
      await a.command('CREATE TABLE IF NOT EXISTS port_probe (id UInt64, name String, tags Array(String), at DateTime64(3, \'UTC\')) ENGINE = MergeTree ORDER BY id');
    });
    afterAll(async () => {
      await a.close();
      cleanup();
    });

    it('round-trips awkward values through insert and a parameterised query', async () => {
      const name = `O'Brien "Ltd"\n\\ ₹4,00,000 😀 '); DROP TABLE port_probe; --`;
      await a.insert('port_probe', [{ id: 1, name, tags: ['a', "b'c"], at: '2026-03-02 04:30:12.345' }]);
      const rows = await a.query<{ id: number; name: string; tags: string[]; at: string }>('SELECT id, name, tags, toString(at) AS at FROM port_probe WHERE name = {name:String} AND has(tags, {tag:String})', { name, tag: "b'c" });
      expect(rows).toEqual([{ id: 1, name, tags: ['a', "b'c"], at: '2026-03-02 04:30:12.345' }]);
    });

    it('runs a report query under its own bounding settings: parameters bound, read-only, a result over its row cap an error (never cut short)', async () => {
      const bounds = { max_execution_time: 10, max_result_rows: 5, result_overflow_mode: 'throw', readonly: 1 };
      const clause = "SETTINGS max_execution_time = 10, max_result_rows = 5, result_overflow_mode = 'throw', readonly = 1";
      expect(await a.runReport(`SELECT number AS d0, number * 2 AS m0 FROM numbers(4) WHERE number >= {min:UInt64} ORDER BY d0 ${clause}`, { min: 2 }, bounds)).toEqual([
        { d0: 2, m0: 4 },
        { d0: 3, m0: 6 },
      ]);
      await expect(a.runReport(`SELECT number AS d0 FROM numbers(10) ${clause}`, {}, bounds)).rejects.toThrow(/TOO_MANY_ROWS|Limit for result exceeded/);
      await expect(a.runReport(`INSERT INTO port_probe (id, name) SELECT 99, 'x' ${clause}`, {}, bounds)).rejects.toThrow(/READONLY|readonly/i);
    });

    it('binds numbers and arrays, and answers an empty result with no rows', async () => {
      expect(await a.query('SELECT id FROM port_probe WHERE id > {min:UInt64}', { min: 1_000 })).toEqual([]);
      expect(await a.query<{ n: number }>('SELECT count() AS n FROM port_probe WHERE id IN {ids:Array(UInt64)}', { ids: [1, 2] })).toEqual([{ n: 1 }]);
    });

    it('inserts nothing for no rows, and refuses a table name that is not an identifier', async () => {
      await a.insert('port_probe', []);
      await expect(a.insert('port_probe; DROP TABLE x', [{ id: 2 }])).rejects.toThrow(/not a table name/);
    });

    it('collapses a replayed audit entry in audit_log', async () => {
      const event = auditRecorded.create({
        eventId: `port-${name}:audit.recorded`,
        tenantId: 'acme',
        entityId: 'a_1',
        occurredAt: '2026-03-02T04:30:12.345Z',
        actor: 'tse-2',
        data: { entry: { id: 'a_1', entity: 'client', entityId: 'c_1', action: 'created', actor: 'tse-2', at: '2026-03-02T04:30:12.345Z', after: { id: 'c_1' } }, scopeId: 'c_1' },
      });
      const rows = factsOf(event).audit_log!;
      await a.insert('audit_log', rows);
      await a.insert('audit_log', rows);
      expect(await a.query('SELECT count() AS n FROM audit_log FINAL WHERE tenant_id = {t:String}', { t: 'acme' })).toEqual([{ n: 1 }]);
    });

    it('files every version under its assignee and the one it left, from the loader and from the rows loaded before migration 3', async () => {
      const version = (v: number, assigned_to: string, previous_assignee: string, status = 'open') => ({
        tenant_id: `files-${name}`, opportunity_id: 'o_1', version: v, client_id: 'c_1', product_id: 'website', stage: 'Qualified', stage_changed_at: '2026-03-02 04:30:12.345', status,
        outcome: '', lost_reason: '', deal_value: 1_500_000, closing_probability: 5, expected_revenue: 75_000, currency: 'INR', assigned_to, previous_assignee, lead_owner: 'tse-1',
        closing_owner: '', co_salespersons: [], warriors: [], partner_company_id: '', stages_reached: ['Lead', 'Qualified'], expected_close_date: null,
        created_at: '2026-03-01 04:30:12.345', updated_at: '2026-03-02 04:30:12.345', closed_at: null,
      });
      // What each seller's key range says of o_1: the latest version filed under them.
      const filed = () =>
        a.query('SELECT staff_id, max(o.version) AS latest, argMax(o.assigned_to, o.version) AS holder FROM opportunity_by_staff AS o WHERE tenant_id = {t:String} GROUP BY staff_id ORDER BY staff_id', { t: `files-${name}` });
      // v1 tse-1's; v2 moves it to tse-2 (the loader names who it left): no longer tse-1's.
      await a.insert('opportunity_state', [version(1, 'tse-1', '')]);
      await a.insert('opportunity_state', [version(2, 'tse-2', 'tse-1')]);
      const moved = [{ staff_id: 'tse-1', latest: 2, holder: 'tse-2' }, { staff_id: 'tse-2', latest: 2, holder: 'tse-2' }];
      expect(await filed()).toEqual(moved);
      // Rows loaded before the column existed: migration 3's own insert finds who each version left.
      await a.command('ALTER TABLE opportunity_by_staff DELETE WHERE tenant_id = {t:String} SETTINGS mutations_sync = 1', { t: `files-${name}` });
      await a.command("ALTER TABLE opportunity_state UPDATE previous_assignee = '' WHERE tenant_id = {t:String} SETTINGS mutations_sync = 1", { t: `files-${name}` });
      await a.command(migrations.find((m) => m.version === 3)!.statements[3]!);
      expect(await filed()).toEqual(moved);
      // v3 gives it back to tse-1, arriving before a replay of v2.
      await a.insert('opportunity_state', [version(3, 'tse-1', 'tse-2')]);
      await a.insert('opportunity_state', [version(2, 'tse-2', 'tse-1')]);
      expect(await filed()).toEqual([{ staff_id: 'tse-1', latest: 3, holder: 'tse-1' }, { staff_id: 'tse-2', latest: 3, holder: 'tse-1' }]);
    });

    it('times lead responses: arrival (at the assignee then) to the first completed follow-up, against the SLA, per seller and in all', async () => {
      const tenantId = `leads-${name}`;
      const load = async (events: CatalogEvent[]) => {
        const tables = new Map<string, Row[]>();
        for (const e of events) for (const [table, rows] of Object.entries(factsOf(e))) tables.set(table, [...(tables.get(table) ?? []), ...rows!]);
        for (const [table, rows] of tables) await a.insert(table, rows);
      };
      const base = { tenantId, actor: 'tse-1' };
      const lead = (id: string, assignedTo: string, arrivedAt: string, source = true) =>
        opportunityCreated.create({
          ...base,
          eventId: `${id}:created`,
          entityId: id,
          occurredAt: arrivedAt,
          data: { after: anOpportunity({ id, assignedTo, createdAt: arrivedAt, ...(source && { source: { channel: 'web_form', connectionId: 'ic_1', externalId: `sub-${id}`, arrivedAt } }) }) },
        });
      const done = (id: string, opportunityId: string, type: 'Call' | 'Message' | 'DemoCompleted', completedAt: string) =>
        eventCompleted.create({ ...base, eventId: `${id}:completed`, entityId: id, occurredAt: completedAt, data: { event: anEvent({ id, opportunityId, type, status: 'Completed', completedAt, updatedBy: 'tse-1' }) } });
      const history = [
        lead('o1', 'tse-1', '2026-03-02T04:30:00.000Z'),
        done('e1', 'o1', 'Call', '2026-03-02T04:34:00.000Z'), // 4 min: within
        done('e1b', 'o1', 'Message', '2026-03-02T05:00:00.000Z'), // not the first
        lead('o2', 'tse-1', '2026-03-02T04:30:00.000Z'),
        done('e2', 'o2', 'Message', '2026-03-02T04:50:00.000Z'), // 20 min: late
        lead('o3', 'tse-1', '2026-03-02T05:00:00.000Z'), // no answer, 60 min by asOf: breached
        lead('o4', 'tse-2', '2026-03-02T05:50:00.000Z'), // no answer, 10 min by asOf: still inside
        lead('o5', 'tse-2', '2026-03-02T05:00:00.000Z'),
        eventScheduled.create({ ...base, eventId: 'e5s:scheduled', entityId: 'e5s', occurredAt: '2026-03-02T05:01:00.000Z', data: { event: anEvent({ id: 'e5s', opportunityId: 'o5', createdAt: '2026-03-02T05:01:00.000Z' }) } }),
        done('e5', 'o5', 'DemoCompleted', '2026-03-02T05:10:00.000Z'), // 10 min: within (a scheduled call is no answer)
        lead('o6', 'tse-2', '2026-03-02T05:00:00.000Z'),
        done('e6', 'o6', 'Call', '2026-03-02T06:30:00.000Z'), // after asOf: not yet answered then, and past the SLA
        lead('o7', 'tse-1', '2026-03-02T04:00:00.000Z', false), // not from a lead source
        done('e7', 'o7', 'Call', '2026-03-02T04:01:00.000Z'),
        lead('o8', 'tse-1', '2026-02-28T04:00:00.000Z'), // the week before
      ];
      await load(history);
      await load([history[3]!, history[4]!]); // redelivered: counted once
      const insights = new ClickHouseInsights(async () => a);
      const week = { start: '2026-03-02T00:00:00.000Z', end: '2026-03-09T00:00:00.000Z' };
      const opts = { slaMinutes: 15, asOf: '2026-03-02T06:00:00.000Z' };
      const all = await insights.leadResponse(tenantId, undefined, week, opts);
      expect(all.total).toEqual({ leads: 6, responded: 3, withinSla: 2, breached: 3, medianMinutes: 10, p90Minutes: 18 });
      expect([...all.byStaff]).toEqual([
        ['tse-1', { leads: 3, responded: 2, withinSla: 1, breached: 2, medianMinutes: 12, p90Minutes: 18.4 }],
        ['tse-2', { leads: 3, responded: 1, withinSla: 1, breached: 1, medianMinutes: 10, p90Minutes: 10 }],
      ]);
      const tse2 = await insights.leadResponse(tenantId, ['tse-2'], week, opts);
      expect(tse2.total).toEqual({ leads: 3, responded: 1, withinSla: 1, breached: 1, medianMinutes: 10, p90Minutes: 10 });
      expect([...tse2.byStaff.keys()]).toEqual(['tse-2']);
      // Later, o6's call counts (90 min: late), o4 is past its SLA unanswered; a seller with no leads has none.
      expect((await insights.leadResponse(tenantId, ['tse-2', 'so-1'], week, { slaMinutes: 15, asOf: '2026-03-02T07:00:00.000Z' })).total).toEqual({
        leads: 3,
        responded: 2,
        withinSla: 1,
        breached: 2,
        medianMinutes: 50,
        p90Minutes: 82,
      });
      expect(await insights.leadResponse(tenantId, ['so-1'], week, opts)).toEqual({ total: { leads: 0, responded: 0, withinSla: 0, breached: 0 }, byStaff: new Map() });
      expect(await insights.leadResponse(tenantId, [], week, opts)).toEqual({ total: { leads: 0, responded: 0, withinSla: 0, breached: 0 }, byStaff: new Map() });
    });

    it('inserts a batch sent again with the same deduplication token once', async () => {
      const row = (id: string) => ({ tenant_id: 'dedup', audit_id: id, entity: 'client', entity_id: 'c_1', action: 'created', actor: 'tse-1', scope_id: 'c_1', at: '2026-03-02 04:30:12.345', before: '', after: '{}' });
      await a.insert('audit_log', [row('a1'), row('a2')], { deduplicationToken: `probe-${name}` });
      await a.insert('audit_log', [row('a1'), row('a2')], { deduplicationToken: `probe-${name}` });
      await a.insert('audit_log', [row('a3')], { deduplicationToken: `probe-${name}-2` });
      // Counted without FINAL: the second insert never happened.
      expect(await a.query('SELECT count() AS n FROM audit_log WHERE tenant_id = {t:String}', { t: 'dedup' })).toEqual([{ n: 3 }]);
    });
  });
}
