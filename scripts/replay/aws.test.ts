import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
  type Message,
  type SendMessageBatchCommandInput,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../replay';
import { replayAwsRule } from './aws';
import { formatReport } from './report';

/** `npm run replay -- <rule> --aws`: a rule's DLQ back to its source queue, SQS mocked (no local engine). */
const sqsMock = mockClient(SQSClient);
const sqs = new SQSClient({ region: 'ap-south-1' });
const DLQ = 'https://sqs.ap-south-1.amazonaws.com/123456789012/Crm-Events-analytics-loader-DLQ';
const SOURCE = 'https://sqs.ap-south-1.amazonaws.com/123456789012/Crm-Events-analytics-loader-Queue';

const eventBody = (n: number, pad = 0) =>
  JSON.stringify({
    version: '0',
    id: `eb-${n}`,
    'detail-type': 'event.completed',
    source: 'crm.core',
    account: '123456789012',
    time: '2026-12-01T05:35:00Z',
    region: 'ap-south-1',
    resources: [],
    detail: { eventId: `rec-${n}:event.completed`, tenantId: 'demo', entity: 'event', entityId: `e_${n}`, padding: 'x'.repeat(pad) },
  });

const message = (n: number, extra: Partial<Message> = {}): Message => ({
  MessageId: `msg-${n}`,
  ReceiptHandle: `rh-${n}`,
  Body: eventBody(n),
  Attributes: { ApproximateReceiveCount: '6', SentTimestamp: '1796118000000', DeadLetterQueueSourceArn: 'arn:aws:sqs:ap-south-1:123456789012:Crm-Events-analytics-loader-Queue' },
  ...extra,
});

/** The DLQ hands out `batches` in turn, then nothing. */
function dlqHolds(...batches: Message[][]) {
  const receive = sqsMock.on(ReceiveMessageCommand);
  for (const batch of batches) receive.resolvesOnce({ Messages: batch });
  receive.resolves({});
}

const acceptAll = () =>
  sqsMock.on(SendMessageBatchCommand).callsFake((input: SendMessageBatchCommandInput) => ({ Successful: input.Entries!.map((e) => ({ Id: e.Id, MessageId: `new-${e.Id}`, MD5OfMessageBody: 'x' })), Failed: [] }));

const inputs = <T>(command: new (...args: never[]) => T) => sqsMock.commandCalls(command as never).map((c) => c.args[0].input as Record<string, unknown>);

beforeEach(() => {
  sqsMock.reset();
  sqsMock.on(DeleteMessageBatchCommand).callsFake((input) => ({ Successful: input.Entries.map((e: { Id: string }) => ({ Id: e.Id })), Failed: [] }));
  sqsMock.on(ChangeMessageVisibilityBatchCommand).resolves({ Successful: [], Failed: [] });
});
afterEach(() => vi.restoreAllMocks());

const replay = (dryRun = false) => replayAwsRule(sqs, { rule: 'analytics-loader', dlqUrl: DLQ, sourceUrl: SOURCE, dryRun, waitTimeSeconds: 0 });

