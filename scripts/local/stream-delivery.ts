import { setTimeout as sleep } from 'node:timers/promises';
import type { DynamoDBBatchResponse, DynamoDBRecord } from 'aws-lambda';

/**
 * How Lambda's DynamoDB-stream event source mapping delivers one batch of a shard, with
 * ReportBatchItemFailures on (what the CDK stack configures):
 *
 * - the handler answers `batchItemFailures` → the batch is retried from the lowest failed
 *   sequence number (records before it are done); an identifier that is not a sequence number
 *   of the batch fails the whole batch;
 * - the handler throws → with BisectBatchOnFunctionError the batch is split in two and each half
 *   delivered in turn (splitting does not count as a retry); a single record is retried;
 * - after `retryAttempts` retries the remaining records go to the on-failure destination and the
 *   shard moves on.
 *
 * Records are delivered strictly in order: nothing after a failing record is delivered until it
 * succeeded or was sent to the on-failure destination.
 */
export interface StreamDeliveryOptions {
  retryAttempts: number;
  bisectBatchOnError: boolean;
  /** Pause before the n-th retry. */
  retryDelayMs?: (retry: number) => number;
  signal?: AbortSignal;
}

export interface FailedBatch {
  records: DynamoDBRecord[];
  reason: string;
  /** Invocations that included the first of these records. */
  attempts: number;
}

export type InvokeBatch = (records: DynamoDBRecord[]) => Promise<DynamoDBBatchResponse | void>;

const defaultDelay = (retry: number) => Math.min(2_000, 100 * 2 ** (retry - 1));

export async function deliverStreamBatch(records: DynamoDBRecord[], invoke: InvokeBatch, opts: StreamDeliveryOptions, onFailure: (failed: FailedBatch) => Promise<void>): Promise<void> {
  const delay = opts.retryDelayMs ?? defaultDelay;

  async function deliver(batch: DynamoDBRecord[], retries: number): Promise<void> {
    let pending = batch;
    let retried = retries;
    while (pending.length > 0) {
      opts.signal?.throwIfAborted();
      let reason: string;
      try {
        const response = await invoke(pending);
        const ids = (response ?? { batchItemFailures: [] }).batchItemFailures.map((f) => f.itemIdentifier);
        if (ids.length === 0) return;
        const positions = ids.map((id) => pending.findIndex((r) => r.dynamodb?.SequenceNumber === id));
        const unknown = positions.some((p) => p < 0);
        pending = pending.slice(unknown ? 0 : Math.min(...positions));
        reason = unknown ? `batchItemFailures named an unknown sequence number (${ids.join(', ')})` : 'reported in batchItemFailures';
      } catch (error) {
        if (opts.signal?.aborted) throw error;
        reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        if (opts.bisectBatchOnError && pending.length > 1) {
          const half = Math.ceil(pending.length / 2);
          await deliver(pending.slice(0, half), retried);
          await deliver(pending.slice(half), retried);
          return;
        }
      }
      retried += 1;
      if (retried > opts.retryAttempts) {
        await onFailure({ records: pending, reason, attempts: retried });
        return;
      }
      await sleep(delay(retried), undefined, opts.signal ? { signal: opts.signal } : undefined);
    }
  }

  await deliver(records, 0);
}
