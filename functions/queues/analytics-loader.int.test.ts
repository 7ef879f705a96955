import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { metrics } from '../lib/observability';
import { getAnalytics, type Analytics } from '../lib/analytics';
import { applyMigrations, DERIVED_TABLES, FACT_TABLES } from '../lib/analytics/schema';
import { handler } from './analytics-loader';

// The loader's own chDB, as the local stack gives it: set before the adapter is first built.
const dir = mkdtempSync(join(tmpdir(), 'loader-chdb-'));
process.env.ANALYTICS_MODE = 'chdb';
process.env.CHDB_PATH = dir;

const fixture = (name: string) => readFileSync(join(import.meta.dirname, '../../events/fixtures', name), 'utf8');
const message = (body: string, messageId = crypto.randomUUID()) => ({
  messageId,
  receiptHandle: crypto.randomUUID(),
  body,
  attributes: { ApproximateReceiveCount: '1', SentTimestamp: '1772425812000', SenderId: 'AIDAEVENTBRIDGE', ApproximateFirstReceiveTimestamp: '1772425812000' },
  messageAttributes: {},
  md5OfBody: '',
  eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:ap-south-1:000000000000:analytics-loader',
  awsRegion: 'ap-south-1',
});
const sqs = (...bodies: string[]): SQSEvent => ({ Records: bodies.map((b) => message(b)) });
const context = {} as Context;

