import { describe, expect, it } from 'vitest';
import { indexes, keys } from './keys';

/** DynamoDB refuses an empty string in a key condition: every open end must be left out, never ''. */
const values = (q: { ExpressionAttributeValues: Record<string, string> }) => Object.values(q.ExpressionAttributeValues);

describe('key conditions', () => {
  it('lists the tenant’s opportunities of every stage by partition alone, of one stage by prefix', () => {
    expect(keys.query.tenantOpportunities('demo')).toEqual({ IndexName: 'gsi2', KeyConditionExpression: 'gsi2pk = :pk', ExpressionAttributeValues: { ':pk': 'T#demo#OPPS' } });
    expect(keys.query.tenantOpportunities('demo', 'Demo')).toEqual({
      IndexName: 'gsi2',
      KeyConditionExpression: 'gsi2pk = :pk AND gsi2sk BETWEEN :prefix AND :end',
      ExpressionAttributeValues: { ':pk': 'T#demo#OPPS', ':prefix': 'Demo#', ':end': 'Demo#\u{10FFFF}' },
    });
  });

  it.each([
    [undefined, undefined, 'gsi2pk = :pk', { ':pk': 'T#demo#EVTS#Pending' }],
    ['2026-01-01T00:00:00.000Z', undefined, 'gsi2pk = :pk AND gsi2sk >= :lower', { ':pk': 'T#demo#EVTS#Pending', ':lower': '2026-01-01T00:00:00.000Z' }],
    [undefined, '2026-12-31T00:00:00.000Z', 'gsi2pk = :pk AND gsi2sk <= :upper', { ':pk': 'T#demo#EVTS#Pending', ':upper': '2026-12-31T00:00:00.000Z~' }],
    [
      '2026-01-01T00:00:00.000Z',
      '2026-12-31T00:00:00.000Z',
      'gsi2pk = :pk AND gsi2sk BETWEEN :lower AND :upper',
      { ':pk': 'T#demo#EVTS#Pending', ':lower': '2026-01-01T00:00:00.000Z', ':upper': '2026-12-31T00:00:00.000Z~' },
    ],
  ])('reads the tenant’s events from %s to %s', (from, to, condition, expected) => {
    const q = keys.query.tenantEvents('demo', 'Pending', from, to);
    expect(q).toEqual({ IndexName: 'gsi2', KeyConditionExpression: condition, ExpressionAttributeValues: expected });
    expect(values(q)).not.toContain('');
  });

  it('bounds an assignee’s events by status even with both ends open', () => {
    expect(keys.query.assigneeEvents('demo', 'tse-1', 'Missed')).toEqual({
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk BETWEEN :lower AND :upper',
      ExpressionAttributeValues: { ':pk': 'T#demo#ASG#tse-1', ':lower': 'EVT#Missed#', ':upper': 'EVT#Missed#~' },
    });
  });

  it('finds an event stored at the upper end of a window (the window includes its last instant)', () => {
    const stored = keys.eventIndexes('demo', { id: 'e_1', assignee: 'tse-1', status: 'Pending', scheduledAt: '2026-12-31T00:00:00.000Z' });
    const q = keys.query.assigneeEvents('demo', 'tse-1', 'Pending', '2026-12-01T00:00:00.000Z', '2026-12-31T00:00:00.000Z');
    const sk = stored[indexes.assigneeEvents.sortKey]!;
    expect(sk >= q.ExpressionAttributeValues[':lower']! && sk <= q.ExpressionAttributeValues[':upper']!).toBe(true);
  });

  it('names the indexes after the access patterns they serve', () => {
    expect(Object.fromEntries(Object.entries(indexes).map(([pattern, g]) => [pattern, g.indexName]))).toEqual({
      assigneeEvents: 'gsi1',
      staffTree: 'gsi1',
      tenantOpportunities: 'gsi2',
      tenantEvents: 'gsi2',
      staffAlerts: 'gsi1',
      tenantAlerts: 'gsi2',
      connectionDeliveries: 'gsi1',
    });
  });
});
