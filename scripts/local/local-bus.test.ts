import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SQSEvent } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BusEvent, parseBusMessage } from '../../events/bus';
import { clientCreated, clientUpdated } from '../../events/catalog';
import { EVENT_SOURCE, type RuleDefinition } from '../../events/rules';
import { startLocalBus, type DeadLetter, type LocalBus, type SqsHandler } from './local-bus';

const created = (id: string) =>
  clientCreated.create({
    eventId: `rec-${id}:client.created`,
    tenantId: 'demo',
    entityId: id,
    occurredAt: '2026-03-02T04:30:12.345Z',
    actor: 'tse-1',
    data: { after: { id, companyName: 'Sree Jewellers', ownerName: 'Anil', mobile: '+919847012345', createdBy: 'tse-1', createdAt: '2026-03-02T04:30:12.345Z', updatedAt: '2026-03-02T04:30:12.345Z', version: 1 } },
  });

const updated = (id: string) =>
  clientUpdated.create({
    eventId: `rec-${id}:client.updated`,
    tenantId: 'demo',
    entityId: id,
    occurredAt: '2026-03-05T09:15:00.000Z',
    data: {
      before: { id, companyName: 'A', ownerName: 'B', mobile: '+919847012345', createdBy: 'tse-1', createdAt: '2026-03-02T04:30:12.345Z', updatedAt: '2026-03-02T04:30:12.345Z', version: 1 },
      after: { id, companyName: 'A2', ownerName: 'B', mobile: '+919847012345', createdBy: 'tse-1', createdAt: '2026-03-02T04:30:12.345Z', updatedAt: '2026-03-05T09:15:00.000Z', version: 2 },
      changedFields: ['companyName', 'updatedAt', 'version'],
    },
  });

const rule = (name: string, eventPattern: RuleDefinition['eventPattern'], target: Partial<RuleDefinition['target']> = {}): RuleDefinition => ({
  name,
  description: name,
  eventPattern,
  target: { entry: `test:${name}`, batchSize: 10, maxReceiveCount: 3, ...target },
});

/** Records every SQSEvent each target receives; `behave` decides the answer. */
function recorder() {
  const received = new Map<string, SQSEvent[]>();
  const behaviours = new Map<string, SqsHandler>();
  return {
    received: (name: string) => received.get(name) ?? [],
    entities: (name: string) => (received.get(name) ?? []).flatMap((e) => e.Records.map((r) => parseBusMessage(r.body).entityId)),
    behave: (name: string, fn: SqsHandler) => behaviours.set(name, fn),
    load: async (entry: string): Promise<SqsHandler> => {
      const name = entry.replace(/^test:/, '');
      return async (event, context) => {
        received.set(name, [...(received.get(name) ?? []), structuredClone(event)]);
        return (await behaviours.get(name)?.(event, context)) ?? { batchItemFailures: [] };
      };
    },
  };
}

let dir: string;
let bus: LocalBus | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'local-bus-'));
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

