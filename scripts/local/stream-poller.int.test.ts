import { DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { startStreamPoller, type StreamHandler, type StreamPoller } from './stream-poller';
import { ensureTable } from './table';

const region = 'ap-south-1';
let ddb: DynamoDBClient;
let dir: string;
const pollers: StreamPoller[] = [];

beforeAll(() => {
  ddb = new DynamoDBClient({ region, endpoint: inject('dynamoEndpoint'), credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  dir = mkdtempSync(join(tmpdir(), 'poller-'));
});
afterEach(async () => {
  await Promise.all(pollers.splice(0).map((p) => p.stop()));
});
afterAll(() => {
  ddb.destroy();
  rmSync(dir, { recursive: true, force: true });
});

async function newTable() {
  const tableName = `poller-${crypto.randomUUID()}`;
  const { streamArn } = await ensureTable(ddb, tableName);
  const put = (pk: string, extra: Record<string, string> = {}) =>
    ddb.send(new PutItemCommand({ TableName: tableName, Item: { pk: { S: pk }, sk: { S: 'X' }, ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, { S: v }])) } }));
  return { tableName, streamArn, put };
}

/** Records every event the handler receives; `behaviour` may fail some. */
function recordingHandler(behaviour: (records: DynamoDBRecord[]) => Promise<{ batchItemFailures: { itemIdentifier: string }[] } | void> = async () => undefined) {
  const events: DynamoDBStreamEvent[] = [];
  const handler: StreamHandler = async (event) => {
    events.push(structuredClone(event));
    return (await behaviour(event.Records)) ?? { batchItemFailures: [] };
  };
  const pks = () => events.map((e) => e.Records.map((r) => r.dynamodb!.Keys!.pk!.S));
  return { handler, events, pks };
}

const start = (streamArn: string, handler: StreamHandler, extra: Partial<Parameters<typeof startStreamPoller>[0]> = {}) => {
  const poller = startStreamPoller({ endpoint: inject('dynamoEndpoint'), region, streamArn, handler, dlqFile: join(dir, `${crypto.randomUUID()}.jsonl`), pollIntervalMs: 50, retryDelayMs: () => 1, ...extra });
  pollers.push(poller);
  return poller;
};

const pkOf = (r: DynamoDBRecord) => r.dynamodb!.Keys!.pk!.S!;
const waitFor = (assertion: () => void) => vi.waitFor(assertion, { timeout: 15_000, interval: 50 });

