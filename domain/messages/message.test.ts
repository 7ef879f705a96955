import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../errors';
import { assertRecipient, MessageStatus, SendMessageInput, sendProblems, withStatus, type Message } from './message';

const sent: Message = {
  id: 'm_1',
  clientId: 'c_1',
  channel: 'whatsapp',
  direction: 'outbound',
  from: '+919800000000',
  to: ['+919847012345'],
  text: 'Hello',
  attachments: [],
  providerMessageId: 'wamid.1',
  status: 'sent',
  statusAt: '2026-12-01T10:00:00.000Z',
  createdBy: 'tse-1',
  createdAt: '2026-12-01T10:00:00.000Z',
  version: 1,
};

describe('messages', () => {
  it('a send says what it sends: text, html or a template; a subject for an email', () => {
    expect(sendProblems({ channel: 'email' })).toEqual([
      { field: 'body.text', code: 'required', message: 'is required (or html, or a template)' },
      { field: 'body.subject', code: 'required', message: 'is required for an email (or a template that has one)' },
    ]);
    expect(sendProblems({ channel: 'whatsapp', text: 'hi', html: '<b>hi</b>', attachments: ['k'] })).toEqual([
      { field: 'body.attachments', code: 'not_applicable', message: 'WhatsApp messages carry text or a template here' },
      { field: 'body.html', code: 'not_applicable', message: 'WhatsApp messages have no HTML' },
    ]);
    expect(sendProblems({ channel: 'email', template: 'welcome', text: 'x' })).toEqual([{ field: 'body.template', code: 'conflict', message: 'comes with neither text, html nor subject (the template has them)' }]);
    expect(sendProblems({ channel: 'email', subject: 'Quote', text: 'Attached' })).toEqual([]);
    expect(SendMessageInput.safeParse({ channel: 'email', subject: 'Quote', text: 'Attached', colour: 'red' }).success).toBe(false);
    expect(SendMessageInput.parse({ channel: 'whatsapp', template: 'follow-up' })).toEqual({ channel: 'whatsapp', template: 'follow-up', attachments: [] });
  });

  it('statuses only move forward: delivered after read changes nothing, failed after read neither', () => {
    expect(withStatus(sent, 'delivered', '2026-12-01T10:00:05.000Z')).toMatchObject({ status: 'delivered', statusAt: '2026-12-01T10:00:05.000Z', version: 2 });
    const read = withStatus(sent, 'read', '2026-12-01T10:01:00.000Z')!;
    expect(withStatus(read, 'delivered', '2026-12-01T10:00:05.000Z')).toBeUndefined();
    expect(withStatus(read, 'failed', '2026-12-01T10:02:00.000Z', { code: '131047', message: 're-engagement' })).toBeUndefined();
    expect(withStatus(sent, 'failed', '2026-12-01T10:02:00.000Z', { code: '131047', message: 're-engagement' })).toMatchObject({ status: 'failed', error: { code: '131047' } });
    expect(withStatus({ ...sent, direction: 'inbound', status: 'received' }, 'read', '2026-12-01T10:02:00.000Z')).toBeUndefined();
  });

  it('property: whatever order Meta’s statuses arrive in, the message ends at the furthest one reached', () => {
    const rank = ['sent', 'delivered', 'read'] as const;
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...rank), { minLength: 1, maxLength: 12 }), (order) => {
        let m: Message = { ...sent, status: 'queued' };
        for (const s of order) m = withStatus(m, s, '2026-12-01T10:00:00.000Z') ?? m;
        return m.status === rank[Math.max(...order.map((s) => rank.indexOf(s)))];
      }),
    );
    expect(MessageStatus.options).toEqual(['queued', 'sent', 'delivered', 'read', 'failed', 'received']);
  });

  it('recipients are an email address or an E.164 phone', () => {
    expect(() => assertRecipient('email', 'anil@example.com')).not.toThrow();
    expect(() => assertRecipient('whatsapp', '+919847012345')).not.toThrow();
    for (const [channel, to] of [['email', 'not-an-email'], ['email', 'a@b'], ['whatsapp', '9847012345'], ['whatsapp', '+0123']] as const) {
      expect(() => assertRecipient(channel, to), to).toThrow(DomainError);
    }
  });
});
