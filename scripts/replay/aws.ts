import {
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ResourceNotFoundException,
  TrimmedDataAccessException,
  type _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { z } from 'zod';
import { lambdaContext } from '../local/lambda-context';
import { toLambdaRecord, type StreamHandler } from '../local/stream-poller';
import { describeBusEvent, STREAM_DLQ_NAME, type LetterView, type ReplayReport } from './report';

/**
 * `npm run replay -- <dlq> --aws` (issue #8 item 4), with the SDK clients handed in.
 *
 * A rule's DLQ (infra/constructs/rule-consumer.ts: messages that outlived the source queue's
 * maxReceiveCount, and events EventBridge could not deliver): each body is sent again to the rule's
 * source queue (SendMessageBatch, ≤ 10 and ≤ 256 KiB a call) and deleted from the DLQ
 * (DeleteMessageBatch) only once its send succeeded.
 *
 * The stream publisher's on-failure queue holds pointers, not records (Lambda's invocation record:
 * `DDBStreamBatchInfo {shardId, startSequenceNumber, endSequenceNumber, batchSize, streamArn, …}`):
 * the records are read again from the stream (GetShardIterator AT_SEQUENCE_NUMBER, GetRecords up to
 * endSequenceNumber) and handed to the publisher's handler as the DynamoDBStreamEvent the mapping
 * would have built; the pointer is deleted once the handler took all of them. The stream keeps
 * records 24 h: a pointer whose records are gone says so and stays in the queue.
 *
 * SQS has no peek: listing receives. Every message this run receives and does not delete is made
 * visible again at the end (ChangeMessageVisibility 0), so a dry run only adds one to each
 * message's receive count, and a message left behind is at once there for the next run.
 */
export interface AwsRuleReplayOptions {
  rule: string;
  dlqUrl: string;
  sourceUrl: string;
  dryRun: boolean;
  /** How long this run holds a received message (default 300 s: longer than any run). */
  visibilityTimeoutSeconds?: number;
  /** Long polling of each receive (default 2 s; an empty answer ends the run). */
  waitTimeSeconds?: number;
}

export interface AwsStreamReplayOptions {
  dlqUrl: string;
  dryRun: boolean;
  visibilityTimeoutSeconds?: number;
  waitTimeSeconds?: number;
}

export interface AwsStreamReplayClients {
  sqs: SQSClient;
  streams: DynamoDBStreamsClient;
  /** The stream publisher's handler; not called on a dry run. */
  handler: () => Promise<StreamHandler> | StreamHandler;
}

const DRY_RUN_NOTE = 'SQS cannot list without receiving: each message above was received once (its receive count is one higher now) and made visible again.';

/** SendMessageBatch: at most 10 entries, and at most 256 KiB of bodies a call. */
const MAX_BATCH_ENTRIES = 10;
const MAX_BATCH_BYTES = 256 * 1024;
/** GetRecords' own limit. */
const MAX_RECORDS_PER_READ = 1000;
/** Empty GetRecords pages in a row after which the rest of a pointer's range counts as gone. */
const MAX_EMPTY_READS = 3;

export async function replayAwsRule(sqs: SQSClient, opts: AwsRuleReplayOptions): Promise<ReplayReport> {
  const report = newReport(opts.rule, opts.dlqUrl, opts.dryRun);
  const held = new Map<string, string>();
  try {
    for await (const batch of receiveAll(sqs, opts.dlqUrl, held, opts)) {
      const views = batch.map((m) => ruleView(m));
      report.letters.push(...views);
      if (opts.dryRun) continue;
      for (const chunk of sendChunks(batch.map((m, i) => ({ m, view: views[i]! })))) {
        const sent = await sendBatch(sqs, opts.sourceUrl, chunk);
        if (sent.length === 0) continue;
        await deleteBatch(sqs, opts.dlqUrl, sent, held, `sent to ${opts.sourceUrl}`);
      }
    }
  } finally {
    await release(sqs, opts.dlqUrl, held);
  }
  if (opts.dryRun && report.letters.length > 0) report.notes.push(DRY_RUN_NOTE);
  if (!opts.dryRun && report.letters.length > 0) report.notes.push(`Replayed messages go through ${opts.sourceUrl} to the consumer again; one that fails again returns to this DLQ after the queue's maxReceiveCount.`);
  return report;
}

export async function replayAwsStream(clients: AwsStreamReplayClients, opts: AwsStreamReplayOptions): Promise<ReplayReport> {
  const report = newReport(STREAM_DLQ_NAME, opts.dlqUrl, opts.dryRun);
  const held = new Map<string, string>();
  let handler: StreamHandler | undefined;
  let region: string | undefined;
  try {
    for await (const batch of receiveAll(clients.sqs, opts.dlqUrl, held, opts)) {
      const done: { m: Message; view: LetterView }[] = [];
      for (const m of batch) {
        const pointer = OnFailureRecord.safeParse(parseJson(m.Body));
        if (!pointer.success) {
          report.unreadable.push({ at: `message ${m.MessageId}`, error: `not a DynamoDB stream on-failure record: ${z.prettifyError(pointer.error).replaceAll('\n', '; ')}` });
          continue;
        }
        const view = pointerView(m, pointer.data);
        report.letters.push(view);
        const info = pointer.data.DDBStreamBatchInfo;
        let read: Awaited<ReturnType<typeof readPointer>>;
        try {
          read = await readPointer(clients.streams, info);
        } catch (error) {
          setOutcome(view, opts.dryRun, 'kept', `could not read the stream (${errorText(error)}); left in the queue`);
          continue;
        }
        if ('gone' in read) {
          const message = `expired: the stream keeps records for 24 h; ${read.gone} records of shard ${info.shardId} from sequence ${info.startSequenceNumber} are gone${read.cause ? ` (${read.cause})` : ''} — run \`npm run backfill\` to rebuild the ClickHouse facts`;
          setOutcome(view, opts.dryRun, 'expired', `${message}; left in the queue`);
          continue;
        }
        if (opts.dryRun) {
          view.detail = `${read.records.length} records still in the stream (sequence ${info.startSequenceNumber} … ${info.endSequenceNumber})`;
          continue;
        }
        handler ??= await clients.handler();
        // The region records carry is the one the stream is read in (the stream's own, in AWS).
        const awsRegion = (region ??= await clients.streams.config.region());
        const records = read.records.map((r) => toLambdaRecord(r, info.streamArn, awsRegion));
        const failure = await invokeOnce(handler, records);
        if (failure) {
          view.outcome = 'failed again';
          view.detail = `${failure}; left in the queue`;
          continue;
        }
        view.outcome = 'replayed';
        view.detail = `${records.length} records published through the stream publisher`;
        done.push({ m, view });
      }
      if (done.length > 0) await deleteBatch(clients.sqs, opts.dlqUrl, done, held, 'published');
    }
  } finally {
    await release(clients.sqs, opts.dlqUrl, held);
  }
  if (opts.dryRun && report.letters.length > 0) report.notes.push(DRY_RUN_NOTE);
  if (report.letters.some((l) => l.outcome === 'expired' || (opts.dryRun && l.detail?.startsWith('expired')))) {
    report.notes.push('Expired pointers stay in the queue until you delete them (or it drops them after its retention period); the facts they would have produced come back with `npm run backfill`.');
  }
  return report;
}

// --- Reading the on-failure pointers' records back from the stream --------------------------------

const OnFailureRecord = z.looseObject({
  requestContext: z.looseObject({ condition: z.string().optional(), approximateInvokeCount: z.number().optional(), functionArn: z.string().optional() }).optional(),
  responseContext: z.looseObject({ functionError: z.string().nullish(), statusCode: z.number().optional() }).optional(),
  timestamp: z.string().optional(),
  DDBStreamBatchInfo: z.looseObject({
    shardId: z.string().min(1),
    startSequenceNumber: z.string().regex(/^\d+$/),
    endSequenceNumber: z.string().regex(/^\d+$/),
    approximateArrivalOfFirstRecord: z.string().optional(),
    approximateArrivalOfLastRecord: z.string().optional(),
    batchSize: z.number().int().positive(),
    streamArn: z.string().startsWith('arn:'),
  }),
});
type OnFailureRecord = z.infer<typeof OnFailureRecord>;
export type StreamBatchInfo = OnFailureRecord['DDBStreamBatchInfo'];

/**
 * The records of [startSequenceNumber, endSequenceNumber] of the pointer's shard, or how many of
 * its `batchSize` are gone: the start fell off the stream's 24 h (TrimmedDataAccessException), the
 * stream or shard no longer exists (ResourceNotFoundException), or fewer records came back.
 * The range can hold more than batchSize records: the mapping's filter keeps some from the
 * function, and those publish nothing when handed over again.
 */
export async function readPointer(streams: DynamoDBStreamsClient, info: StreamBatchInfo): Promise<{ records: StreamRecord[] } | { gone: number; cause?: string }> {
  const start = BigInt(info.startSequenceNumber);
  const end = BigInt(info.endSequenceNumber);
  const records: StreamRecord[] = [];
  try {
    let { ShardIterator: iterator } = await streams.send(
      new GetShardIteratorCommand({ StreamArn: info.streamArn, ShardId: info.shardId, ShardIteratorType: 'AT_SEQUENCE_NUMBER', SequenceNumber: info.startSequenceNumber }),
    );
    let empty = 0;
    let reachedEnd = false;
    while (iterator && !reachedEnd && empty < MAX_EMPTY_READS) {
      const page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: MAX_RECORDS_PER_READ }));
      const got = page.Records ?? [];
      empty = got.length === 0 ? empty + 1 : 0;
      for (const record of got) {
        const sequence = BigInt(record.dynamodb?.SequenceNumber ?? '0');
        if (sequence > end) {
          reachedEnd = true;
          break;
        }
        if (sequence >= start) records.push(record);
        if (sequence === end) {
          reachedEnd = true;
          break;
        }
      }
      iterator = page.NextShardIterator;
    }
  } catch (error) {
    if (error instanceof TrimmedDataAccessException || error instanceof ResourceNotFoundException) return { gone: info.batchSize, cause: `${error.name}: ${error.message}` };
    throw error;
  }
  if (records.length < info.batchSize) return { gone: info.batchSize - records.length };
  return { records };
}

