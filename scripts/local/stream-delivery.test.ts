import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { deliverStreamBatch, type FailedBatch, type InvokeBatch } from './stream-delivery';

const record = (n: number): DynamoDBRecord => ({ eventID: `e${n}`, eventName: 'INSERT', dynamodb: { SequenceNumber: String(1000 + n) } });
const seq = (n: number) => String(1000 + n);
const ids = (records: DynamoDBRecord[]) => records.map((r) => Number(r.dynamodb!.SequenceNumber) - 1000);

/** Runs a batch of records 1..n against `behaviour`, recording each invocation's records. */
async function run(n: number, behaviour: (batch: number[], call: number) => { fail?: number[]; throws?: string } | void, opts = { retryAttempts: 2, bisectBatchOnError: true }) {
  const calls: number[][] = [];
  const failures: { records: number[]; reason: string; attempts: number }[] = [];
  const invoke: InvokeBatch = async (batch) => {
    calls.push(ids(batch));
    const outcome = behaviour(ids(batch), calls.length) ?? {};
    if (outcome.throws) throw new Error(outcome.throws);
    return { batchItemFailures: (outcome.fail ?? []).map((i) => ({ itemIdentifier: seq(i) })) };
  };
  const onFailure = async (f: FailedBatch) => void failures.push({ records: ids(f.records), reason: f.reason, attempts: f.attempts });
  await deliverStreamBatch(
    Array.from({ length: n }, (_, i) => record(i + 1)),
    invoke,
    { ...opts, retryDelayMs: () => 0 },
    onFailure,
  );
  return { calls, failures };
}

describe('deliverStreamBatch (Lambda stream event source semantics)', () => {
  it('invokes once with the whole batch when it succeeds', async () => {
    const { calls, failures } = await run(4, () => undefined);
    expect(calls).toEqual([[1, 2, 3, 4]]);
    expect(failures).toEqual([]);
  });

  it('retries from the lowest failed sequence number after a partial failure', async () => {
    const { calls } = await run(5, (_, call) => (call === 1 ? { fail: [4, 3] } : undefined));
    expect(calls).toEqual([
      [1, 2, 3, 4, 5],
      [3, 4, 5],
    ]);
  });

  it('fails the whole batch when an identifier is not one of its sequence numbers', async () => {
    const { calls } = await run(3, (_, call) => (call === 1 ? { fail: [99] } : undefined));
    expect(calls).toEqual([
      [1, 2, 3],
      [1, 2, 3],
    ]);
  });

  it('sends the remaining records to the on-failure destination once retries are exhausted', async () => {
    const { calls, failures } = await run(3, (batch) => (batch.includes(2) ? { fail: [2] } : undefined));
    expect(calls).toEqual([
      [1, 2, 3],
      [2, 3],
      [2, 3],
    ]);
    expect(failures).toEqual([{ records: [2, 3], reason: 'reported in batchItemFailures', attempts: 3 }]);
  });

  it('bisects a batch whose invocation throws until the poison record is alone, delivering the rest in order', async () => {
    const { calls, failures } = await run(4, (batch) => (batch.includes(3) ? { throws: 'cannot map record 3' } : undefined));
    expect(calls).toEqual([[1, 2, 3, 4], [1, 2], [3, 4], [3], [3], [3], [4]]);
    expect(failures).toEqual([{ records: [3], reason: 'Error: cannot map record 3', attempts: 3 }]);
  });

  it('retries a thrown batch whole when bisecting is off', async () => {
    const { calls, failures } = await run(2, () => ({ throws: 'down' }), { retryAttempts: 1, bisectBatchOnError: false });
    expect(calls).toEqual([
      [1, 2],
      [1, 2],
    ]);
    expect(failures).toEqual([{ records: [1, 2], reason: 'Error: down', attempts: 2 }]);
  });

  it('recovers when a retry succeeds, sending nothing to the on-failure destination', async () => {
    const { calls, failures } = await run(2, (_, call) => (call === 1 ? { throws: 'blip' } : undefined), { retryAttempts: 2, bisectBatchOnError: false });
    expect(calls).toEqual([
      [1, 2],
      [1, 2],
    ]);
    expect(failures).toEqual([]);
  });

  it('stops between attempts when aborted, without sending anything to the on-failure destination', async () => {
    const abort = new AbortController();
    const failures: FailedBatch[] = [];
    const invoke: InvokeBatch = async () => {
      abort.abort();
      throw new Error('down');
    };
    await expect(
      deliverStreamBatch([record(1)], invoke, { retryAttempts: 5, bisectBatchOnError: true, retryDelayMs: () => 10_000, signal: abort.signal }, async (f) => void failures.push(f)),
    ).rejects.toThrow(new Error('down'));
    expect(failures).toEqual([]);
  });
});
