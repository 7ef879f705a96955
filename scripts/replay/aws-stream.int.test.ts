import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  TrimmedDataAccessException,
  type _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import { ChangeMessageVisibilityBatchCommand, DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import type { StreamHandler } from '../local/stream-poller';
import { ensureTable } from '../local/table';
import { replayAwsStream, type StreamBatchInfo } from './aws';
import { formatReport } from './report';

/**
 * `npm run replay -- stream-publisher --aws`: the on-failure queue's pointers, read back from a
 * real stream (DynamoDB Local's); only the SQS queue is mocked (no local engine).
 */
const region = 'ap-south-1';
const DLQ = 'https://sqs.ap-south-1.amazonaws.com/123456789012/Crm-Events-StreamPublisherDeadLetterQueue';
const local = { region, endpoint: inject('dynamoEndpoint'), credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
const sqsMock = mockClient(SQSClient);
const sqs = new SQSClient({ region });
let ddb: DynamoDBClient;
let streams: DynamoDBStreamsClient;

/** A table with four changes on its stream, as the stream hands them out. */
let streamArn: string;
let shardId: string;
let records: StreamRecord[];
const seq = (i: number) => records[i]!.dynamodb!.SequenceNumber!;
const pad = (n: bigint) => n.toString().padStart(21, '0');

beforeAll(async () => {
  ddb = new DynamoDBClient(local);
  streams = new DynamoDBStreamsClient(local);
  const table = `replay-aws-${crypto.randomUUID()}`;
  ({ streamArn } = await ensureTable(ddb, table));
  for (const pk of ['a', 'b', 'c', 'd']) await ddb.send(new PutItemCommand({ TableName: table, Item: { pk: { S: pk }, sk: { S: 'X' }, entity: { S: 'thing' } } }));
  const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
  shardId = StreamDescription!.Shards![0]!.ShardId!;
  const { ShardIterator } = await streams.send(new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }));
  records = (await streams.send(new GetRecordsCommand({ ShardIterator }))).Records!;
  expect(records.map((r) => r.dynamodb!.Keys!.pk!.S)).toEqual(['a', 'b', 'c', 'd']);
});
afterAll(() => {
  ddb.destroy();
  streams.destroy();
});

/** The record the event source mapping sends to its on-failure SQS destination (Lambda's invocation record). */
function onFailure(info: Partial<StreamBatchInfo>, n = 1): Message {
  const body = {
    requestContext: { requestId: crypto.randomUUID(), functionArn: 'arn:aws:lambda:ap-south-1:123456789012:function:Crm-Events-StreamPublisher', condition: 'RetryAttemptsExhausted', approximateInvokeCount: 6 },
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    version: '1.0',
    timestamp: '2026-12-01T09:30:00.000Z',
    DDBStreamBatchInfo: {
      shardId,
      startSequenceNumber: seq(1),
      endSequenceNumber: seq(2),
      approximateArrivalOfFirstRecord: '2026-12-01T09:29:00Z',
      approximateArrivalOfLastRecord: '2026-12-01T09:29:00Z',
      batchSize: 2,
      streamArn,
      ...info,
    },
  };
  return { MessageId: `ptr-${n}`, ReceiptHandle: `rh-${n}`, Body: JSON.stringify(body), Attributes: { ApproximateReceiveCount: '1', SentTimestamp: '1796117400000' } };
}

function queueHolds(...messages: Message[]) {
  sqsMock.on(ReceiveMessageCommand).resolvesOnce({ Messages: messages }).resolves({});
}

/** The stream publisher as the replay calls it: records every event it gets. */
function publisher(answer: (event: DynamoDBStreamEvent) => Promise<{ batchItemFailures: { itemIdentifier: string }[] }> = async () => ({ batchItemFailures: [] })) {
  const events: DynamoDBStreamEvent[] = [];
  const handler: StreamHandler = async (event) => {
    events.push(structuredClone(event));
    return answer(event);
  };
  return { handler, events };
}

const inputs = (command: unknown) => sqsMock.commandCalls(command as never).map((c) => c.args[0].input as Record<string, unknown>);
const replay = (handler: StreamHandler, dryRun = false, client = streams) => replayAwsStream({ sqs, streams: client, handler: () => handler }, { dlqUrl: DLQ, dryRun, waitTimeSeconds: 0 });

