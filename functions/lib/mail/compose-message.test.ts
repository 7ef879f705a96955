import { Readable } from 'node:stream';
import { simpleParser, type ParsedMail } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { composeMessage, MailComposeError, type ComposeMessageInput } from './compose-message';

/** A thread's first email, as the hub would send it; tests override what they are about. */
const anEmail = (overrides: Partial<ComposeMessageInput> = {}): ComposeMessageInput => ({
  from: { name: 'Asha Rao — Demo Traders', address: 'asha@demo.example' },
  to: ['ravi@client.example'],
  replyTo: 't-01jq7k@reply.crm.example',
  subject: 'Your quotation ✓',
  text: 'Hello Ravi,\n\nthe quotation is attached.\n',
  html: '<p>Hello <b>Ravi</b>,</p><p>the quotation is attached.</p>',
  messageId: '<01JQ7K0000@crm.example>',
  date: new Date('2026-03-02T09:30:00Z'),
  ...overrides,
});

interface MimeNode {
  type: string;
  children?: MimeNode[];
}

/**
 * The MIME tree of a message, each node's Content-Type as mailparser reads it; a multipart's
 * body is cut at the boundary mailparser reports and each part is parsed again.
 */
async function mimeTree(raw: Buffer): Promise<MimeNode> {
  const mail = await simpleParser(raw);
  const contentType = mail.headers.get('content-type') as { value: string; params: Record<string, string> };
  if (!contentType.value.startsWith('multipart/')) return { type: contentType.value };
  const text = raw.toString('latin1');
  const body = text.slice(text.indexOf('\r\n\r\n') + 4);
  const pieces = body.split(`--${contentType.params.boundary}`);
  // pieces: the preamble, the parts, then `--` and the epilogue
  const parts = pieces.slice(1, -1).map((p) => Buffer.from(p.replace(/^\r\n/, '').replace(/\r\n$/, ''), 'latin1'));
  return { type: contentType.value, children: await Promise.all(parts.map(mimeTree)) };
}

const header = (mail: ParsedMail, name: string) => mail.headers.get(name);