let analytics: Analytics;
beforeAll(async () => {
  analytics = await getAnalytics();
  await applyMigrations(analytics);
});
beforeEach(async () => {
  for (const table of [...FACT_TABLES, ...DERIVED_TABLES]) await analytics.command(`TRUNCATE TABLE ${table}`);
});
afterAll(async () => {
  await analytics.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Rows as stored, without FINAL: duplicates would show. */
const count = async (table: string) => (await analytics.query<{ n: number }>(`SELECT count() AS n FROM ${table}`))[0]!.n;

describe('analytics loader', () => {
  it('loads each event into the event log, and into the facts it implies', async () => {
    const result = await handler(
      sqs(fixture('event.completed.v1.json'), fixture('opportunity.stage_changed.v1.json'), fixture('opportunity.won.v1.json'), fixture('audit.recorded.v1.json'), fixture('staff.created.v1.json')),
      context,
    );
    expect(result).toEqual({ batchItemFailures: [] });

    expect(await analytics.query('SELECT activity_id, kind, event_type, staff_id, assignee, product_id, toString(at) AS at FROM activities')).toEqual([
      { activity_id: 'e_0000000000000000000000000400000000000000000000000009:completed', kind: 'completed', event_type: 'Call', staff_id: 'tse-1', assignee: 'tse-1', product_id: 'jewellery', at: '2026-12-01 05:35:00.000' },
    ]);
    // Lead → Demo reaches Qualified, Potential and Demo: three rows of one move.
    expect(await analytics.query('SELECT stage, newly_reached, from_stage, to_stage, direction, actor, assigned_to, deal_value FROM stage_transitions ORDER BY transition_id')).toEqual([
      { stage: 'Demo', newly_reached: 1, from_stage: 'Lead', to_stage: 'Demo', direction: 'forward', actor: 'tse-1', assigned_to: 'tse-1', deal_value: 3_500_000 },
      { stage: 'Potential', newly_reached: 1, from_stage: 'Lead', to_stage: 'Demo', direction: 'forward', actor: 'tse-1', assigned_to: 'tse-1', deal_value: 3_500_000 },
      { stage: 'Qualified', newly_reached: 1, from_stage: 'Lead', to_stage: 'Demo', direction: 'forward', actor: 'tse-1', assigned_to: 'tse-1', deal_value: 3_500_000 },
    ]);
    expect(await analytics.query('SELECT staff_id, percent, amount, closing_owner FROM revenue_credits ORDER BY staff_id')).toEqual([
      { staff_id: 'tse-1', percent: 50, amount: 1_750_000, closing_owner: 'tse-2' },
      { staff_id: 'tse-2', percent: 50, amount: 1_750_000, closing_owner: 'tse-2' },
    ]);
    expect(await analytics.query('SELECT staff_id, role, path, active FROM staff')).toEqual([{ staff_id: 'manager', role: 'manager', path: 'manager', active: 1 }]);
    expect(await analytics.query('SELECT entity, action, actor FROM audit_log')).toEqual([{ entity: 'staff', action: 'created', actor: 'admin' }]);
    // Values are bound, never spliced into SQL.
    expect(await analytics.query('SELECT 1 FROM audit_log WHERE tenant_id = {tenant:String}', { tenant: "demo' OR 1=1 --" })).toEqual([]);
  });

  it('inserts nothing twice when SQS hands the same batch over again', async () => {
    const batch = sqs(fixture('opportunity.created.v1.json'), fixture('event.scheduled.v1.json'), fixture('opportunity.won.v1.json'), fixture('message.sent.v1.json'));
    await handler(batch, context);
    const first = await Promise.all(FACT_TABLES.map(count));
    await handler(batch, context);
    await handler({ Records: [...batch.Records].reverse() }, context);
    // Without FINAL: the deduplication token kept the second and third inserts out entirely.
    expect(await Promise.all(FACT_TABLES.map(count))).toEqual(first);
    expect(first).toEqual([1, 1, 1, 2, 0, 0, 0, 1]);
  });

  it("loads another tenant's batch whose event ids are the same (the deduplication token names the tenant)", async () => {
    // Stream event ids are unique within one stream only; a backfill or a replayed history can
    // repeat them across tenants — the CI run of 2026-11-30 lost a tenant's audit rows this way.
    const inTenant = (tenantId: string) => {
      const m = JSON.parse(fixture('audit.recorded.v1.json'));
      return JSON.stringify({ ...m, detail: { ...m.detail, tenantId } });
    };
    await handler(sqs(inTenant('acme')), context);
    await handler(sqs(inTenant('globex')), context);
    expect(await analytics.query('SELECT tenant_id, count() AS n FROM audit_log GROUP BY tenant_id ORDER BY tenant_id')).toEqual([
      { tenant_id: 'acme', n: 1 },
      { tenant_id: 'globex', n: 1 },
    ]);
  });

  it('collapses an event redelivered inside another batch onto its natural key', async () => {
    await handler(sqs(fixture('event.completed.v1.json')), context);
    const again = JSON.parse(fixture('event.completed.v1.json'));
    await handler(sqs(JSON.stringify({ ...again, id: crypto.randomUUID() }), fixture('staff.created.v1.json')), context);
    // Counted the way dashboards count (distinct keys), exact before and after the merge.
    expect(await analytics.query("SELECT uniqExact(activity_id) AS n FROM activities WHERE kind = 'completed'")).toEqual([{ n: 1 }]);
    await analytics.command('OPTIMIZE TABLE activities FINAL');
    expect(await count('activities')).toBe(1);
  });

  it('counts the fact rows it loaded, and an insert ClickHouse refused (the alarm reads ClickHouseFailures)', async () => {
    const add = vi.spyOn(metrics, 'addMetric');
    await handler(sqs(fixture('opportunity.created.v1.json'), fixture('event.scheduled.v1.json')), context);
    const loaded = add.mock.calls.filter(([name]) => name === 'FactsLoaded').reduce((n, [, , v]) => n + Number(v), 0);
    expect(loaded).toBe(3);
    expect(add.mock.calls.filter(([name]) => name === 'ClickHouseFailures')).toEqual([]);
    add.mockClear();
    const insert = vi.spyOn(analytics, 'insert').mockRejectedValueOnce(new Error('Code: 241. MEMORY_LIMIT_EXCEEDED'));
    await expect(handler(sqs(fixture('staff.created.v1.json')), context)).rejects.toThrow('MEMORY_LIMIT_EXCEEDED');
    expect(add.mock.calls).toEqual([['ClickHouseFailures', 'Count', 1]]);
    insert.mockRestore();
    add.mockRestore();
  });

  it('reports malformed, foreign and unknown messages and loads the rest of the batch', async () => {
    const created = fixture('opportunity.created.v1.json');
    const unknownVersion = JSON.stringify({ ...JSON.parse(created), detail: { ...JSON.parse(created).detail, version: 9 } });
    const foreign = JSON.stringify({ ...JSON.parse(created), source: 'erp' });
    const broken = JSON.stringify({ ...JSON.parse(created), detail: { ...JSON.parse(created).detail, data: { after: { id: 'o_1' } } } });
    const event = sqs(created, '{not json', unknownVersion, foreign, broken);

    const result = await handler(event, context);

    expect(result.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(event.Records.slice(1).map((r) => r.messageId));
    expect(await count('opportunity_state')).toBe(1);
    expect(await count('stage_transitions')).toBe(1);
  });

  it('fails the whole batch when an insert fails, so SQS redelivers it', async () => {
    await analytics.command('RENAME TABLE activities TO activities_away');
    try {
      await expect(handler(sqs(fixture('event.completed.v1.json')), context)).rejects.toThrow(/activities/);
    } finally {
      await analytics.command('RENAME TABLE activities_away TO activities');
    }
  });
});
