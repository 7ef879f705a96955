import { EventBridgeClient, PutEventsCommand, type PutEventsCommandInput } from '@aws-sdk/client-eventbridge';
import type { Context, DynamoDBRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EVENT_SOURCE } from '../../events/rules';
import { handler } from './publish-domain-events';
import { clientItem, streamRecord } from './stream-record.builder';
import { keys } from '../lib/store/keys';

const eventBridge = mockClient(EventBridgeClient);
const context = {} as Context;

beforeAll(() => {
  process.env.EVENT_BUS_NAME = 'crm-events';
});
beforeEach(() => {
  eventBridge.reset();
  eventBridge.on(PutEventsCommand).callsFake((input: PutEventsCommandInput) => ({ FailedEntryCount: 0, Entries: input.Entries!.map((_, i) => ({ EventId: `eb-${i}` })) }));
});

const published = () => eventBridge.commandCalls(PutEventsCommand).flatMap((c) => c.args[0].input.Entries ?? []);
const details = () => published().map((e) => JSON.parse(e.Detail!));
const run = (...records: DynamoDBRecord[]) => handler({ Records: records }, context);

const indexItems = (clientId: string) => [
  { ...keys.clientContact('demo', 'mobile', '+919847012345'), entity: 'client_index', clientId },
  { ...keys.clientContact('demo', 'email', 'anil@sreejewellers.in'), entity: 'client_index', clientId },
  { ...keys.clientName('demo', 'sree jewellers', clientId), entity: 'client_index', clientId },
];

describe('publish-domain-events: a new client', () => {
  it('publishes one client.created per client item and none for its index items, in one PutEvents per record', async () => {
    const item = clientItem();
    const insert = streamRecord({ eventName: 'INSERT', newItem: item, eventID: 'a1b2c3' });
    const result = await run(insert, ...indexItems(item.id as string).map((i) => streamRecord({ eventName: 'INSERT', newItem: i })));

    expect(result).toEqual({ batchItemFailures: [] });
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(1);
    const { pk: _pk, sk: _sk, entity: _e, tenantId: _t, ...client } = item;
    const detail = {
      eventId: 'a1b2c3:client.created',
      type: 'client.created',
      version: 1,
      tenantId: 'demo',
      entity: 'client',
      entityId: item.id,
      occurredAt: '2026-03-02T04:30:12.345Z',
      actor: 'tse-1',
      data: { after: client },
    };
    expect(eventBridge.commandCalls(PutEventsCommand)[0]!.args[0].input).toEqual({
      Entries: [{ Source: EVENT_SOURCE, DetailType: 'client.created', Detail: JSON.stringify(detail), Time: new Date('2026-03-02T04:30:12.345Z'), EventBusName: 'crm-events' }],
    });
  });

  it('gives a redelivered record the same event id, so consumers can dedupe', async () => {
    const insert = streamRecord({ eventName: 'INSERT', newItem: clientItem() });
    await run(insert);
    await run(insert);
    const [first, second] = details();
    expect(first.eventId).toBe(`${insert.eventID}:client.created`);
    expect(second).toEqual(first);
  });
});

