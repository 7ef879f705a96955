import { readFileSync } from 'node:fs';
import type { Context, SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { useLocalStack } from '../../test/stack';

/**
 * #14 item 1: SES's bounces, complaints and deliveries (the configuration set's records, AWS's
 * examples with our tags) through the mail-feedback consumer, against a message really sent.
 */
const api = useLocalStack();
const tse = { tenantId: 'demo', staffId: 'tse-1', role: 'tse' } as const;
const record = (fixture: string, tags: { tenant: string; message: string }): SQSRecord => {
  const e = JSON.parse(readFileSync(new URL(`../../domain/messages/fixtures/${fixture}`, import.meta.url), 'utf8'));
  e.mail.tags = { ...e.mail.tags, tenant: [tags.tenant], message: [tags.message] };
  return { messageId: `sqs-${fixture}`, body: JSON.stringify(e) } as SQSRecord;
};

describe('mail feedback', () => {
  it('a bounce fails the email with SES’s code (a later delivery changes nothing); a complaint opts the client out of email', async () => {
    const { handler } = await import('./mail-feedback');
    const run = (...records: SQSRecord[]) => handler({ Records: records }, {} as Context);
    const client = (await api.as(tse).post('/v1/clients', { companyName: 'Bounce Traders', ownerName: 'Bala', mobile: '9873000010', email: 'bala@bounce.example' })).body;
    const sent = (await api.as(tse).post(`/v1/clients/${client.id}/messages`, { channel: 'email', subject: 'Your quote', text: 'Attached.' })).body;
    expect(sent.status).toBe('sent');

    expect(await run(record('ses-bounce.json', { tenant: 'demo', message: sent.id }))).toEqual({ batchItemFailures: [] });
    const thread = async () => (await api.as(tse).get(`/v1/clients/${client.id}/messages`)).body.items.map((m: { status: string; statusAt: string; error?: unknown }) => [m.status, m.statusAt, m.error]);
    expect(await thread()).toEqual([['failed', '2017-08-05T00:41:02.669Z', { code: 'bounce:Permanent/General 5.1.1', message: 'smtp; 550 5.1.1 user unknown' }]]);
    await run(record('ses-delivery.json', { tenant: 'demo', message: sent.id }));
    expect((await thread())[0][0]).toBe('failed');

    // Another tenant's tag names no message there: nothing changes.
    await run(record('ses-complaint.json', { tenant: 'acme', message: sent.id }));
    expect((await api.as(tse).post(`/v1/clients/${client.id}/messages`, { channel: 'email', subject: 'Follow-up', text: 'Any news?' })).status).toBe(201);

    await run(record('ses-complaint.json', { tenant: 'demo', message: sent.id }));
    const refused = await api.as(tse).post(`/v1/clients/${client.id}/messages`, { channel: 'email', subject: 'One more', text: 'Hello?' });
    expect([refused.status, refused.body.code]).toEqual([409, 'opted_out']);
    // WhatsApp is another channel: its consent is the client's STOP, not this.
    const { getServices } = await import('../lib/services');
    expect(await getServices().messages.consent('demo', client.id, 'whatsapp')).toBeUndefined();
    expect(await getServices().messages.consent('demo', client.id, 'email')).toEqual({ status: 'opted_out', at: '2017-08-05T00:41:02.669Z', source: 'email_complaint', messageId: sent.providerMessageId });
  });

  it('a record about no message of ours (the nightly email’s key) is done; an unreadable one is dropped, not retried', async () => {
    const { handler } = await import('./mail-feedback');
    expect(await handler({ Records: [record('ses-bounce.json', { tenant: 'demo', message: 'nightly-demo-2026-12-01-manager' }), { messageId: 'garbage', body: 'not json' } as SQSRecord] }, {} as Context)).toEqual({ batchItemFailures: [] });
  });
});