beforeEach(() => {
  sqsMock.reset();
  sqsMock.on(DeleteMessageBatchCommand).callsFake((input) => ({ Successful: input.Entries.map((e: { Id: string }) => ({ Id: e.Id })), Failed: [] }));
  sqsMock.on(ChangeMessageVisibilityBatchCommand).resolves({ Successful: [], Failed: [] });
});

describe('replaying the stream publisher’s on-failure queue in AWS', () => {
  it('re-reads the pointed-at records from the stream, hands exactly those to the publisher, then deletes the pointer', async () => {
    queueHolds(onFailure({}));
    const target = publisher();

    const report = await replay(target.handler);

    expect(target.events).toHaveLength(1);
    const delivered = target.events[0]!.Records;
    expect(delivered.map((r) => [r.eventID, r.eventName, r.dynamodb!.SequenceNumber, r.dynamodb!.Keys!.pk!.S])).toEqual([
      [records[1]!.eventID, 'INSERT', seq(1), 'b'],
      [records[2]!.eventID, 'INSERT', seq(2), 'c'],
    ]);
    // As the event source mapping builds them.
    expect(delivered[0]).toMatchObject({
      eventSource: 'aws:dynamodb',
      eventSourceARN: streamArn,
      awsRegion: region,
      dynamodb: { NewImage: { pk: { S: 'b' }, sk: { S: 'X' }, entity: { S: 'thing' } }, StreamViewType: 'NEW_AND_OLD_IMAGES', ApproximateCreationDateTime: expect.any(Number) },
    });
    expect(inputs(DeleteMessageBatchCommand)).toEqual([{ QueueUrl: DLQ, Entries: [{ Id: 'm0', ReceiptHandle: 'rh-1' }] }]);
    expect(inputs(ChangeMessageVisibilityBatchCommand)).toEqual([]);
    expect(report.letters).toMatchObject([{ id: 'ptr-1', outcome: 'replayed', failedAt: '2026-12-01T09:30:00.000Z', receiveCount: 6, reason: 'RetryAttemptsExhausted (function error: Unhandled)' }]);
  });

  it('says "expired" for a pointer past the records the stream holds, and leaves it in the queue', async () => {
    const gone = pad(BigInt(seq(3)) + 1000n);
    queueHolds(onFailure({ startSequenceNumber: gone, endSequenceNumber: pad(BigInt(gone) + 2n), batchSize: 3 }));
    const target = publisher();

    const report = await replay(target.handler);

    expect(target.events).toEqual([]);
    expect(inputs(DeleteMessageBatchCommand)).toEqual([]);
    expect(inputs(ChangeMessageVisibilityBatchCommand)).toEqual([{ QueueUrl: DLQ, Entries: [{ Id: 'm0', ReceiptHandle: 'rh-1', VisibilityTimeout: 0 }] }]);
    expect(report.letters[0]).toMatchObject({
      outcome: 'expired',
      detail: `expired: the stream keeps records for 24 h; 3 records of shard ${shardId} from sequence ${gone} are gone — run \`npm run backfill\` to rebuild the ClickHouse facts; left in the queue`,
    });
  });

  it('says "expired" for a shard the stream no longer has (ResourceNotFoundException)', async () => {
    queueHolds(onFailure({ shardId: 'shardId-00000001700000000000-0badf00d' }));
    const report = await replay(publisher().handler);
    expect(report.letters[0]!.outcome).toBe('expired');
    expect(report.letters[0]!.detail).toContain('2 records of shard shardId-00000001700000000000-0badf00d from sequence');
    expect(report.letters[0]!.detail).toContain('ResourceNotFoundException');
    expect(inputs(DeleteMessageBatchCommand)).toEqual([]);
  });

  it('says "expired" for records trimmed off the stream (TrimmedDataAccessException)', async () => {
    const trimmed = new DynamoDBStreamsClient(local);
    const trimmedMock = mockClient(trimmed);
    trimmedMock.on(GetShardIteratorCommand).rejects(new TrimmedDataAccessException({ message: 'the requested data is past the trim horizon', $metadata: {} }));
    queueHolds(onFailure({}));
    try {
      const report = await replay(publisher().handler, false, trimmed);
      expect(report.letters[0]).toMatchObject({ outcome: 'expired', detail: expect.stringContaining('2 records of shard') });
      expect(report.letters[0]!.detail).toContain('TrimmedDataAccessException');
      expect(inputs(DeleteMessageBatchCommand)).toEqual([]);
    } finally {
      trimmedMock.restore();
      trimmed.destroy();
    }
  });

  it('keeps the pointer when the publisher fails the records again', async () => {
    queueHolds(onFailure({}));
    const target = publisher(async (event) => ({ batchItemFailures: [{ itemIdentifier: event.Records[1]!.dynamodb!.SequenceNumber! }] }));

    const report = await replay(target.handler);

    expect(target.events).toHaveLength(1);
    expect(inputs(DeleteMessageBatchCommand)).toEqual([]);
    expect(report.letters[0]).toMatchObject({ outcome: 'failed again', detail: `the stream publisher reported 1 of 2 records failed (from sequence ${seq(2)}); left in the queue` });
  });

  it('replays what it can of one receive and deletes only that; a message that is no pointer stays', async () => {
    queueHolds(onFailure({ startSequenceNumber: seq(0), endSequenceNumber: seq(0), batchSize: 1 }, 1), onFailure({ shardId: 'shardId-00000001700000000000-0badf00d' }, 2), { MessageId: 'junk', ReceiptHandle: 'rh-junk', Body: 'hello' }, onFailure({ startSequenceNumber: seq(3), endSequenceNumber: seq(3), batchSize: 1 }, 3));
    const target = publisher();

    const report = await replay(target.handler);

    expect(target.events.map((e) => e.Records.map((r) => r.dynamodb!.Keys!.pk!.S))).toEqual([['a'], ['d']]);
    expect(inputs(DeleteMessageBatchCommand)).toEqual([
      {
        QueueUrl: DLQ,
        Entries: [
          { Id: 'm0', ReceiptHandle: 'rh-1' },
          { Id: 'm1', ReceiptHandle: 'rh-3' },
        ],
      },
    ]);
    expect(report.letters.map((l) => [l.id, l.outcome])).toEqual([
      ['ptr-1', 'replayed'],
      ['ptr-2', 'expired'],
      ['ptr-3', 'replayed'],
    ]);
    expect(report.unreadable).toMatchObject([{ at: 'message junk', error: expect.stringContaining('not a DynamoDB stream on-failure record') }]);
  });

  it('on a dry run reads the stream to say what is still there, calls nothing and deletes nothing', async () => {
    const gone = pad(BigInt(seq(3)) + 1000n);
    queueHolds(onFailure({}, 1), onFailure({ startSequenceNumber: gone, endSequenceNumber: gone, batchSize: 1 }, 2));
    const target = publisher();

    const report = await replay(target.handler, true);

    expect(target.events).toEqual([]);
    expect(inputs(DeleteMessageBatchCommand)).toEqual([]);
    expect((inputs(ChangeMessageVisibilityBatchCommand)[0]!.Entries as unknown[]).length).toBe(2);
    expect(formatReport(report)).toBe(
      [
        `stream-publisher: 2 on-failure pointers in ${DLQ} (AWS); dry run: nothing replayed, nothing changed`,
        '    1. id ptr-1  failed at 2026-12-01T09:30:00.000Z  invoke count 6',
        `       event:  2 stream records of shard ${shardId}, sequence ${seq(1)} … ${seq(2)}, first written 2026-12-01T09:29:00Z`,
        '       reason: RetryAttemptsExhausted (function error: Unhandled)',
        `       note:   2 records still in the stream (sequence ${seq(1)} … ${seq(2)})`,
        '    2. id ptr-2  failed at 2026-12-01T09:30:00.000Z  invoke count 6',
        `       event:  1 stream record of shard ${shardId}, sequence ${gone} … ${gone}, first written 2026-12-01T09:29:00Z`,
        '       reason: RetryAttemptsExhausted (function error: Unhandled)',
        `       note:   expired: the stream keeps records for 24 h; 1 records of shard ${shardId} from sequence ${gone} are gone — run \`npm run backfill\` to rebuild the ClickHouse facts; left in the queue`,
        'SQS cannot list without receiving: each message above was received once (its receive count is one higher now) and made visible again.',
        'Expired pointers stay in the queue until you delete them (or it drops them after its retention period); the facts they would have produced come back with `npm run backfill`.',
      ].join('\n'),
    );
  });
});
