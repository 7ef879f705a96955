import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getAnalytics, type Analytics } from '../lib/analytics';
import { applySchema } from '../lib/analytics/schema';
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
  await applySchema(analytics);
});
beforeEach(async () => {
  await analytics.command('TRUNCATE TABLE audit_log');
});
afterAll(async () => {
  await analytics.close();
  rmSync(dir, { recursive: true, force: true });
});

const count = async () => (await analytics.query<{ n: number }>('SELECT count() AS n FROM audit_log FINAL'))[0]!.n;

describe('analytics loader → audit_log', () => {
  it('loads each domain event as one audit row: who, when, what, before and after', async () => {
    const result = await handler(sqs(fixture('client.created.v1.json'), fixture('client.updated.v1.json')), context);
    expect(result).toEqual({ batchItemFailures: [] });

    const rows = await analytics.query<Record<string, string | number>>(
      `SELECT event_id, event_type, event_version, entity, entity_id, actor, toString(occurred_at) AS occurred_at, data
       FROM audit_log FINAL WHERE tenant_id = {tenant:String} ORDER BY occurred_at`,
      { tenant: 'demo' },
    );
    expect(rows.map(({ data: _d, ...r }) => r)).toEqual([
      { event_id: '4b8f1d2e0c3a4f5e9a7b6c5d4e3f2a1b:client.created', event_type: 'client.created', event_version: 1, entity: 'client', entity_id: 'c_01jnq8x7d3k2m4p6r8t0v2w4y6', actor: 'tse-1', occurred_at: '2026-03-02 04:30:12.345' },
      { event_id: '9c1e3a5b7d9f4b2a8c6e4a2c0e8f6d4b:client.updated', event_type: 'client.updated', event_version: 1, entity: 'client', entity_id: 'c_01jnq8x7d3k2m4p6r8t0v2w4y6', actor: 'manager', occurred_at: '2026-03-05 09:15:00.000' },
    ]);
    const updated = JSON.parse(rows[1]!.data as string);
    expect(updated.before).not.toHaveProperty('landmark');
    expect(updated.after).toMatchObject({ landmark: 'Opposite the Town Hall' });
    expect(await analytics.query('SELECT 1 FROM audit_log WHERE tenant_id = {tenant:String}', { tenant: "demo' OR 1=1 --" })).toEqual([]);
  });

  it('is idempotent: replaying the same batch, or the same event redelivered in another message, changes no count', async () => {
    const batch = sqs(fixture('client.created.v1.json'), fixture('client.updated.v1.json'));
    await handler(batch, context);
    expect(await count()).toBe(2);

    await handler(batch, context);
    const redelivered = JSON.parse(fixture('client.created.v1.json'));
    await handler(sqs(JSON.stringify({ ...redelivered, id: crypto.randomUUID() })), context);
    expect(await count()).toBe(2);
    expect((await analytics.query<{ n: number }>("SELECT count() AS n FROM audit_log FINAL WHERE event_type = 'client.created'"))[0]!.n).toBe(1);
  });

  it('reports malformed, foreign and unknown messages and loads the rest of the batch', async () => {
    const created = fixture('client.created.v1.json');
    const unknownVersion = JSON.stringify({ ...JSON.parse(created), detail: { ...JSON.parse(created).detail, version: 9 } });
    const foreign = JSON.stringify({ ...JSON.parse(created), source: 'erp' });
    const event = sqs(created, '{not json', unknownVersion, foreign);

    const result = await handler(event, context);

    expect(result.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(event.Records.slice(1).map((r) => r.messageId));
    expect(await count()).toBe(1);
  });

  it('fails the whole batch when the insert fails, so SQS redelivers it', async () => {
    await analytics.command('RENAME TABLE audit_log TO audit_log_away');
    try {
      await expect(handler(sqs(fixture('client.created.v1.json')), context)).rejects.toThrow(/audit_log/);
    } finally {
      await analytics.command('RENAME TABLE audit_log_away TO audit_log');
    }
  });
});