describe('replaying a rule’s DLQ in AWS', () => {
  it('sends each body to the source queue, then deletes exactly the sent ones from the DLQ', async () => {
    dlqHolds([message(1), message(2), message(3)]);
    acceptAll();

    const report = await replay();

    expect(inputs(ReceiveMessageCommand)[0]).toEqual({
      QueueUrl: DLQ,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 0,
      VisibilityTimeout: 300,
      MessageSystemAttributeNames: ['All'],
      MessageAttributeNames: ['All'],
    });
    expect(inputs(SendMessageBatchCommand)).toEqual([
      {
        QueueUrl: SOURCE,
        Entries: [
          { Id: 'm0', MessageBody: eventBody(1) },
          { Id: 'm1', MessageBody: eventBody(2) },
          { Id: 'm2', MessageBody: eventBody(3) },
        ],
      },
    ]);
    expect(inputs(SendMessageCommand)).toEqual([]);
    expect(inputs(DeleteMessageBatchCommand)).toEqual([
      {
        QueueUrl: DLQ,
        Entries: [
          { Id: 'm0', ReceiptHandle: 'rh-1' },
          { Id: 'm1', ReceiptHandle: 'rh-2' },
          { Id: 'm2', ReceiptHandle: 'rh-3' },
        ],
      },
    ]);
    // Everything it received was deleted: nothing to hand back.
    expect(inputs(ChangeMessageVisibilityBatchCommand)).toEqual([]);
    expect(report.letters.map((l) => [l.id, l.outcome])).toEqual([
      ['msg-1', 'replayed'],
      ['msg-2', 'replayed'],
      ['msg-3', 'replayed'],
    ]);
  });

  it('sends in batches of at most 10 messages and 256 KiB, in the order received', async () => {
    const big = (n: number) => message(n, { Body: eventBody(n, 100 * 1024) });
    dlqHolds(
      Array.from({ length: 10 }, (_, i) => message(i)),
      [message(10), message(11), big(12), big(13), big(14)],
    );
    acceptAll();

    const report = await replay();

    const sends = inputs(SendMessageBatchCommand).map((i) => (i.Entries as { MessageBody: string }[]).map((e) => JSON.parse(e.MessageBody).id));
    expect(sends).toEqual([Array.from({ length: 10 }, (_, i) => `eb-${i}`), ['eb-10', 'eb-11', 'eb-12', 'eb-13'], ['eb-14']]);
    expect(inputs(SendMessageBatchCommand).every((i) => (i.Entries as { MessageBody: string }[]).reduce((n, e) => n + Buffer.byteLength(e.MessageBody), 0) <= 256 * 1024)).toBe(true);
    expect(inputs(DeleteMessageBatchCommand).flatMap((i) => (i.Entries as { ReceiptHandle: string }[]).map((e) => e.ReceiptHandle))).toEqual(Array.from({ length: 15 }, (_, i) => `rh-${i}`));
    expect(report.letters.every((l) => l.outcome === 'replayed')).toBe(true);
  });

  it('deletes nothing whose send failed: a refused entry stays, and is handed back to the queue', async () => {
    dlqHolds([message(1), message(2), message(3)]);
    sqsMock.on(SendMessageBatchCommand).resolves({
      Successful: [
        { Id: 'm0', MessageId: 'n0', MD5OfMessageBody: 'x' },
        { Id: 'm2', MessageId: 'n2', MD5OfMessageBody: 'x' },
      ],
      Failed: [{ Id: 'm1', Code: 'KMS.ThrottlingException', SenderFault: false, Message: 'Rate exceeded' }],
    });

    const report = await replay();

    expect(inputs(DeleteMessageBatchCommand)).toEqual([
      {
        QueueUrl: DLQ,
        Entries: [
          { Id: 'm0', ReceiptHandle: 'rh-1' },
          { Id: 'm1', ReceiptHandle: 'rh-3' },
        ],
      },
    ]);
    expect(inputs(ChangeMessageVisibilityBatchCommand)).toEqual([{ QueueUrl: DLQ, Entries: [{ Id: 'm0', ReceiptHandle: 'rh-2', VisibilityTimeout: 0 }] }]);
    expect(report.letters.map((l) => l.outcome)).toEqual(['replayed', 'kept', 'replayed']);
    expect(report.letters[1]!.detail).toBe(`${SOURCE} refused it (KMS.ThrottlingException: Rate exceeded); left in the DLQ`);
  });

  it('deletes nothing when the send itself fails', async () => {
    dlqHolds([message(1), message(2)]);
    sqsMock.on(SendMessageBatchCommand).rejects(Object.assign(new Error('Access to the resource is denied.'), { name: 'AccessDenied' }));

    const report = await replay();

    expect(inputs(DeleteMessageBatchCommand)).toEqual([]);
    expect(report.letters.map((l) => [l.outcome, l.detail])).toEqual([
      ['kept', `could not be sent to ${SOURCE} (AccessDenied: Access to the resource is denied.); left in the DLQ`],
      ['kept', `could not be sent to ${SOURCE} (AccessDenied: Access to the resource is denied.); left in the DLQ`],
    ]);
    expect(inputs(ChangeMessageVisibilityBatchCommand)).toEqual([
      {
        QueueUrl: DLQ,
        Entries: [
          { Id: 'm0', ReceiptHandle: 'rh-1', VisibilityTimeout: 0 },
          { Id: 'm1', ReceiptHandle: 'rh-2', VisibilityTimeout: 0 },
        ],
      },
    ]);
  });

  it('says so when a sent message could not be deleted (the next run sends it again, harmlessly)', async () => {
    dlqHolds([message(1)]);
    acceptAll();
    sqsMock.on(DeleteMessageBatchCommand).resolves({ Successful: [], Failed: [{ Id: 'm0', Code: 'ReceiptHandleIsInvalid', SenderFault: true, Message: 'expired' }] });

    const [letter] = (await replay()).letters;

    expect(letter).toMatchObject({ outcome: 'replayed', detail: `sent to ${SOURCE}, but not deleted from ${DLQ} (ReceiptHandleIsInvalid: expired): the next replay sends it again, harmlessly` });
  });

  it('on a dry run lists every message and sends and deletes nothing, handing each back', async () => {
    const undeliverable = message(2, {
      MessageAttributes: {
        ERROR_CODE: { DataType: 'String', StringValue: 'SQS.AccessDeniedException' },
        ERROR_MESSAGE: { DataType: 'String', StringValue: 'Access to the queue is denied' },
        RETRY_ATTEMPTS: { DataType: 'String', StringValue: '0' },
      },
      Attributes: { ApproximateReceiveCount: '1', SentTimestamp: '1796118060000' },
    });
    dlqHolds([message(1), undeliverable]);
    acceptAll();

    const report = await replay(true);

    expect(inputs(SendMessageBatchCommand)).toEqual([]);
    expect(inputs(SendMessageCommand)).toEqual([]);
    expect(inputs(DeleteMessageBatchCommand)).toEqual([]);
    expect(inputs(ChangeMessageVisibilityBatchCommand)).toEqual([
      {
        QueueUrl: DLQ,
        Entries: [
          { Id: 'm0', ReceiptHandle: 'rh-1', VisibilityTimeout: 0 },
          { Id: 'm1', ReceiptHandle: 'rh-2', VisibilityTimeout: 0 },
        ],
      },
    ]);
    expect(formatReport(report)).toBe(
      [
        `analytics-loader: 2 dead letters in ${DLQ} (AWS); dry run: nothing replayed, nothing changed`,
        '    1. id msg-1  first sent at 2026-12-01T09:40:00.000Z  receive count 6',
        '       event:  event.completed rec-1:event.completed  (tenant demo, event e_1)',
        "       reason: the consumer failed it maxReceiveCount times on arn:aws:sqs:ap-south-1:123456789012:Crm-Events-analytics-loader-Queue (its errors are in the consumer's logs)",
        '    2. id msg-2  first sent at 2026-12-01T09:41:00.000Z  receive count 1',
        '       event:  event.completed rec-2:event.completed  (tenant demo, event e_2)',
        '       reason: EventBridge could not deliver it: SQS.AccessDeniedException: Access to the queue is denied (after 0 retries)',
        'SQS cannot list without receiving: each message above was received once (its receive count is one higher now) and made visible again.',
      ].join('\n'),
    );
  });

  it('stops at messages it has seen before (their hold ran out) instead of replaying them twice', async () => {
    dlqHolds([message(1)], [message(1, { ReceiptHandle: 'rh-1-again' })]);
    acceptAll();
    sqsMock.on(DeleteMessageBatchCommand).resolves({ Successful: [], Failed: [{ Id: 'm0', Code: 'InternalError', SenderFault: false }] });

    await replay();

    expect(inputs(SendMessageBatchCommand)).toHaveLength(1);
    // The newest receipt handle is the one that can hand it back.
    expect(inputs(ChangeMessageVisibilityBatchCommand)).toEqual([{ QueueUrl: DLQ, Entries: [{ Id: 'm0', ReceiptHandle: 'rh-1-again', VisibilityTimeout: 0 }] }]);
  });
});

