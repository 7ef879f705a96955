import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { conflict, DomainError } from '../../../domain/errors';
import { fromItem, transact, type Write } from './items';
import { keys } from './keys';

/**
 * The transaction helper's reading of a cancelled TransactWriteItems. DynamoDB Local runs
 * transactions one at a time (40 concurrent transactions on one item all succeed there), so a
 * cancellation by a *conflicting transaction* cannot be produced on it; these tests hand the
 * helper the exact exception the SDK raises instead. Failed conditions are proven on DynamoDB
 * Local by the repositories' integration tests (duplicates, open slots, lost races).
 */
const cancelled = (...codes: ({ Code: string; Item?: Record<string, unknown> } | string)[]) =>
  new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: codes.map((c) => (typeof c === 'string' ? { Code: c } : { Code: c.Code, ...(c.Item && { Item: marshall(c.Item) }) })),
  });

/** A `send` that answers with the given outcomes in turn, counting its calls. */
function scripted(...outcomes: (Error | 'ok')[]) {
  const calls: unknown[] = [];
  return {
    calls,
    db: {
      send: async (command: unknown) => {
        calls.push(command);
        const next = outcomes[Math.min(calls.length - 1, outcomes.length - 1)]!;
        if (next !== 'ok') throw next;
        return {};
      },
    } as never,
  };
}

const put = (sk: string, onConditionFailed?: Write['onConditionFailed']): Write => ({ item: { Put: { TableName: 't', Item: { pk: 'p', sk } } }, ...(onConditionFailed && { onConditionFailed }) });
const noWait = { backoffMs: () => 0 };

describe('transact', () => {
  it('retries a transaction cancelled by a conflicting one, and succeeds when it goes through', async () => {
    const { db, calls } = scripted(cancelled('None', 'TransactionConflict'), cancelled('TransactionConflict', 'None'), 'ok');
    await transact(db, [put('a'), put('b')], noWait);
    expect(calls).toHaveLength(3);
  });

  it('answers a retryable 409 transaction_conflict with Retry-After 1 after three conflicts', async () => {
    const { db, calls } = scripted(cancelled('TransactionConflict'));
    const error = await transact(db, [put('a')], noWait).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ kind: 'conflict', code: 'transaction_conflict', retryAfterSeconds: 1 });
    expect(calls).toHaveLength(3);
  });

  it('turns a failed condition into the error its item names, with the old item', async () => {
    const { db, calls } = scripted(cancelled('None', { Code: 'ConditionalCheckFailed', Item: { pk: 'p', sk: 'b', clientId: 'c_1' } }));
    const error = await transact(db, [put('a'), put('b', (old) => conflict('duplicate_client', 'taken', { existingClientId: old?.clientId }))], noWait).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'conflict', code: 'duplicate_client', details: { existingClientId: 'c_1' } });
    expect(calls).toHaveLength(1);
  });

  it('answers a failed condition without an error of its own as the lost race, 409 concurrent_update, never retrying', async () => {
    const { db, calls } = scripted(cancelled('ConditionalCheckFailed', 'None'));
    await expect(transact(db, [put('a'), put('b')], noWait)).rejects.toMatchObject({ kind: 'conflict', code: 'concurrent_update' });
    expect(calls).toHaveLength(1);
  });

  it('prefers a failed condition to a conflict in the same cancellation', async () => {
    const { db } = scripted(cancelled('TransactionConflict', 'ConditionalCheckFailed'));
    await expect(transact(db, [put('a'), put('b', () => conflict('open_opportunity_exists', 'open'))], noWait)).rejects.toMatchObject({ code: 'open_opportunity_exists' });
  });

  it('passes on anything that is not a cancellation', async () => {
    const boom = new Error('network down');
    const { db } = scripted(boom);
    await expect(transact(db, [put('a')], noWait)).rejects.toBe(boom);
  });
});

describe('fromItem', () => {
  it('drops the item’s address (keys, index keys, type, tenant) and keeps every field of the entity', () => {
    const item = { ...keys.opportunity('demo', 'c_1', 'o_1'), ...keys.opportunityIndexes('demo', { id: 'o_1', stage: 'Lead' }), entity: 'opportunity', tenantId: 'demo', id: 'o_1', stage: 'Lead', version: 3 };
    expect(fromItem(item)).toEqual({ id: 'o_1', stage: 'Lead', version: 3 });
  });
});
