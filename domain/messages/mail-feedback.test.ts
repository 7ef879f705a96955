import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MailFeedbackError, parseMailFeedback } from './mail-feedback';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const MESSAGE = 'm_01kbz3q5v8r2m7n4p6t9w1x3y501kbz4a0t6c8e2g4j6m8p0r2s4';
const edit = (name: string, change: (e: Record<string, any>) => void) => {
  const e = JSON.parse(fixture(name));
  change(e);
  return JSON.stringify(e);
};

describe('parseMailFeedback (SES event publishing, AWS’s example records)', () => {
  it('a permanent bounce fails the message with the bounce type, the recipient’s status and the diagnostic', () => {
    expect(parseMailFeedback(fixture('ses-bounce.json'))).toEqual({
      kind: 'failed',
      tenantId: 'demo',
      messageId: MESSAGE,
      at: '2017-08-05T00:41:02.669Z',
      error: { code: 'bounce:Permanent/General 5.1.1', message: 'smtp; 550 5.1.1 user unknown' },
    });
  });

  it('a delivery marks it delivered at the recipient server’s time; a complaint opts the client out', () => {
    expect(parseMailFeedback(fixture('ses-delivery.json'))).toEqual({ kind: 'delivered', tenantId: 'demo', messageId: MESSAGE, at: '2016-10-19T23:21:04.133Z' });
    expect(parseMailFeedback(fixture('ses-complaint.json'))).toEqual({ kind: 'complained', tenantId: 'demo', messageId: MESSAGE, at: '2017-08-05T00:41:02.669Z' });
  });

  it('a rejection fails it with SES’s reason', () => {
    const reject = edit('ses-delivery.json', (e) => {
      e.eventType = 'Reject';
      delete e.delivery;
      e.reject = { reason: 'Bad content' };
    });
    expect(parseMailFeedback(reject)).toEqual({ kind: 'failed', tenantId: 'demo', messageId: MESSAGE, at: '2016-10-19T23:20:52.240Z', error: { code: 'rejected', message: 'SES rejected the email: Bad content.' } });
  });

  it('ignores what is not about a client message of ours: no tags (identity notifications), the nightly email’s key, a malformed tenant, Send/Open/DeliveryDelay', () => {
    expect(parseMailFeedback(edit('ses-bounce.json', (e) => delete e.mail.tags))).toBeUndefined();
    expect(parseMailFeedback(edit('ses-bounce.json', (e) => (e.mail.tags.message = ['nightly-2026-12-01-manager'])))).toBeUndefined();
    expect(parseMailFeedback(edit('ses-bounce.json', (e) => (e.mail.tags.tenant = ['Demo#1'])))).toBeUndefined();
    for (const eventType of ['Send', 'Open', 'Click', 'DeliveryDelay']) expect(parseMailFeedback(edit('ses-delivery.json', (e) => (e.eventType = eventType)))).toBeUndefined();
  });

  it('refuses a body that is not an SES record', () => {
    expect(() => parseMailFeedback('not json')).toThrow(new MailFeedbackError('the SES record is not JSON'));
    expect(() => parseMailFeedback('{"eventType":"Bounce"}')).toThrow(MailFeedbackError);
  });
});