describe('npm run replay -- <rule> --aws', () => {
  const run = async (argv: string[], env: NodeJS.ProcessEnv) => {
    const out: string[] = [];
    const err: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: string) => void out.push(line));
    vi.spyOn(console, 'error').mockImplementation((line: string) => void err.push(line));
    const code = await main(argv, env);
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  it('replays through the queue URLs it is given and exits 0 when all went back', async () => {
    dlqHolds([message(1)]);
    acceptAll();
    const { code, out } = await run(['analytics-loader', '--aws', '--dlq-url', DLQ, '--source-url', SOURCE], { AWS_REGION: 'ap-south-1' });
    expect(code).toBe(0);
    expect(out.split('\n')[0]).toBe(`analytics-loader: 1 dead letter in ${DLQ} (AWS); 1 replayed`);
    expect(inputs(SendMessageBatchCommand)).toEqual([{ QueueUrl: SOURCE, Entries: [{ Id: 'm0', MessageBody: eventBody(1) }] }]);
  });

  it('exits 1 when something is left in the DLQ', async () => {
    dlqHolds([message(1)]);
    sqsMock.on(SendMessageBatchCommand).rejects(new Error('down'));
    expect((await run(['analytics-loader', '--aws', '--dlq-url', DLQ, '--source-url', SOURCE], { AWS_REGION: 'ap-south-1' })).code).toBe(1);
  });

  it('refuses, with a usage error and no call, what it cannot do', async () => {
    const cases: [string[], NodeJS.ProcessEnv, RegExp][] = [
      [['analytics-loader', '--aws', '--dlq-url', DLQ, '--source-url', SOURCE], {}, /--aws needs AWS_REGION/],
      [['analytics-loader', '--aws', '--source-url', SOURCE], { AWS_REGION: 'ap-south-1' }, /--aws needs --dlq-url/],
      [['analytics-loader', '--aws', '--dlq-url', DLQ], { AWS_REGION: 'ap-south-1' }, /give it with --source-url/],
      [['stream-publisher', '--aws', '--dlq-url', DLQ], { AWS_REGION: 'ap-south-1' }, /set EVENT_BUS_NAME/],
      [['stream-publisher', '--aws', '--dlq-url', DLQ, '--source-url', SOURCE], { AWS_REGION: 'ap-south-1', EVENT_BUS_NAME: 'b' }, /has no source queue/],
      [['analytics-loader', '--dlq-url', DLQ], {}, /are for --aws/],
      [['analytics-loader', 'stream-publisher'], {}, /one dead-letter queue at a time/],
      [[], {}, /name the dead-letter queue/],
      [['analytics-loader', '--frobnicate'], {}, /Unknown option '--frobnicate'/],
    ];
    for (const [argv, env, message] of cases) {
      const { code, err } = await run(argv, env);
      expect(code, argv.join(' ')).toBe(2);
      expect(err).toMatch(message);
      expect(err).toContain('usage:');
    }
    expect(sqsMock.calls()).toHaveLength(0);
  });
});