describe('composeMessage: the MIME document', () => {
  it('is multipart/alternative, text then HTML, with the thread headers and the per-thread Reply-To', async () => {
    const raw = await composeMessage(anEmail({ cc: ['owner@client.example'] }));
    expect(await mimeTree(raw)).toEqual({ type: 'multipart/alternative', children: [{ type: 'text/plain' }, { type: 'text/html' }] });
    const mail = await simpleParser(raw);
    expect(mail.messageId).toBe('<01JQ7K0000@crm.example>');
    expect(mail.from?.value).toEqual([{ name: 'Asha Rao — Demo Traders', address: 'asha@demo.example' }]);
    expect(mail.to).toMatchObject({ value: [{ address: 'ravi@client.example', name: '' }] });
    expect(mail.cc).toMatchObject({ value: [{ address: 'owner@client.example', name: '' }] });
    expect(mail.replyTo?.value).toEqual([{ address: 't-01jq7k@reply.crm.example', name: '' }]);
    expect(mail.subject).toBe('Your quotation ✓');
    expect(mail.date?.toISOString()).toBe('2026-03-02T09:30:00.000Z');
    expect(mail.text).toBe('Hello Ravi,\n\nthe quotation is attached.\n');
    expect(mail.html).toBe('<p>Hello <b>Ravi</b>,</p><p>the quotation is attached.</p>');
    expect(mail.inReplyTo).toBeUndefined();
    expect(mail.references).toBeUndefined();
    expect(mail.attachments).toEqual([]);
  });

  it('a reply carries In-Reply-To and References; attachments (a Buffer and a stream) make it multipart/mixed with their exact bytes', async () => {
    const pdf = Buffer.from([0x25, 0x50, 0x44, 0x46, 0x00, 0xff, 0x0d, 0x0a, 0x80, 0x7f]);
    const csv = 'sku,qty\r\nA-1,3\r\n';
    const raw = await composeMessage(
      anEmail({
        subject: 'Re: Your quotation ✓',
        messageId: '<01JQ7K0002@crm.example>',
        inReplyTo: '<CAF=abc123@mail.client.example>',
        references: ['<01JQ7K0000@crm.example>', '<CAF=abc123@mail.client.example>'],
        attachments: [
          { filename: 'quotation 12.pdf', contentType: 'application/pdf', content: pdf },
          { filename: 'lines.csv', contentType: 'text/csv', content: Readable.from([Buffer.from(csv)]) },
        ],
      }),
    );
    expect(await mimeTree(raw)).toEqual({
      type: 'multipart/mixed',
      children: [{ type: 'multipart/alternative', children: [{ type: 'text/plain' }, { type: 'text/html' }] }, { type: 'application/pdf' }, { type: 'text/csv' }],
    });
    const mail = await simpleParser(raw);
    expect(mail.messageId).toBe('<01JQ7K0002@crm.example>');
    expect(mail.inReplyTo).toBe('<CAF=abc123@mail.client.example>');
    expect(mail.references).toEqual(['<01JQ7K0000@crm.example>', '<CAF=abc123@mail.client.example>']);
    expect(mail.text).toBe('Hello Ravi,\n\nthe quotation is attached.\n');
    expect(mail.attachments.map((a) => [a.filename, a.contentType, a.contentDisposition, a.content.toString('hex')])).toEqual([
      ['quotation 12.pdf', 'application/pdf', 'attachment', '25504446' + '00ff0d0a807f'],
      ['lines.csv', 'text/csv', 'attachment', Buffer.from(csv).toString('hex')],
    ]);
  });

  it('an HTML-only message gets a plain-text part written from the HTML (links kept, images left out)', async () => {
    const raw = await composeMessage(
      anEmail({ text: undefined, html: '<h1>Demo day</h1><p>Book a slot <a href="https://demo.example/book">here</a>.</p><img src="cid:logo@crm" alt="logo"><ul><li>Tuesday</li><li>Friday</li></ul>' }),
    );
    expect(await mimeTree(raw)).toEqual({ type: 'multipart/alternative', children: [{ type: 'text/plain' }, { type: 'text/html' }] });
    const mail = await simpleParser(raw);
    expect(mail.text).toBe('DEMO DAY\n\nBook a slot here [https://demo.example/book].\n\n * Tuesday\n * Friday');
  });

  it('a text-only message is a single text/plain part', async () => {
    const raw = await composeMessage(anEmail({ html: undefined }));
    expect(await mimeTree(raw)).toEqual({ type: 'text/plain' });
    expect((await simpleParser(raw)).text).toBe('Hello Ravi,\n\nthe quotation is attached.\n');
  });

  it('adds the angle brackets a Message-ID is written with, and writes extra headers', async () => {
    const raw = await composeMessage(
      anEmail({ messageId: '01JQ7K0003@crm.example', inReplyTo: 'x1@client.example', references: ['x1@client.example'], headers: { 'X-CRM-Thread': 't-01jq7k' } }),
    );
    const mail = await simpleParser(raw);
    expect(mail.messageId).toBe('<01JQ7K0003@crm.example>');
    expect(mail.inReplyTo).toBe('<x1@client.example>');
    expect(mail.references).toBe('<x1@client.example>');
    expect(header(mail, 'x-crm-thread')).toBe('t-01jq7k');
  });

  it('ends every line with CRLF (RFC 5322), whatever the text was written with', async () => {
    const raw = (await composeMessage(anEmail())).toString('latin1');
    expect(raw.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
  });
});

describe('composeMessage: what it refuses', () => {
  it.each([
    ['subject', { subject: 'Quote\r\nBcc: everyone@victim.example' }],
    ['subject', { subject: 'Quote\nBcc: everyone@victim.example' }],
    ['from.name', { from: { name: 'Asha\rBcc: x@victim.example', address: 'asha@demo.example' } }],
    ['to[1]', { to: ['ravi@client.example', 'x@victim.example\r\nBcc: y@victim.example'] }],
    ['cc[0]', { cc: ['x@client.example\n'] }],
    ['replyTo', { replyTo: 't-01@reply.crm.example\r\nX-Evil: 1' }],
    ['messageId', { messageId: '<a@b.example>\r\nBcc: x@victim.example' }],
    ['inReplyTo', { inReplyTo: '<a@b.example>\n' }],
    ['references[1]', { references: ['<a@b.example>', '<c@d.example>\r\nBcc: x@victim.example'] }],
    ['headers.X-Thread', { headers: { 'X-Thread': 't-01\r\nBcc: x@victim.example' } }],
    ['headers.X-A\r\nBcc', { headers: { 'X-A\r\nBcc': 'x@victim.example' } }],
    ['attachments[0].filename', { attachments: [{ filename: 'a.pdf"\r\nContent-Type: text/html', contentType: 'application/pdf', content: Buffer.from('x') }] }],
    ['attachments[0].contentType', { attachments: [{ filename: 'a.pdf', contentType: 'application/pdf\r\nX-Evil: 1', content: Buffer.from('x') }] }],
    ['subject', { subject: 'Quote\0' }],
  ] as [string, Partial<ComposeMessageInput>][])('a line break in %j is header injection', async (field, overrides) => {
    const refused = composeMessage(anEmail(overrides));
    await expect(refused).rejects.toBeInstanceOf(MailComposeError);
    await expect(refused).rejects.toMatchObject({ code: 'header_injection', field, message: `${field} contains a line break (CR, LF or NUL); it would start a new header.` });
  });

  it.each([
    ['to[0]', 'invalid_address', { to: ['ravi@client.example, everyone@victim.example'] }],
    ['to[0]', 'invalid_address', { to: ['Ravi <ravi@client.example>'] }],
    ['replyTo', 'invalid_address', { replyTo: 'not-an-address' }],
    ['from.address', 'invalid_address', { from: { name: 'Asha', address: 'asha@demo.example;x@victim.example' } }],
    ['messageId', 'invalid_message_id', { messageId: 'no-at-sign' }],
    ['references[0]', 'invalid_message_id', { references: ['<a@b.example> <c@d.example>'] }],
    ['headers.Bcc', 'invalid_header', { headers: { Bcc: 'x@victim.example' } }],
    ['headers.content-type', 'invalid_header', { headers: { 'content-type': 'text/html' } }],
    ['headers.X Thread', 'invalid_header', { headers: { 'X Thread': 't-01' } }],
    ['to', 'no_recipients', { to: [] }],
    ['text', 'no_body', { text: undefined, html: undefined }],
  ] as [string, string, Partial<ComposeMessageInput>][])('%s: %s', async (field, code, overrides) => {
    await expect(composeMessage(anEmail(overrides))).rejects.toMatchObject({ name: 'MailComposeError', code, field });
  });
});
