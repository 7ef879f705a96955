import { describe, expect, it } from 'vitest';
import { History } from '../testing/history';
import { domainEventsOf } from './index';

const at = (hhmm: string) => new Date(`2026-12-01T${hhmm}:00.000+05:30`);
const clientId = 'c_01kbz3q5v8r2m7n4p6t9w1x3y5';
const eventsOf = (h: History, from = 0) => h.changes.slice(from).flatMap((c) => domainEventsOf(c).events);

describe('message items → message.* events', () => {
  it('publishes message.sent for a message we sent, with its snapshot and its sender as the actor', () => {
    const h = new History('demo');
    const m = h.message(at('10:00'), clientId, { channel: 'email', direction: 'outbound', from: 'sales@demo.example', to: ['anil@sreejewellers.in'], subject: 'Quote', text: 'Please find the quote', createdBy: 'tse-1', opportunityId: 'o_x' });
    const [event, ...rest] = eventsOf(h);
    expect(rest).toEqual([]);
    expect(event).toMatchObject({ type: 'message.sent', version: 1, tenantId: 'demo', entityId: m.id, actor: 'tse-1', occurredAt: '2026-12-01T04:30:00.000Z' });
    expect(event!.data).toEqual({ message: m });
  });

  it('publishes message.received for a message that arrived, the system as the actor', () => {
    const h = new History('demo');
    const m = h.message(at('10:05'), clientId, { channel: 'whatsapp', direction: 'inbound', from: '+919847012345', to: ['106540352242922'], text: 'Yes, send it', createdBy: 'system' });
    expect(eventsOf(h).map((e) => [e.type, e.actor, e.entityId, (e.data as { message: { text: string } }).message.text])).toEqual([['message.received', 'system', m.id, 'Yes, send it']]);
  });

  it('publishes message.status_changed once per forward move, with the previous status and a failure’s code; a late earlier status publishes nothing', () => {
    const h = new History('demo');
    const m = h.message(at('10:00'), clientId, { channel: 'whatsapp', direction: 'outbound', from: 'whatsapp', to: ['+919847012345'], text: 'Hello', createdBy: 'tse-1' });
    const from = h.changes.length;
    const read = h.messageStatus(at('10:02'), m, 'read');
    h.messageStatus(at('10:03'), read, 'delivered');
    const events = eventsOf(h, from);
    expect(events.map((e) => [e.type, e.occurredAt, e.data])).toEqual([
      ['message.status_changed', '2026-12-01T04:32:00.000Z', { messageId: m.id, clientId, channel: 'whatsapp', previousStatus: 'sent', status: 'read' }],
    ]);

    const h2 = new History('demo');
    const m2 = h2.message(at('11:00'), clientId, { channel: 'whatsapp', direction: 'outbound', from: 'whatsapp', to: ['+919847012345'], text: 'Offer', createdBy: 'tse-1', opportunityId: 'o_y' });
    const from2 = h2.changes.length;
    h2.messageStatus(at('11:01'), m2, 'failed', { code: '131047', message: 'Re-engagement message' });
    expect(eventsOf(h2, from2).map((e) => e.data)).toEqual([
      { messageId: m2.id, clientId, opportunityId: 'o_y', channel: 'whatsapp', previousStatus: 'sent', status: 'failed', error: { code: '131047', message: 'Re-engagement message' } },
    ]);
  });
});
