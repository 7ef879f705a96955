import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Analytics } from './port';
import { factsOf } from './projections';
import { applyMigrations } from './schema';
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
      expect(await applyMigrations(a)).toEqual([1, 2]);
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
