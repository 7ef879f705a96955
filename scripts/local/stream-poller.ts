import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  TrimmedDataAccessException,
  type _Record as SdkRecord,
  type AttributeValue as SdkAttributeValue,
  type Shard,
} from '@aws-sdk/client-dynamodb-streams';
import type { AttributeValue, Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { streamPublisher } from '../../events/rules';
import { logger } from '../../functions/lib/logger';
import { appendLines } from '../replay/dlq-file';
import { lambdaContext } from './lambda-context';
import { deliverStreamBatch, type FailedBatch } from './stream-delivery';

/**
 * The local event source mapping: polls the table's stream on DynamoDB Local and calls the stream
 * handler with the same DynamoDBStreamEvent Lambda builds, with the mapping's batch size, retry,
 * bisect and partial-failure semantics (stream-delivery.ts). Shards are read in order, a child
 * only after its parent is finished; each shard strictly in sequence.
 *
 * Checkpoints: with a `checkpointFile` the last delivered sequence number of each shard is kept,
 * so a restart resumes after it; without, or for a shard never seen, reading starts at TRIM_HORIZON
 * (replays are harmless: event ids are deterministic and consumers dedupe).
 */
export type StreamHandler = (event: DynamoDBStreamEvent, context: Context) => Promise<DynamoDBBatchResponse | void>;

export interface StreamPollerOptions {
  endpoint: string;
  region: string;
  streamArn: string;
  handler: StreamHandler;
  /** Records that exhausted their retries, one JSON line each with the reason. */
  dlqFile: string;
  checkpointFile?: string;
  batchSize?: number;
  retryAttempts?: number;
  bisectBatchOnError?: boolean;
  pollIntervalMs?: number;
  retryDelayMs?: (retry: number) => number;
  functionName?: string;
}

export interface StreamPoller {
  /** Resolves after the next poll that found every readable shard empty. */
  caughtUp(): Promise<void>;
  stop(): Promise<void>;
}

interface ShardCheckpoint {
  sequenceNumber?: string;
  finished?: boolean;
}

export function startStreamPoller(opts: StreamPollerOptions): StreamPoller {
  const batchSize = opts.batchSize ?? streamPublisher.batchSize;
  const delivery = { retryAttempts: opts.retryAttempts ?? streamPublisher.retryAttempts, bisectBatchOnError: opts.bisectBatchOnError ?? streamPublisher.bisectBatchOnError };
  const functionName = opts.functionName ?? 'stream-publisher';
  const client = new DynamoDBStreamsClient({ region: opts.region, endpoint: opts.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 3 });
  const checkpoints = loadCheckpoints(opts.checkpointFile, opts.streamArn);
  const iterators = new Map<string, string>();
  const abort = new AbortController();
  let shards: Shard[] = [];
  let describedAt = 0;
  let caughtUpWaiters: (() => void)[] = [];
  let dirty = false;

  async function describe() {
    const all: Shard[] = [];
    let exclusiveStartShardId: string | undefined;
    do {
      const { StreamDescription } = await client.send(new DescribeStreamCommand({ StreamArn: opts.streamArn, ...(exclusiveStartShardId && { ExclusiveStartShardId: exclusiveStartShardId }) }));
      all.push(...(StreamDescription?.Shards ?? []));
      exclusiveStartShardId = StreamDescription?.LastEvaluatedShardId;
    } while (exclusiveStartShardId);
    shards = all;
    describedAt = Date.now();
  }

  async function iteratorFor(shardId: string): Promise<string | undefined> {
    const known = iterators.get(shardId);
    if (known) return known;
    const after = checkpoints.get(shardId)?.sequenceNumber;
    const { ShardIterator } = await client.send(
      new GetShardIteratorCommand({
        StreamArn: opts.streamArn,
        ShardId: shardId,
        ...(after ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: after } : { ShardIteratorType: 'TRIM_HORIZON' }),
      }),
    );
    return ShardIterator;
  }

  const readable = (shard: Shard) => {
    if (checkpoints.get(shard.ShardId!)?.finished) return false;
    const parent = shard.ParentShardId;
    // A child waits for its parent (when the parent is still in the stream) to be read to the end.
    return !parent || !shards.some((s) => s.ShardId === parent) || checkpoints.get(parent)?.finished === true;
  };

  async function onFailure(shardId: string, failed: FailedBatch) {
    const failedAt = new Date().toISOString();
    const lines = failed.records.map((record) =>
      JSON.stringify({ failedAt, condition: 'RetryAttemptsExhausted', reason: failed.reason, approximateInvokeCount: failed.attempts, streamArn: opts.streamArn, shardId, record }),
    );
    logger.error('stream poller: records sent to the on-failure destination', { shardId, count: failed.records.length, reason: failed.reason });
    // Through the dead-letter file's queue: `npm run replay` rewrites this file while the stack runs.
    await appendLines(opts.dlqFile, lines);
  }

  /** One pass over the readable shards; true when any records were found. */
  async function pollOnce(): Promise<boolean> {
    if (shards.length === 0 || Date.now() - describedAt > 10_000) await describe();
    let found = false;
    for (const shard of shards.filter(readable)) {
      const shardId = shard.ShardId!;
      let page;
      try {
        const iterator = await iteratorFor(shardId);
        if (!iterator) continue;
        page = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: batchSize }));
      } catch (error) {
        iterators.delete(shardId);
        if (error instanceof ExpiredIteratorException) continue;
        if (error instanceof TrimmedDataAccessException) {
          // The checkpoint fell off the 24 h retention: start again at the oldest record kept.
          checkpoints.delete(shardId);
          continue;
        }
        throw error;
      }
      const records = (page.Records ?? []).map((r) => toLambdaRecord(r, opts.streamArn, opts.region));
      if (records.length > 0) {
        found = true;
        await deliverStreamBatch(
          records,
          async (batch) => opts.handler({ Records: batch }, lambdaContext(functionName)),
          { ...delivery, signal: abort.signal, ...(opts.retryDelayMs && { retryDelayMs: opts.retryDelayMs }) },
          (failed) => onFailure(shardId, failed),
        );
        checkpoints.set(shardId, { sequenceNumber: records.at(-1)!.dynamodb!.SequenceNumber! });
        dirty = true;
      }
      if (page.NextShardIterator) iterators.set(shardId, page.NextShardIterator);
      else {
        // A closed shard read to its end: its children may start.
        iterators.delete(shardId);
        checkpoints.set(shardId, { ...checkpoints.get(shardId), finished: true });
        describedAt = 0;
        dirty = true;
      }
      if (dirty) saveCheckpoints(opts.checkpointFile, opts.streamArn, checkpoints);
      dirty = false;
    }
    return found;
  }

  const loop = (async () => {
    while (!abort.signal.aborted) {
      // Only a pass that began after someone asked can tell them the stream is caught up.
      const asking = caughtUpWaiters;
      caughtUpWaiters = [];
      let found = false;
      let failed = false;
      try {
        found = await pollOnce();
      } catch (error) {
        if (abort.signal.aborted) break;
        failed = true;
        logger.error('stream poller: poll failed', { error });
      }
      if (found || failed) caughtUpWaiters.push(...asking);
      else asking.forEach((w) => w());
      if (!found) await sleep(opts.pollIntervalMs ?? 250, undefined, { signal: abort.signal }).catch(() => undefined);
    }
  })();

  return {
    caughtUp: () => new Promise<void>((resolve) => caughtUpWaiters.push(resolve)),
    async stop() {
      abort.abort();
      await loop;
      caughtUpWaiters.forEach((w) => w());
      client.destroy();
    },
  };
}