describe('publish-domain-events: changes to a client', () => {
  const before = clientItem();

  it('publishes client.updated with before, after, the changed fields and the actor who stamped it', async () => {
    const after = { ...before, landmark: 'Opposite the Town Hall', updatedAt: '2026-03-05T09:15:00.000Z', updatedBy: 'manager', version: 2 };
    await run(streamRecord({ eventName: 'MODIFY', oldItem: before, newItem: after }));
    const [detail] = details();
    expect(detail).toMatchObject({ type: 'client.updated', actor: 'manager', occurredAt: '2026-03-05T09:15:00.000Z', entityId: before.id });
    expect(detail.data.changedFields).toEqual(['landmark', 'updatedAt', 'updatedBy', 'version']);
    expect(detail.data.before).not.toHaveProperty('landmark');
    expect(detail.data.after).toMatchObject({ landmark: 'Opposite the Town Hall', version: 2 });
    expect(detail.data.after).not.toHaveProperty('pk');
  });

  it('compares nested values by content, not attribute order', async () => {
    const reordered = { ...before, geo: { lng: 76.2999, lat: 9.9816 } };
    await run(streamRecord({ eventName: 'MODIFY', oldItem: before, newItem: reordered }));
    expect(published()).toEqual([]);
  });

  it('publishes nothing for a rewrite that only touched keys, nor for a removal (no client.deleted contract yet)', async () => {
    await run(
      streamRecord({ eventName: 'MODIFY', oldItem: before, newItem: { ...before, ...keys.staffIndexes('demo', { path: 'moved/elsewhere' }) } }),
      streamRecord({ eventName: 'REMOVE', oldItem: before }),
    );
    expect(published()).toEqual([]);
  });

  it('ignores items of entities without a mapper, without failing', async () => {
    const result = await run(streamRecord({ eventName: 'INSERT', newItem: { pk: 'T#demo#X', sk: 'Y', entity: 'mystery' } }), streamRecord({ eventName: 'INSERT', newItem: { pk: 'IDEMPOTENCY#1', sk: 'x' } }));
    expect(result).toEqual({ batchItemFailures: [] });
    expect(published()).toEqual([]);
  });
});

describe('publish-domain-events: failures', () => {
  it('reports a record EventBridge refused, and leaves later records for the retry that starts there', async () => {
    const first = streamRecord({ eventName: 'INSERT', newItem: clientItem({ id: 'c_1' }) });
    const refused = streamRecord({ eventName: 'INSERT', newItem: clientItem({ id: 'c_2' }) });
    const later = streamRecord({ eventName: 'INSERT', newItem: clientItem({ id: 'c_3' }) });
    eventBridge.on(PutEventsCommand).callsFake((input: PutEventsCommandInput) => {
      const refuse = input.Entries!.some((e) => JSON.parse(e.Detail!).entityId === 'c_2');
      return refuse
        ? { FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }] }
        : { FailedEntryCount: 0, Entries: input.Entries!.map(() => ({ EventId: 'x' })) };
    });

    const result = await run(first, refused, later);

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: refused.dynamodb!.SequenceNumber }, { itemIdentifier: later.dynamodb!.SequenceNumber }]);
    expect(eventBridge.commandCalls(PutEventsCommand).map((c) => JSON.parse(c.args[0].input.Entries![0]!.Detail!).entityId)).toEqual(['c_1', 'c_2']);
  });

  it('fails a client item that breaks the published contract instead of publishing it', async () => {
    const good = streamRecord({ eventName: 'INSERT', newItem: clientItem({ id: 'c_1' }) });
    const bad = streamRecord({ eventName: 'INSERT', newItem: clientItem({ id: 'c_2', tenantId: undefined, createdAt: 'yesterday' }) });
    const result = await run(good, bad);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: bad.dynamodb!.SequenceNumber }]);
    expect(details().map((d) => d.entityId)).toEqual(['c_1']);
  });

  it('throws when the first record fails (the whole batch did), so the event source mapping bisects it', async () => {
    eventBridge.on(PutEventsCommand).rejects(new Error('throttled'));
    await expect(run(streamRecord({ eventName: 'INSERT', newItem: clientItem({ id: 'c_1' }) }), streamRecord({ eventName: 'INSERT', newItem: clientItem({ id: 'c_2' }) }))).rejects.toThrow(/failed processing/i);
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(1);
  });
});

describe('publish-domain-events: stored-only attributes', () => {
  it('leaves out the access-scope links stored on a client, and ignores a change to them alone', async () => {
    const before = clientItem({ links: { 'tse-1': 1 } });
    await run(streamRecord({ eventName: 'INSERT', newItem: before }), streamRecord({ eventName: 'MODIFY', oldItem: before, newItem: { ...before, links: { 'tse-1': 2, 'so-1': 1 } } }));
    const [created, ...rest] = details();
    expect(created.data.after).not.toHaveProperty('links');
    expect(rest).toEqual([]);
  });
});
