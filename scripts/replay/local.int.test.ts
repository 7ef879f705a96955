import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DomainEvent } from '../../events/contract';
import { installEventBus } from '../../functions/lib/bus';
import { useLocalStack } from '../../test/stack';
import { publishStack } from '../local/control';
import type { DeadLetter } from '../local/local-bus';
import { STREAM_DLQ } from '../local/pipeline';
import { startStreamPoller } from '../local/stream-poller';
import { ensureTable } from '../local/table';
import { replayLocal } from './local';
import { STREAM_DLQ_NAME } from './report';

/**
 * `npm run replay` on the real local stack (issue #8 item 4): dead letters made for real (the
 * analytics loader failing on a missing chDB table; the stream publisher's records exhausting a
 * poller's retries), replayed through the running stack's control channel by the command itself.
 */
const api = useLocalStack({ pipeline: true });
const tse = { tenantId: 'demo', staffId: 'tse-1', role: 'tse' } as const;
const root = join(import.meta.dirname, '../..');

/** A data directory whose stack.json names the test's stack, as `npm start` publishes it. */
let dataDir: string;
let unpublish: () => void;
beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'replay-cli-'));
  unpublish = publishStack(dataDir, api.stack().url, api.stack().control);
});
afterAll(() => {
  unpublish?.();
  rmSync(dataDir, { recursive: true, force: true });
});

/** The command, as `npm run replay -- …` runs it, in a process of its own. */
function replayCommand(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/replay.ts', ...args], { cwd: root, env: { ...process.env, CRM_DATA_DIR: dataDir } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

const settled = async () => {
  const { pipeline } = api.stack();
  await pipeline!.poller.caughtUp();
  await pipeline!.bus.idle();
};

const linesOf = (file: string) => {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
};

describe('replaying a rule’s dead letters on the local stack', () => {
  it('dead-letters what the loader cannot load, lists it on a dry run without a change, and replays it once the table is back: each fact row once, the file empty', async () => {
    const { pipeline } = api.stack();
    const facts = pipeline!.analytics;
    const file = pipeline!.bus.dlqFile('analytics-loader');
    await settled();

    // The loader fails every batch that has an activity row while the table is away.
    await facts.command('RENAME TABLE activities TO activities_away');
    let call: { id: string };
    try {
      const client = (await api.as(tse).post('/v1/clients', { companyName: 'Replay Traders', ownerName: 'R', mobile: '9847300001' })).body;
      const o = (await api.as(tse).post(`/v1/clients/${client.id}/opportunities`, { productId: 'jewellery' })).body;
      call = (await api.as(tse).post(`/v1/opportunities/${o.id}/events`, { type: 'Call', scheduledAt: '2026-12-02T10:00:00+05:30' })).body;
      expect((await api.as(tse).post(`/v1/events/${call.id}/complete`, { remarks: 'spoke' })).status).toBe(200);
      // The bus retries each failing batch maxReceiveCount (5) times, then dead-letters it.
      await vi.waitFor(() => expect(linesOf(file).map((l) => (JSON.parse(JSON.parse(l).body) as { 'detail-type': string })['detail-type'])).toContain('event.completed'), { timeout: 30_000, interval: 100 });
      await settled();
    } finally {
      await facts.command('RENAME TABLE activities_away TO activities');
    }
    const activityRows = async () =>
      (await facts.query<{ id: string; n: number }>('SELECT activity_id AS id, count() AS n FROM activities WHERE activity_id LIKE {p:String} GROUP BY id ORDER BY id', { p: `${call.id}:%` })).map((r) => `${r.id} ${r.n}`);
    expect(await activityRows()).toEqual([]);

    const before = readFileSync(file, 'utf8');
    const letters = linesOf(file).map((l) => JSON.parse(l) as DeadLetter);
    expect(letters.length).toBeGreaterThanOrEqual(2); // event.scheduled and event.completed at least
    for (const l of letters) expect(l).toMatchObject({ rule: 'analytics-loader', receiveCount: 5, reason: expect.stringMatching(/activities/) });

    // --dry-run: through the running stack, lists every dead letter, changes nothing.
    const dry = await replayCommand('analytics-loader', '--dry-run');
    expect(dry.stderr).toBe('');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`analytics-loader: ${letters.length} dead letters in ${file} (running stack); dry run: nothing replayed, nothing changed`);
    for (const l of letters) {
      expect(dry.stdout).toContain(`id ${l.messageId}  failed at ${l.failedAt}  receive count 5`);
      expect(dry.stdout).toContain(JSON.parse(l.body).detail.eventId);
    }
    expect(dry.stdout).toContain('event:  event.completed ');
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(await activityRows()).toEqual([]);

    // Still failing: each comes back as one new line (new reason, new message), not a second copy.
    await facts.command('RENAME TABLE activities TO activities_away');
    try {
      const again = await replayLocal({ bus: pipeline!.bus, dlqDir: pipeline!.dlqDir }, { dlq: 'analytics-loader' });
      expect(again.letters.map((l) => l.outcome)).toEqual(letters.map(() => 'failed again'));
    } finally {
      await facts.command('RENAME TABLE activities_away TO activities');
    }
    const failedAgain = linesOf(file).map((l) => JSON.parse(l) as DeadLetter);
    expect(failedAgain).toHaveLength(letters.length);
    expect(failedAgain.map((l) => JSON.parse(l.body).detail.eventId).sort()).toEqual(letters.map((l) => JSON.parse(l.body).detail.eventId).sort());
    expect(failedAgain.some((l) => letters.some((o) => o.messageId === l.messageId))).toBe(false);
    expect(await activityRows()).toEqual([]);

    // The replay: delivered once, the file emptied.
    const run = await replayCommand('analytics-loader');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`analytics-loader: ${letters.length} dead letters in ${file} (running stack); ${letters.length} replayed`);
    expect(run.stdout.match(/\[replayed\]/g)).toHaveLength(letters.length);
    expect(readFileSync(file, 'utf8')).toBe('');
    // Raw rows, without FINAL: exactly one of each.
    expect(await activityRows()).toEqual([`${call.id}:completed 1`, `${call.id}:scheduled 1`]);

    // Nothing left: a second replay finds nothing and changes nothing.
    const twice = await replayCommand('analytics-loader');
    expect(twice.stdout).toContain('analytics-loader: 0 dead letters');
    await settled();
    expect(await activityRows()).toEqual([`${call.id}:completed 1`, `${call.id}:scheduled 1`]);
  }, 90_000);

  it('answers a usage error without touching anything', async () => {
    const wrong = await replayCommand('no-such-rule');
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('unknown dead-letter queue "no-such-rule": name a rule of events/rules.ts or stream-publisher');
  });
});

