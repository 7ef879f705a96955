import { chmodSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import type { Analytics } from '../../../functions/lib/analytics/port';

/**
 * The tables the reports read beyond the dashboards' four (scripts/bench/dashboards/postgres.ts
 * exports and loads those): the staff dimension (the `team` and `role` joins), the leads, the
 * messages and their clients' threads, and the pending follow-ups (followups FINAL: the next steps). Exported from chDB as TSV and COPYed in the
 * same way, each with the index its reads use, then VACUUM ANALYZE.
 */
const EXTRA: { table: string; columns: [string, string][]; select: string; indexes: string[] }[] = [
  {
    table: 'staff',
    columns: [['tenant_id', 'text'], ['staff_id', 'text'], ['version', 'bigint'], ['manager_id', 'text'], ['role', 'text']],
    select: 'SELECT tenant_id, staff_id, version, manager_id, role FROM staff',
    indexes: ['CREATE INDEX staff_latest ON staff (tenant_id, staff_id, version DESC) INCLUDE (manager_id, role)'],
  },
  {
    table: 'lead_arrivals',
    columns: [
      ['tenant_id', 'text'], ['opportunity_id', 'text'], ['client_id', 'text'], ['product_id', 'text'], ['assigned_to', 'text'],
      ['channel', 'text'], ['connection_id', 'text'], ['external_id', 'text'], ['arrived_at', 'timestamptz'],
    ],
    select: 'SELECT tenant_id, opportunity_id, client_id, product_id, assigned_to, channel, connection_id, external_id, arrived_at FROM lead_arrivals',
    indexes: [
      'CREATE INDEX leads_staff_arrived ON lead_arrivals (tenant_id, assigned_to, arrived_at) INCLUDE (opportunity_id, channel, connection_id, product_id)',
      'CREATE INDEX leads_arrived ON lead_arrivals (tenant_id, arrived_at) INCLUDE (opportunity_id, assigned_to, channel, connection_id, product_id)',
    ],
  },
  {
    table: 'messages',
    columns: [
      ['tenant_id', 'text'], ['client_id', 'text'], ['message_id', 'text'], ['opportunity_id', 'text'], ['channel', 'text'], ['direction', 'text'],
      ['staff_id', 'text'], ['status', 'text'], ['at', 'timestamptz'],
    ],
    // FINAL: each message's rows merged (its sent or received row and its status changes), as the reports read it
    select: 'SELECT tenant_id, client_id, message_id, opportunity_id, channel, direction, staff_id, status, at FROM messages FINAL',
    indexes: [
      'CREATE INDEX messages_at ON messages (tenant_id, at) INCLUDE (message_id, client_id, channel, direction, staff_id)',
      'CREATE INDEX messages_staff_at ON messages (tenant_id, staff_id, at) INCLUDE (message_id, client_id, channel, direction)',
    ],
  },
  {
    table: 'message_thread',
    columns: [['tenant_id', 'text'], ['client_id', 'text'], ['at', 'timestamptz'], ['message_id', 'text'], ['direction', 'text'], ['staff_id', 'text']],
    select: 'SELECT tenant_id, client_id, at, message_id, direction, staff_id FROM message_thread FINAL',
    indexes: ['CREATE INDEX message_thread_client ON message_thread (tenant_id, client_id, at, message_id) INCLUDE (direction, staff_id)'],
  },
  {
    table: 'followups',
    columns: [['tenant_id', 'text'], ['opportunity_id', 'text'], ['event_id', 'text']],
    select: 'SELECT tenant_id, opportunity_id, event_id FROM followups FINAL',
    indexes: ['CREATE INDEX followups_opportunity ON followups (tenant_id, opportunity_id)'],
  },
];

export async function loadExtraTables(analytics: Analytics, pool: pg.Pool, dir: string, extraIndexes: readonly string[], log: (s: string) => void): Promise<void> {
  const t0 = performance.now();
  await Promise.all(
    EXTRA.map(async (t) => {
      const file = join(dir, `${t.table}.extra.tsv`);
      await analytics.command(`INSERT INTO FUNCTION file('${file}', 'TSV') ${t.select} SETTINGS engine_file_truncate_on_insert = 1`);
      chmodSync(file, 0o644);
      await pool.query(`CREATE TABLE ${t.table} (${t.columns.map(([c, type]) => `${c} ${type}`).join(', ')})`);
      await pool.query(`COPY ${t.table} FROM '${file}'`);
      rmSync(file, { force: true });
      for (const ddl of t.indexes) await pool.query(ddl);
    }),
  );
  for (const ddl of extraIndexes) await pool.query(ddl);
  await Promise.all(EXTRA.map((t) => pool.query(`VACUUM (ANALYZE) ${t.table}`)));
  log(`  ${EXTRA.map((t) => t.table).join(', ')} (export, COPY, indexes) and ${extraIndexes.length} report indexes, VACUUM ANALYZE ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
