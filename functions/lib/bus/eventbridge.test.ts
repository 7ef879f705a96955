import { EventBridgeClient, PutEventsCommand, type PutEventsCommandInput } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { clientCreated } from '../../../events/catalog';
import { EventBridgeBus, EventPublishError } from './eventbridge';

const eventBridge = mockClient(EventBridgeClient);
const bus = new EventBridgeBus(new EventBridgeClient({ region: 'ap-south-1' }), 'crm-events');

const event = (n: number) =>
  clientCreated.create({
    eventId: `rec-${n}:client.created`,
    tenantId: 'demo',
    entityId: `c_${n}`,
    occurredAt: '2026-03-02T04:30:12.345Z',
    data: { after: { id: `c_${n}`, companyName: 'A', ownerName: 'B', mobile: '+919847012345', createdBy: 'tse-1', createdAt: '2026-03-02T04:30:12.345Z', updatedAt: '2026-03-02T04:30:12.345Z', version: 1 } },
  });

beforeEach(() => {
  eventBridge.reset();
  eventBridge.on(PutEventsCommand).callsFake((input: PutEventsCommandInput) => ({ FailedEntryCount: 0, Entries: input.Entries!.map(() => ({ EventId: 'x' })) }));
});

describe('EventBridgeBus', () => {
  it('sends at most 10 entries per PutEvents, to the named bus, in order', async () => {
    await bus.publish(Array.from({ length: 23 }, (_, i) => event(i)));
    const calls = eventBridge.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries!);
    expect(calls.map((entries) => entries.length)).toEqual([10, 10, 3]);
    expect(calls.flat().map((e) => JSON.parse(e.Detail!).entityId)).toEqual(Array.from({ length: 23 }, (_, i) => `c_${i}`));
    expect(calls.flat().every((e) => e.EventBusName === 'crm-events' && e.DetailType === 'client.created')).toBe(true);
  });

  it('publishes nothing for no events', async () => {
    await bus.publish([]);
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it('throws naming the refused events when PutEvents answers 200 with FailedEntryCount > 0', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ EventId: 'ok' }, { ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' }] });
    const publishing = bus.publish([event(1), event(2)]);
    await expect(publishing).rejects.toBeInstanceOf(EventPublishError);
    await expect(publishing).rejects.toMatchObject({ failures: [{ eventId: 'rec-2:client.created', code: 'ThrottlingException', message: 'Rate exceeded' }] });
  });
});