describe('replaying the stream publisher’s dead letters on the local stack', () => {
  it('runs the stored records through the publisher: the events reach the bus, the failing record stays with its new reason', async () => {
    const { pipeline, dynamoEndpoint, tableName } = api.stack();
    expect(STREAM_DLQ_NAME).toBe(STREAM_DLQ);
    const file = join(pipeline!.dlqDir, `${STREAM_DLQ}.jsonl`);
    const ddb = new DynamoDBClient({ region: 'ap-south-1', endpoint: dynamoEndpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    try {
      // A real client item (written by the API), copied into a table of its own whose stream no
      // stack reads, beside a client item the publisher cannot map, then changed.
      const client = (await api.as(tse).post('/v1/clients', { companyName: 'Stream Replay Ltd', ownerName: 'S', mobile: '9847300002' })).body;
      const { Item } = await ddb.send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: `T#demo#C#${client.id}` }, sk: { S: 'CLIENT' } } }));
      expect(Item?.entity).toEqual({ S: 'client' });
      const side = `replay-side-${crypto.randomUUID()}`;
      const { streamArn } = await ensureTable(ddb, side);
      await ddb.send(new PutItemCommand({ TableName: side, Item: Item! }));
      await ddb.send(new PutItemCommand({ TableName: side, Item: { pk: { S: 'T#demo#C#c_broken' }, sk: { S: 'CLIENT' }, entity: { S: 'client' }, tenantId: { S: 'demo' }, id: { S: 'c_broken' } } }));
      await ddb.send(
        new UpdateItemCommand({
          TableName: side,
          Key: { pk: Item!.pk!, sk: Item!.sk! },
          UpdateExpression: 'SET companyName = :n, version = :v, updatedAt = :at, updatedBy = :by',
          ExpressionAttributeValues: { ':n': { S: 'Stream Replay Traders' }, ':v': { N: '2' }, ':at': { S: new Date().toISOString() }, ':by': { S: 'tse-1' } },
        }),
      );

      // The poller's own dead letters: its publisher "cannot reach the bus", no retries left.
      const poller = startStreamPoller({
        endpoint: dynamoEndpoint,
        region: 'ap-south-1',
        streamArn,
        handler: async () => {
          throw new Error('bus unreachable');
        },
        dlqFile: file,
        retryAttempts: 0,
        bisectBatchOnError: false,
        pollIntervalMs: 50,
      });
      try {
        await vi.waitFor(() => expect(linesOf(file)).toHaveLength(3), { timeout: 15_000, interval: 50 });
      } finally {
        await poller.stop();
      }
      const stored = linesOf(file).map((l) => JSON.parse(l));
      expect(stored.map((l) => [l.condition, l.reason, l.shardId !== undefined, l.record.eventName])).toEqual([
        ['RetryAttemptsExhausted', 'Error: bus unreachable', true, 'INSERT'],
        ['RetryAttemptsExhausted', 'Error: bus unreachable', true, 'INSERT'],
        ['RetryAttemptsExhausted', 'Error: bus unreachable', true, 'MODIFY'],
      ]);
      const [insert, broken, modify] = stored.map((l) => l.record.eventID as string);

      const dry = await replayCommand(STREAM_DLQ_NAME, '--dry-run');
      expect(dry.code).toBe(0);
      expect(dry.stdout).toContain(`stream-publisher: 3 dead letters in ${file} (running stack); dry run`);
      expect(dry.stdout).toContain(`id ${insert}`);
      expect(dry.stdout).toContain(`event:  INSERT client ${client.id} (pk T#demo#C#${client.id}, sk CLIENT), sequence ${stored[0].record.dynamodb.SequenceNumber}`);
      expect(linesOf(file)).toHaveLength(3);

      // What the publisher hands the bus, on its way to the stack's bus.
      const published: DomainEvent[] = [];
      const stackBus = pipeline!.bus;
      installEventBus({ publish: async (events) => (published.push(...events), stackBus.publish(events)) });
      let run;
      try {
        run = await replayCommand(STREAM_DLQ_NAME);
      } finally {
        installEventBus(stackBus);
      }
      expect(run.stderr).toBe('');
      expect(run.code).toBe(1); // one record is left
      expect(run.stdout).toContain(`stream-publisher: 3 dead letters in ${file} (running stack); 2 replayed, 1 failed again`);
      expect(published.map((e) => [e.eventId, e.type, e.entityId])).toEqual([
        [`${insert}:client.created`, 'client.created', client.id],
        [`${modify}:client.updated`, 'client.updated', client.id],
      ]);
      expect(published[1]!.data).toMatchObject({ after: { companyName: 'Stream Replay Traders' } });

      // Only the record that failed again is left, once, with the publisher's new reason.
      const left = linesOf(file).map((l) => JSON.parse(l));
      expect(left).toHaveLength(1);
      expect(left[0]).toMatchObject({ record: { eventID: broken }, approximateInvokeCount: 2, shardId: stored[1].shardId, streamArn });
      expect(left[0].reason).not.toBe('Error: bus unreachable');
      expect(run.stdout).toContain(`[failed again] id ${broken}`);
      await pipeline!.bus.idle();
    } finally {
      ddb.destroy();
    }
  }, 60_000);
});

describe('the replay control command', () => {
  it('is there only with the stack’s token, and reports an empty file as nothing to do', async () => {
    const { url, control } = api.stack();
    const refused = await fetch(`${url}/__local/replay`, { method: 'POST', headers: { authorization: 'Bearer nope' }, body: '{}' });
    expect(refused.status).toBe(404);
    const post = (body: unknown) => fetch(`${url}/__local/replay`, { method: 'POST', headers: { authorization: `Bearer ${control.token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const bad = await post({ dlq: '../../etc/passwd' });
    expect(bad.status).toBe(500);
    expect(((await bad.json()) as { detail: string }).detail).toMatch(/unknown dead-letter queue/);
    writeFileSync(join(api.stack().pipeline!.dlqDir, 'analytics-loader.jsonl'), '');
    const empty = await post({ dlq: 'analytics-loader' });
    expect(await empty.json()).toMatchObject({ dlq: 'analytics-loader', where: 'running stack', dryRun: false, letters: [], unreadable: [] });
  });
});