/** Why the handler did not take every record, or undefined when it did. */
async function invokeOnce(handler: StreamHandler, records: ReturnType<typeof toLambdaRecord>[]): Promise<string | undefined> {
  try {
    const response = await handler({ Records: records }, lambdaContext('stream-publisher-replay'));
    const failures = (response ?? { batchItemFailures: [] }).batchItemFailures;
    if (failures.length === 0) return undefined;
    return `the stream publisher reported ${failures.length} of ${records.length} records failed (from sequence ${failures[0]!.itemIdentifier})`;
  } catch (error) {
    return `the stream publisher failed: ${errorText(error)}`;
  }
}

// --- SQS ----------------------------------------------------------------------------------------

interface Held {
  m: Message;
  view: LetterView;
}

/**
 * Every message of the queue, ten at a time, each once: receiving stops at an empty answer, or
 * when only messages this run already saw come back (their hold ran out).
 */
async function* receiveAll(sqs: SQSClient, queueUrl: string, held: Map<string, string>, opts: { visibilityTimeoutSeconds?: number; waitTimeSeconds?: number }): AsyncGenerator<Message[]> {
  const seen = new Set<string>();
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: MAX_BATCH_ENTRIES,
        WaitTimeSeconds: opts.waitTimeSeconds ?? 2,
        VisibilityTimeout: opts.visibilityTimeoutSeconds ?? 300,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    for (const m of Messages) if (m.MessageId && m.ReceiptHandle) held.set(m.MessageId, m.ReceiptHandle);
    const fresh = Messages.filter((m) => m.MessageId && !seen.has(m.MessageId));
    if (fresh.length === 0) return;
    for (const m of fresh) seen.add(m.MessageId!);
    yield fresh;
  }
}

