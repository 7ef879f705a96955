import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Analytics } from './port';
import { factsOf } from './projections';
import { applyMigrations, migrations } from './schema';
import { auditRecorded } from '../../../events/catalog';

/**
 * What every analytics adapter must do alike, run against each (`*.int.test.ts` per adapter, one
 * process each: chDB binds one data directory per process).
 */
export function describeAnalyticsAdapter(name: string, open: () => Promise<Analytics>, cleanup: () => void = () => undefined) {
  describe(`analytics port: ${name}`, () => {
    let a: Analytics;
    beforeAll(async () => {
      a = await open();
      expect(await applyMigrations(a)).toEqual([1, 2, 3]);
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
