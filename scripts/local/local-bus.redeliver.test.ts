import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SQSEvent } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { clientCreated } from '../../events/catalog';
import type { RuleDefinition } from '../../events/rules';
import { startLocalBus, toDeliveredEvent, type DeadLetter, type LocalBus, type SqsHandler } from './local-bus';

/** LocalBus.redeliver: what `npm run replay` uses for a rule's dead letters. */
const bodies = new Map<string, string>();
/** One EventBridge event per entity (its id is random): the same text every time it is asked for. */
const body = (id: string) => bodies.get(id) ?? bodies.set(id, bodyOf(id)).get(id)!;
const bodyOf = (id: string) =>
  JSON.stringify(
    toDeliveredEvent(
      clientCreated.create({
        eventId: `rec-${id}:client.created`,
        tenantId: 'demo',
        entityId: id,
        occurredAt: '2026-03-02T04:30:12.345Z',
        data: { after: { id, companyName: 'A', ownerName: 'B', mobile: '+919847012345', createdBy: 'tse-1', createdAt: '2026-03-02T04:30:12.345Z', updatedAt: '2026-03-02T04:30:12.345Z', version: 1 } },
      }),
      { region: 'ap-south-1', account: '000000000000' },
    ),
  );

const rule = (name: string, maxReceiveCount = 3): RuleDefinition => ({ name, description: name, eventPattern: {}, target: { entry: `test:${name}`, batchSize: 10, maxReceiveCount } });

let dir: string;
let bus: LocalBus | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'redeliver-'));
});
afterEach(async () => {
  await bus?.stop();
  bus = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const deadLetters = (name: string): DeadLetter[] =>
  readFileSync(join(dir, `${name}.jsonl`), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));

describe('LocalBus.redeliver', () => {
  it('queues the bodies for that rule only, as new messages, and tells each one delivered', async () => {
    const received = new Map<string, SQSEvent[]>();
    const load = async (entry: string): Promise<SqsHandler> => async (event) => {
      received.set(entry, [...(received.get(entry) ?? []), structuredClone(event)]);
      return { batchItemFailures: [] };
    };
    bus = startLocalBus({ dlqDir: dir, loadHandler: load, retryDelayMs: () => 1, rules: [rule('one'), rule('other')] });

    const fates = await bus.redeliver('one', [body('c_1'), body('c_2')]);

    expect(fates.map((f) => f.outcome)).toEqual(['delivered', 'delivered']);
    expect(received.get('test:other')).toBeUndefined();
    const records = received.get('test:one')!.flatMap((e) => e.Records);
    expect(records.map((r) => r.body)).toEqual([body('c_1'), body('c_2')]);
    expect(records.map((r) => r.messageId)).toEqual(fates.map((f) => f.messageId));
    // Fresh messages: the count starts again, as for a SendMessage to the source queue.
    expect(records.map((r) => r.attributes.ApproximateReceiveCount)).toEqual(['1', '1']);
    expect(records[0]!.eventSourceARN).toBe('arn:aws:sqs:ap-south-1:000000000000:one');
  });

  it('retries a redelivered message and dead-letters it again after maxReceiveCount, once, reporting so', async () => {
    let calls = 0;
    const load = async (): Promise<SqsHandler> => async (event) => {
      calls += 1;
      // c_2 always fails; c_1 fails on its first receive only.
      return { batchItemFailures: event.Records.filter((r) => r.body === body('c_2') || (r.body === body('c_1') && r.attributes.ApproximateReceiveCount === '1')).map((r) => ({ itemIdentifier: r.messageId })) };
    };
    bus = startLocalBus({ dlqDir: dir, loadHandler: load, retryDelayMs: () => 1, rules: [rule('flaky', 3)] });

    const fates = await bus.redeliver('flaky', [body('c_1'), body('c_2')]);

    expect(fates).toMatchObject([
      { outcome: 'delivered', receiveCount: 2 },
      { outcome: 'dead-lettered', receiveCount: 3, reason: 'reported in batchItemFailures (received 3 times)' },
    ]);
    expect(calls).toBe(3);
    // By the time the fate is told, the new dead letter is in the file.
    expect(deadLetters('flaky')).toMatchObject([{ rule: 'flaky', messageId: fates[1]!.messageId, receiveCount: 3, body: body('c_2') }]);
  });

  it('refuses a rule it does not have, and redelivery after stop', async () => {
    bus = startLocalBus({ dlqDir: dir, loadHandler: async () => async () => ({ batchItemFailures: [] }), rules: [rule('one')] });
    await expect(bus.redeliver('missing', [body('c_1')])).rejects.toThrow(/no rule missing \(rules: one\)/);
    await bus.stop();
    await expect(bus.redeliver('one', [body('c_1')])).rejects.toThrow(/stopped/);
  });

  it('tells a message still queued when the bus stops that it was dead-lettered', async () => {
    const stopping = startLocalBus({
      dlqDir: dir,
      loadHandler: async () => async (event) => ({ batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })) }),
      retryDelayMs: () => 60_000,
      stopTimeoutMs: 20,
      rules: [rule('slow', 5)],
    });
    const fates = stopping.redeliver('slow', [body('c_1')]);
    await stopping.stop();
    expect(await fates).toMatchObject([{ outcome: 'dead-lettered', receiveCount: 1, reason: 'local bus stopped before the message was delivered' }]);
    expect(deadLetters('slow')).toHaveLength(1);
  });
});
