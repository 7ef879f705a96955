import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { inboxAddress } from '../../domain/messages/inbox';
import { useLocalStack } from '../../test/stack';
import { composeMessage } from '../lib/mail/compose-message';
import { getServices } from '../lib/services';
import { inboundMailHandler, s3RawMail } from './inbound';
import { inboundMailDeps } from './inbound-deps';

/**
 * The SES path on the local stack (#14 item 2): the documented Lambda-action event, the raw
 * message where the receipt rule's S3 action puts it (s3rver standing in for the mail bucket),
 * the same use case as SMTP behind it.
 */
const api = useLocalStack();
const tse = { tenantId: 'demo', staffId: 'tse-1', role: 'tse' } as const;
const admin = { tenantId: 'demo', staffId: 'admin', role: 'tenant_admin' } as const;
const BUCKET = 'crm-media';
const handler = inboundMailHandler({ raw: s3RawMail(() => BUCKET), mailDeps: inboundMailDeps });

/** The documented event for one stored message, delivered to `recipients`, with these verdicts. */
function sesEvent(sesMessageId: string, recipients: string[], verdicts: Record<string, string> = {}) {
  const event = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures/ses-lambda-event.json'), 'utf8'));
  const { ses } = event.Records[0];
  ses.mail.messageId = sesMessageId;
  ses.mail.destination = recipients;
  ses.receipt.recipients = recipients;
  for (const [name, status] of Object.entries(verdicts)) ses.receipt[name] = { status };
  return event;
}
const store = (sesMessageId: string, raw: Buffer) => getServices().files.write(`inbound-mail/${sesMessageId}`, [raw], 'message/rfc822');

async function clientWithThread(n: number) {
  const client = (await api.as(tse).post('/v1/clients', { companyName: `SES Traders ${n}`, ownerName: 'Meera', mobile: `98740${String(n).padStart(5, '0')}`, email: `ses${n}@client.example` })).body;
  const sent = (await api.as(tse).post(`/v1/clients/${client.id}/messages`, { channel: 'email', subject: 'Your quote', text: 'Please find the quote.' }, { 'idempotency-key': `ses-${n}` })).body;
  const eml = await simpleParser(readFileSync(join(api.stack().outboxDir, `${sent.id}.eml`)));
  return { client, sent, replyTo: eml.replyTo!.value[0]!.address! };
}
const thread = async (clientId: string) => (await api.as(admin).get(`/v1/clients/${clientId}/messages`)).body.items as any[];

describe('SES receiving → the inbound-mail function', () => {
  it('reads the message the S3 action stored and delivers it to the receipt’s recipients: a reply joins its thread, once however often SES invokes', async () => {
    const { client, sent, replyTo } = await clientWithThread(1);
    const raw = await composeMessage({ from: { name: 'Meera', address: 'ses1@client.example' }, to: [replyTo], replyTo: 'ses1@client.example', subject: 'Re: Your quote', text: 'Agreed.', messageId: '<ses-reply-1@mail.client.example>', inReplyTo: sent.providerMessageId });
    await store('sesmsg0001', raw);
    await handler(sesEvent('sesmsg0001', [replyTo]));
    await handler(sesEvent('sesmsg0001', [replyTo]));
    const messages = await thread(client.id);
    expect(messages).toHaveLength(2);
    expect(messages[1]).toMatchObject({ direction: 'inbound', from: 'ses1@client.example', subject: 'Re: Your quote', text: 'Agreed.\n', providerMessageId: '<ses-reply-1@mail.client.example>', inReplyTo: sent.providerMessageId, status: 'received', createdBy: 'system' });
  });

  it('a Bcc to the inbox is known only from the receipt (no header names it); a failed DMARC verdict keeps a forged From out of the client’s thread', async () => {
    const { client } = await clientWithThread(2);
    const inbox = inboxAddress('demo', api.stack().smtp.replyDomain);
    const raw = await composeMessage({ from: { name: 'Meera', address: 'ses2@client.example' }, to: ['someone@elsewhere.example'], replyTo: 'ses2@client.example', subject: 'Hello', text: 'New order.', messageId: '<ses-bcc-2@mail.client.example>' });
    await store('sesmsg0002', raw);
    await handler(sesEvent('sesmsg0002', [inbox], { dmarcVerdict: 'FAIL' }));
    expect(await thread(client.id)).toHaveLength(1);
    const waiting = (await api.as(admin).get('/v1/inbox')).body.items.find((m: any) => m.providerMessageId === '<ses-bcc-2@mail.client.example>');
    expect(waiting).toMatchObject({ recipient: inbox, reason: 'no_match', from: 'ses2@client.example', to: ['someone@elsewhere.example'] });

    // The same mail with its verdicts passing (another copy): the sender's email finds the client.
    const again = await composeMessage({ from: { name: 'Meera', address: 'ses2@client.example' }, to: ['someone@elsewhere.example'], replyTo: 'ses2@client.example', subject: 'Hello', text: 'New order.', messageId: '<ses-bcc-3@mail.client.example>' });
    await store('sesmsg0003', again);
    await handler(sesEvent('sesmsg0003', [inbox]));
    expect((await thread(client.id)).at(-1)).toMatchObject({ providerMessageId: '<ses-bcc-3@mail.client.example>', from: 'ses2@client.example' });
  });

  it('a recipient no tenant takes is dropped (logged), the rest delivered; a mail with no sender is dropped without failing the invocation', async () => {
    const inbox = inboxAddress('demo', api.stack().smtp.replyDomain);
    const raw = await composeMessage({ from: { name: 'X', address: 'x@unknown.example' }, to: [inbox], replyTo: 'x@unknown.example', subject: 'Two', text: 't', messageId: '<ses-two@unknown.example>' });
    await store('sesmsg0004', raw);
    await handler(sesEvent('sesmsg0004', [`nobody@${api.stack().smtp.replyDomain}`, inbox]));
    expect((await api.as(admin).get('/v1/inbox')).body.items.filter((m: any) => m.providerMessageId === '<ses-two@unknown.example>')).toHaveLength(1);
    await store('sesmsg0005', Buffer.from('Subject: no sender\r\n\r\nhello\r\n'));
    await expect(handler(sesEvent('sesmsg0005', [inbox]))).resolves.toBeUndefined();
  });
});