/** Consecutive runs of at most 10 messages and 256 KiB of bodies. */
function sendChunks(items: Held[]): Held[][] {
  const chunks: Held[][] = [];
  let chunk: Held[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = Buffer.byteLength(item.m.Body ?? '');
    if (chunk.length > 0 && (chunk.length === MAX_BATCH_ENTRIES || bytes + size > MAX_BATCH_BYTES)) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(item);
    bytes += size;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

/** Sends the bodies to the source queue; answers the ones SQS accepted. */
async function sendBatch(sqs: SQSClient, sourceUrl: string, chunk: Held[]): Promise<Held[]> {
  let answer;
  try {
    answer = await sqs.send(new SendMessageBatchCommand({ QueueUrl: sourceUrl, Entries: chunk.map((c, i) => ({ Id: `m${i}`, MessageBody: c.m.Body ?? '' })) }));
  } catch (error) {
    for (const c of chunk) setOutcome(c.view, false, 'kept', `could not be sent to ${sourceUrl} (${errorText(error)}); left in the DLQ`);
    return [];
  }
  const failed = new Map((answer.Failed ?? []).map((f) => [f.Id, f]));
  const ok = new Set((answer.Successful ?? []).map((s) => s.Id));
  const sent: Held[] = [];
  chunk.forEach((c, i) => {
    const refusal = failed.get(`m${i}`);
    if (ok.has(`m${i}`) && !refusal) sent.push(c);
    else setOutcome(c.view, false, 'kept', `${sourceUrl} refused it (${refusal ? `${refusal.Code}${refusal.Message ? `: ${refusal.Message}` : ''}` : 'no answer for it'}); left in the DLQ`);
  });
  return sent;
}

/** Deletes done messages from the queue they were received from. */
async function deleteBatch(sqs: SQSClient, queueUrl: string, items: Held[], held: Map<string, string>, what: string): Promise<void> {
  for (let i = 0; i < items.length; i += MAX_BATCH_ENTRIES) {
    const chunk = items.slice(i, i + MAX_BATCH_ENTRIES);
    const notDeleted = (c: Held, why: string) =>
      // Done but still in the queue: the next run replays it again, which the consumers absorb.
      setOutcome(c.view, false, 'replayed', `${what}, but not deleted from ${queueUrl} (${why}): the next replay sends it again, harmlessly`);
    let answer;
    try {
      answer = await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: chunk.map((c, j) => ({ Id: `m${j}`, ReceiptHandle: c.m.ReceiptHandle! })) }));
    } catch (error) {
      for (const c of chunk) notDeleted(c, errorText(error));
      continue;
    }
    const failed = new Map((answer.Failed ?? []).map((f) => [f.Id, f]));
    chunk.forEach((c, j) => {
      const refusal = failed.get(`m${j}`);
      if (refusal) notDeleted(c, `${refusal.Code}${refusal.Message ? `: ${refusal.Message}` : ''}`);
      else {
        setOutcome(c.view, false, 'replayed', `${what}; deleted from the queue`);
        held.delete(c.m.MessageId!);
      }
    });
  }
}