describe('local bus', () => {
  it('delivers each event to every rule whose pattern matches, as an EventBridge event in an SQS message', async () => {
    const targets = recorder();
    bus = startLocalBus({
      dlqDir: dir,
      loadHandler: targets.load,
      rules: [rule('everything', { source: [EVENT_SOURCE] }), rule('created-only', { 'detail-type': ['client.created'] }), rule('other-source', { source: ['erp'] })],
    });
    await bus.publish([created('c_1'), updated('c_1')]);
    await bus.idle();

    expect(targets.received('everything').flatMap((e) => e.Records.map((r) => JSON.parse(r.body)['detail-type']))).toEqual(['client.created', 'client.updated']);
    expect(targets.received('created-only').flatMap((e) => e.Records.map((r) => JSON.parse(r.body)['detail-type']))).toEqual(['client.created']);
    expect(targets.received('other-source')).toEqual([]);

    const [record] = targets.received('created-only')[0]!.Records;
    expect(record).toMatchObject({ eventSource: 'aws:sqs', eventSourceARN: 'arn:aws:sqs:ap-south-1:000000000000:created-only', attributes: { ApproximateReceiveCount: '1' } });
    const delivered = BusEvent.parse(JSON.parse(record!.body));
    expect(delivered).toMatchObject({ source: EVENT_SOURCE, time: '2026-03-02T04:30:12Z', detail: created('c_1') });
  });

  it('matches on nested detail fields', async () => {
    const targets = recorder();
    bus = startLocalBus({ dlqDir: dir, loadHandler: targets.load, rules: [rule('c2', { detail: { entityId: ['c_2'], data: { after: { version: [{ numeric: ['>=', 1] }] } } } })] });
    await bus.publish([created('c_1'), created('c_2')]);
    await bus.idle();
    expect(targets.entities('c2')).toEqual(['c_2']);
  });

  it('hands a target at most batchSize messages at a time', async () => {
    const targets = recorder();
    bus = startLocalBus({ dlqDir: dir, loadHandler: targets.load, rules: [rule('small', {}, { batchSize: 2 })] });
    await bus.publish(['c_1', 'c_2', 'c_3', 'c_4', 'c_5'].map(created));
    await bus.idle();
    expect(targets.received('small').map((e) => e.Records.length)).toEqual([2, 2, 1]);
    expect(targets.entities('small')).toEqual(['c_1', 'c_2', 'c_3', 'c_4', 'c_5']);
  });

  it('redelivers only the messages a target reported in batchItemFailures, counting receives', async () => {
    const targets = recorder();
    let failuresLeft = 2;
    targets.behave('flaky', async (event) => {
      const c2 = event.Records.find((r) => parseBusMessage(r.body).entityId === 'c_2');
      return { batchItemFailures: c2 && failuresLeft-- > 0 ? [{ itemIdentifier: c2.messageId }] : [] };
    });
    bus = startLocalBus({ dlqDir: dir, loadHandler: targets.load, retryDelayMs: () => 1, rules: [rule('flaky', {}, { maxReceiveCount: 5 })] });
    await bus.publish([created('c_1'), created('c_2')]);
    await bus.idle();

    expect(targets.entities('flaky')).toEqual(['c_1', 'c_2', 'c_2', 'c_2']);
    const c2Receives = targets.received('flaky').flatMap((e) => e.Records.filter((r) => parseBusMessage(r.body).entityId === 'c_2'));
    expect(c2Receives.map((r) => r.attributes.ApproximateReceiveCount)).toEqual(['1', '2', '3']);
    expect(new Set(c2Receives.map((r) => r.messageId)).size).toBe(1);
  });

  it('dead-letters a message still failing after maxReceiveCount receives, with the reason, and keeps delivering others', async () => {
    const targets = recorder();
    targets.behave('strict', async (event) => ({ batchItemFailures: event.Records.filter((r) => parseBusMessage(r.body).entityId === 'poison').map((r) => ({ itemIdentifier: r.messageId })) }));
    bus = startLocalBus({ dlqDir: dir, loadHandler: targets.load, retryDelayMs: () => 1, rules: [rule('strict', {}, { maxReceiveCount: 3 })] });
    await bus.publish([created('poison'), created('c_1')]);
    await bus.idle();

    expect(targets.entities('strict').filter((id) => id === 'poison')).toHaveLength(3);
    const [letter, ...more] = deadLetters('strict');
    expect(more).toEqual([]);
    expect(letter).toMatchObject({ rule: 'strict', receiveCount: 3, reason: 'reported in batchItemFailures (received 3 times)' });
    expect(parseBusMessage(letter!.body).entityId).toBe('poison');
  });

  it('treats a thrown batch as all failed and records the error as the reason', async () => {
    const targets = recorder();
    targets.behave('broken', async () => {
      throw new Error('ClickHouse is down');
    });
    bus = startLocalBus({ dlqDir: dir, loadHandler: targets.load, retryDelayMs: () => 1, rules: [rule('broken', {}, { maxReceiveCount: 2 })] });
    await bus.publish([created('c_1'), created('c_2')]);
    await bus.idle();

    expect(targets.received('broken').map((e) => e.Records.length)).toEqual([2, 2]);
    expect(deadLetters('broken').map((l) => l.reason)).toEqual(['Error: ClickHouse is down (received 2 times)', 'Error: ClickHouse is down (received 2 times)']);
  });

  it('fails the whole batch when batchItemFailures names a message that is not in it (as Lambda does)', async () => {
    const targets = recorder();
    targets.behave('confused', async () => ({ batchItemFailures: [{ itemIdentifier: '' }] }));
    bus = startLocalBus({ dlqDir: dir, loadHandler: targets.load, retryDelayMs: () => 1, rules: [rule('confused', {}, { maxReceiveCount: 1 })] });
    await bus.publish([created('c_1')]);
    await bus.idle();
    expect(deadLetters('confused')[0]!.reason).toMatch(/unknown message/);
  });

  it('dead-letters on stop what could not be delivered in time, rather than losing it', async () => {
    const targets = recorder();
    targets.behave('slow', async (event) => ({ batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })) }));
    const stopping = startLocalBus({ dlqDir: dir, loadHandler: targets.load, retryDelayMs: () => 60_000, stopTimeoutMs: 50, rules: [rule('slow', {}, { maxReceiveCount: 5 })] });
    await stopping.publish([created('c_1')]);
    await stopping.stop();
    expect(deadLetters('slow')).toMatchObject([{ receiveCount: 1, reason: 'local bus stopped before the message was delivered' }]);
    await expect(stopping.publish([created('c_2')])).rejects.toThrow(/stopped/);
  });

  it('refuses to start with a rule pattern it cannot evaluate', () => {
    expect(() => startLocalBus({ dlqDir: dir, rules: [rule('cidr', { detail: { ip: [{ cidr: '10.0.0.0/8' }] } })] })).toThrow(/unsupported/);
  });
});