/** A stream record as Lambda delivers it: epoch-second time, DynamoDB JSON with base64 binaries. */
export function toLambdaRecord(record: SdkRecord, streamArn: string, region: string): DynamoDBRecord {
  const s = record.dynamodb ?? {};
  const image = (i?: Record<string, SdkAttributeValue>) => (i ? (Object.fromEntries(Object.entries(i).map(([k, v]) => [k, toJsonAttribute(v)])) as Record<string, AttributeValue>) : undefined);
  const keys = image(s.Keys);
  const newImage = image(s.NewImage);
  const oldImage = image(s.OldImage);
  return {
    eventID: record.eventID!,
    eventName: record.eventName as DynamoDBRecord['eventName'],
    eventVersion: record.eventVersion ?? '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: region,
    dynamodb: {
      ...(s.ApproximateCreationDateTime && { ApproximateCreationDateTime: Math.floor(s.ApproximateCreationDateTime.getTime() / 1000) }),
      ...(keys && { Keys: keys }),
      ...(newImage && { NewImage: newImage }),
      ...(oldImage && { OldImage: oldImage }),
      SequenceNumber: s.SequenceNumber!,
      ...(s.SizeBytes !== undefined && { SizeBytes: s.SizeBytes }),
      ...(s.StreamViewType && { StreamViewType: s.StreamViewType }),
    },
    eventSourceARN: streamArn,
    ...(record.userIdentity && { userIdentity: record.userIdentity }),
  };
}

function toJsonAttribute(value: SdkAttributeValue): AttributeValue {
  const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
  if (value.B !== undefined) return { B: b64(value.B) };
  if (value.BS !== undefined) return { BS: value.BS.map(b64) };
  if (value.M !== undefined) return { M: Object.fromEntries(Object.entries(value.M).map(([k, v]) => [k, toJsonAttribute(v)])) };
  if (value.L !== undefined) return { L: value.L.map(toJsonAttribute) };
  return value as AttributeValue;
}

type CheckpointFile = Record<string, Record<string, ShardCheckpoint>>;

function loadCheckpoints(file: string | undefined, streamArn: string): Map<string, ShardCheckpoint> {
  if (!file || !existsSync(file)) return new Map();
  const all = JSON.parse(readFileSync(file, 'utf8')) as CheckpointFile;
  return new Map(Object.entries(all[streamArn] ?? {}));
}

function saveCheckpoints(file: string | undefined, streamArn: string, checkpoints: Map<string, ShardCheckpoint>): void {
  if (!file) return;
  const all = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as CheckpointFile) : {};
  all[streamArn] = Object.fromEntries(checkpoints);
  mkdirSync(dirname(file), { recursive: true });
  // Write then rename, so a crash mid-write never leaves a torn checkpoint file.
  const tmp = join(dirname(file), `.${Date.now()}.${process.pid}.checkpoints.tmp`);
  writeFileSync(tmp, JSON.stringify(all, null, 2));
  renameSync(tmp, file);
}