/** Makes every message this run still holds visible again. */
async function release(sqs: SQSClient, queueUrl: string, held: Map<string, string>): Promise<void> {
  const entries = [...held.values()];
  for (let i = 0; i < entries.length; i += MAX_BATCH_ENTRIES) {
    try {
      await sqs.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: queueUrl, Entries: entries.slice(i, i + MAX_BATCH_ENTRIES).map((handle, j) => ({ Id: `m${j}`, ReceiptHandle: handle, VisibilityTimeout: 0 })) }));
    } catch {
      // Not fatal: the messages come back by themselves when this run's hold ends.
    }
  }
  held.clear();
}

// --- Views --------------------------------------------------------------------------------------

function ruleView(m: Message): LetterView {
  const attrs = m.Attributes ?? {};
  const own = m.MessageAttributes ?? {};
  const text = (name: string) => own[name]?.StringValue;
  // Events EventBridge could not deliver carry its error as message attributes; messages the
  // consumer gave up on carry none (their errors are in the consumer's logs).
  const eventBridgeError = text('ERROR_CODE') ?? text('ERROR_MESSAGE');
  const reason = eventBridgeError
    ? `EventBridge could not deliver it: ${[text('ERROR_CODE'), text('ERROR_MESSAGE')].filter(Boolean).join(': ')}${text('RETRY_ATTEMPTS') ? ` (after ${text('RETRY_ATTEMPTS')} retries)` : ''}`
    : `the consumer failed it maxReceiveCount times${attrs.DeadLetterQueueSourceArn ? ` on ${attrs.DeadLetterQueueSourceArn}` : ''} (its errors are in the consumer's logs)`;
  const sent = Number(attrs.SentTimestamp);
  const receives = Number(attrs.ApproximateReceiveCount);
  return {
    id: m.MessageId ?? '?',
    // A DLQ keeps the message's first enqueue time; when it failed is not recorded.
    ...(Number.isFinite(sent) && sent > 0 && { sentAt: new Date(sent).toISOString() }),
    ...(Number.isFinite(receives) && receives > 0 && { receiveCount: receives }),
    reason,
    event: describeBusEvent(m.Body ?? ''),
  };
}

function pointerView(m: Message, pointer: OnFailureRecord): LetterView {
  const info = pointer.DDBStreamBatchInfo;
  const condition = pointer.requestContext?.condition ?? 'failed';
  const error = pointer.responseContext?.functionError;
  return {
    id: m.MessageId ?? '?',
    ...(pointer.timestamp && { failedAt: pointer.timestamp }),
    ...(pointer.requestContext?.approximateInvokeCount !== undefined && { receiveCount: pointer.requestContext.approximateInvokeCount }),
    reason: `${condition}${error ? ` (function error: ${error})` : ''}`,
    event: `${info.batchSize} stream record${info.batchSize === 1 ? '' : 's'} of shard ${info.shardId}, sequence ${info.startSequenceNumber} … ${info.endSequenceNumber}${info.approximateArrivalOfFirstRecord ? `, first written ${info.approximateArrivalOfFirstRecord}` : ''}`,
  };
}

function setOutcome(view: LetterView, dryRun: boolean, outcome: LetterView['outcome'] & string, detail: string) {
  if (!dryRun) view.outcome = outcome;
  view.detail = detail;
}

function newReport(dlq: string, source: string, dryRun: boolean): ReplayReport {
  return { dlq, source, where: 'AWS', dryRun, letters: [], unreadable: [], notes: [] };
}

const errorText = (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

function parseJson(text: string | undefined): unknown {
  try {
    return JSON.parse(text ?? '');
  } catch {
    return undefined;
  }
}