describe('stream poller on DynamoDB Local', () => {
  it('delivers changes from TRIM_HORIZON as the DynamoDBStreamEvent Lambda builds, in order', async () => {
    const { streamArn, put, tableName } = await newTable();
    await put('a', { name: 'first' });
    await put('b');
    const target = recordingHandler();
    start(streamArn, target.handler);
    await waitFor(() => expect(target.pks().flat()).toEqual(['a', 'b']));

    await ddb.send(new UpdateItemCommand({ TableName: tableName, Key: { pk: { S: 'a' }, sk: { S: 'X' } }, UpdateExpression: 'SET #n = :n', ExpressionAttributeNames: { '#n': 'name' }, ExpressionAttributeValues: { ':n': { S: 'second' } } }));
    await waitFor(() => expect(target.pks().flat()).toEqual(['a', 'b', 'a']));

    const [insert] = target.events[0]!.Records;
    expect(insert).toMatchObject({
      eventName: 'INSERT',
      eventSource: 'aws:dynamodb',
      awsRegion: region,
      eventSourceARN: streamArn,
      dynamodb: { Keys: { pk: { S: 'a' }, sk: { S: 'X' } }, NewImage: { pk: { S: 'a' }, sk: { S: 'X' }, name: { S: 'first' } }, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    });
    expect(insert!.eventID).toEqual(expect.any(String));
    expect(insert!.dynamodb!.ApproximateCreationDateTime).toEqual(expect.any(Number));
    expect(insert!.dynamodb!.SequenceNumber).toMatch(/^\d+$/);
    const modify = target.events.at(-1)!.Records[0]!;
    expect(modify).toMatchObject({ eventName: 'MODIFY', dynamodb: { OldImage: { name: { S: 'first' } }, NewImage: { name: { S: 'second' } } } });
  });

  it('hands the handler at most batchSize records at a time', async () => {
    const { streamArn, put } = await newTable();
    for (const pk of ['a', 'b', 'c', 'd', 'e']) await put(pk);
    const target = recordingHandler();
    start(streamArn, target.handler, { batchSize: 2 });
    await waitFor(() => expect(target.pks().flat()).toEqual(['a', 'b', 'c', 'd', 'e']));
    expect(target.pks().every((batch) => batch.length <= 2)).toBe(true);
  });

  it('resumes after its checkpoint when restarted', async () => {
    const { streamArn, put } = await newTable();
    const checkpointFile = join(dir, `${crypto.randomUUID()}.json`);
    await put('a');
    await put('b');
    const first = recordingHandler();
    const poller = start(streamArn, first.handler, { checkpointFile });
    await waitFor(() => expect(first.pks().flat()).toEqual(['a', 'b']));
    await poller.stop();
    expect(JSON.parse(readFileSync(checkpointFile, 'utf8'))[streamArn]).toEqual(expect.any(Object));

    await put('c');
    const second = recordingHandler();
    const resumed = start(streamArn, second.handler, { checkpointFile });
    await waitFor(() => expect(second.pks().flat()).toContain('c'));
    await resumed.caughtUp();
    expect(second.pks().flat()).toEqual(['c']);
  });

  it('retries from the failed record after a partial failure, keeping the shard in order', async () => {
    const { streamArn, put } = await newTable();
    for (const pk of ['a', 'b', 'c']) await put(pk);
    let failOnce = true;
    const target = recordingHandler(async (records) => {
      const b = records.find((r) => pkOf(r) === 'b');
      if (!b || !failOnce) return;
      failOnce = false;
      return { batchItemFailures: records.slice(records.indexOf(b)).map((r) => ({ itemIdentifier: r.dynamodb!.SequenceNumber! })) };
    });
    const dlqFile = join(dir, 'partial.jsonl');
    const poller = start(streamArn, target.handler, { dlqFile });
    await waitFor(() => expect(target.pks()).toEqual([['a', 'b', 'c'], ['b', 'c']]));
    await poller.caughtUp();
    expect(target.pks()).toEqual([['a', 'b', 'c'], ['b', 'c']]);
    expect(existsSync(dlqFile)).toBe(false);
  });

  it('isolates a poison record by bisecting, sends it alone to the on-failure file with the reason, and moves on', async () => {
    const { streamArn, put } = await newTable();
    for (const pk of ['a', 'poison', 'b', 'c']) await put(pk);
    const delivered: string[] = [];
    const target = recordingHandler(async (records) => {
      // The publisher's contract: throw when the first record fails, else report from the failure on.
      const at = records.findIndex((r) => pkOf(r) === 'poison');
      if (at === 0) throw new Error('item breaks its contract');
      delivered.push(...records.slice(0, at < 0 ? undefined : at).map(pkOf));
      return { batchItemFailures: at < 0 ? [] : records.slice(at).map((r) => ({ itemIdentifier: r.dynamodb!.SequenceNumber! })) };
    });
    const dlqFile = join(dir, 'poison.jsonl');
    const poller = start(streamArn, target.handler, { dlqFile, retryAttempts: 2 });
    await waitFor(() => expect(existsSync(dlqFile)).toBe(true));
    await waitFor(() => expect(delivered).toContain('c'));
    await poller.caughtUp();

    const lines = readFileSync(dlqFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ condition: 'RetryAttemptsExhausted', reason: 'Error: item breaks its contract', approximateInvokeCount: 3, streamArn, record: { eventName: 'INSERT', dynamodb: { Keys: { pk: { S: 'poison' } } } } });
    // Nothing after the poison record was delivered before it was dealt with.
    expect(delivered.filter((pk) => pk !== 'a')).toEqual(['b', 'c']);
  });
});
