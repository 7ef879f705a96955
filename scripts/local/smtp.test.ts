import { connect } from 'node:net';
import { createTransport } from 'nodemailer';
import { afterEach, describe, expect, it } from 'vitest';
import { composeMessage } from '../../functions/lib/mail/compose-message';
import { parseInbound } from '../../functions/lib/mail/inbound-mail';
import { SmtpRefusal, startLocalSmtp, type LocalSmtp, type SmtpEnvelope } from './smtp';

let smtp: LocalSmtp | undefined;
afterEach(async () => {
  await smtp?.stop();
  smtp = undefined;
});

/** nodemailer's SMTP client, as any MTA would connect: plain SMTP on loopback, no TLS, no auth. */
const transportTo = (s: LocalSmtp) => createTransport({ host: s.host, port: s.port, secure: false, ignoreTLS: true });

const reply = (attachment: Buffer) =>
  composeMessage({
    from: { name: 'Ravi Kumar', address: 'ravi@client.example' },
    to: ['t-01jq7k@reply.crm.example'],
    replyTo: 'ravi@client.example',
    subject: 'Re: Your quotation ✓',
    text: 'We accept.\n.\nA line with only a dot above (SMTP escapes it).',
    html: '<p>We <b>accept</b>.</p>',
    messageId: '<CAF=reply42@mail.client.example>',
    inReplyTo: '<01JQ7K0002@crm.example>',
    references: ['<01JQ7K0000@crm.example>', '<01JQ7K0002@crm.example>'],
    attachments: [{ filename: 'PO 7781.pdf', contentType: 'application/pdf', content: attachment }],
  });

describe('the local SMTP listener', () => {
  it('takes a message over SMTP on loopback and hands its bytes to onMessage, which parseInbound reads back whole', async () => {
    const received: { raw: Buffer; envelope: SmtpEnvelope }[] = [];
    smtp = await startLocalSmtp({ port: 0, onMessage: async (raw, envelope) => void received.push({ raw, envelope }) });
    const pdf = Buffer.from([0x25, 0x50, 0x44, 0x46, 0x00, 0xff, 0x2e, 0x0d, 0x0a, 0x2e, 0x0d, 0x0a]);
    const raw = await reply(pdf);

    const info = await transportTo(smtp).sendMail({ envelope: { from: 'bounces@client.example', to: ['t-01jq7k@reply.crm.example'] }, raw });
    expect(info.response).toBe('250 Message accepted');

    expect(received).toHaveLength(1);
    expect(received[0]!.envelope).toEqual({ from: 'bounces@client.example', to: ['t-01jq7k@reply.crm.example'] });
    // the dot-stuffing SMTP adds on the way is undone: the same bytes arrive
    expect(received[0]!.raw.equals(raw)).toBe(true);
    const mail = await parseInbound(received[0]!.raw);
    expect(mail).toMatchObject({
      messageId: '<CAF=reply42@mail.client.example>',
      inReplyTo: '<01JQ7K0002@crm.example>',
      references: ['<01JQ7K0000@crm.example>', '<01JQ7K0002@crm.example>'],
      from: { address: 'ravi@client.example', name: 'Ravi Kumar' },
      to: ['t-01jq7k@reply.crm.example'],
      subject: 'Re: Your quotation ✓',
      text: 'We accept.\n.\nA line with only a dot above (SMTP escapes it).',
      html: '<p>We <b>accept</b>.</p>',
    });
    expect(mail.attachments).toEqual([{ filename: 'PO 7781.pdf', contentType: 'application/pdf', size: 12, content: pdf }]);
  });

  it('answers 451 (try again later) when onMessage fails, and reports the error', async () => {
    const reported: unknown[] = [];
    smtp = await startLocalSmtp({
      port: 0,
      onMessage: async () => {
        throw new Error('table not reachable');
      },
      onError: (e) => reported.push(e),
    });
    const sent = transportTo(smtp).sendMail({ envelope: { from: 'a@client.example', to: ['t-01@reply.crm.example'] }, raw: await reply(Buffer.from('x')) });
    await expect(sent).rejects.toMatchObject({ responseCode: 451, response: '451 Requested action aborted: local error in processing; try again later' });
    expect(reported).toEqual([new Error('table not reachable')]);
  });

  it('refuses a message over maxBytes with 552 and never hands it on', async () => {
    let handed = 0;
    smtp = await startLocalSmtp({ port: 0, maxBytes: 2_000, onMessage: async () => void (handed += 1) });
    const big = await reply(Buffer.alloc(4_000, 0x41));
    const sent = transportTo(smtp).sendMail({ envelope: { from: 'a@client.example', to: ['t-01@reply.crm.example'] }, raw: big });
    await expect(sent).rejects.toMatchObject({ responseCode: 552 });
    expect(handed).toBe(0);
  });

  it('refuses with 552 a message that did not declare its size and outgrew maxBytes on the way', async () => {
    let handed = 0;
    smtp = await startLocalSmtp({ port: 0, maxBytes: 2_000, onMessage: async () => void (handed += 1) });
    const said = await converse(smtp, [
      'EHLO test.example\r\n',
      'MAIL FROM:<a@client.example>\r\n',
      'RCPT TO:<t-01@reply.crm.example>\r\n',
      'DATA\r\n',
      `Subject: big\r\n\r\n${'A'.repeat(76).concat('\r\n').repeat(40)}.\r\n`,
      'QUIT\r\n',
    ]);
    expect(said.split('\r\n').slice(-4)).toEqual(['354 End data with <CR><LF>.<CR><LF>', '552 Message exceeds the fixed maximum message size of 2000 bytes', '221 Bye', '']);
    expect(handed).toBe(0);
  });

  it('answers 550 at RCPT time for a recipient acceptRecipient refuses, and delivers to the others', async () => {
    const received: SmtpEnvelope[] = [];
    smtp = await startLocalSmtp({ port: 0, acceptRecipient: async (a) => a.startsWith('inbox+'), onMessage: async (_, envelope) => void received.push(envelope) });
    const said = await converse(smtp, [
      'EHLO test.example\r\n',
      'MAIL FROM:<a@client.example>\r\n',
      'RCPT TO:<nobody@reply.crm.example>\r\n',
      'RCPT TO:<inbox+demo@reply.crm.example>\r\n',
      'DATA\r\n',
      'Subject: hi\r\nFrom: a@client.example\r\n\r\nhello\r\n.\r\n',
      'QUIT\r\n',
    ]);
    expect(said.split('\r\n').slice(-7)).toEqual([
      '250 Accepted',
      '550 5.1.1 <nobody@reply.crm.example>: no such recipient here',
      '250 Accepted',
      '354 End data with <CR><LF>.<CR><LF>',
      '250 Message accepted',
      '221 Bye',
      '',
    ]);
    expect(received).toEqual([{ from: 'a@client.example', to: ['inbox+demo@reply.crm.example'] }]);
    // nodemailer (any MTA) with no recipient left: the message is never sent
    await expect(transportTo(smtp).sendMail({ envelope: { from: 'a@client.example', to: ['x@reply.crm.example'] }, raw: await reply(Buffer.from('x')) })).rejects.toMatchObject({ responseCode: 550 });
    expect(received).toHaveLength(1);
  });

  it('answers an SmtpRefusal from onMessage with its permanent code, not 451', async () => {
    const reported: unknown[] = [];
    smtp = await startLocalSmtp({ port: 0, onError: (e) => reported.push(e), onMessage: async () => { throw new SmtpRefusal(554, '5.6.0 The message has no From address.'); } });
    const sent = transportTo(smtp).sendMail({ envelope: { from: 'a@client.example', to: ['t-01@reply.crm.example'] }, raw: await reply(Buffer.from('x')) });
    await expect(sent).rejects.toMatchObject({ responseCode: 554, response: '554 5.6.0 The message has no From address.' });
    expect(reported).toEqual([]);
  });

  it('advertises SIZE but neither AUTH nor STARTTLS', async () => {
    smtp = await startLocalSmtp({ port: 0, maxBytes: 5_000, onMessage: async () => {} });
    const ehlo = await converse(smtp, ['EHLO test.example\r\n', 'QUIT\r\n']);
    expect(ehlo.split('\r\n')).toEqual([
      '220 localhost ESMTP CRM local inbound mail',
      '250-localhost Nice to meet you, [127.0.0.1]',
      '250-PIPELINING',
      '250-8BITMIME',
      '250-SMTPUTF8',
      '250 SIZE 5000',
      '221 Bye',
      '',
    ]);
  });

  it('listens on loopback only', async () => {
    await expect(startLocalSmtp({ host: '0.0.0.0', onMessage: async () => {} })).rejects.toThrow(
      'The local SMTP listener takes mail without authentication, so it listens on loopback only, not on 0.0.0.0.',
    );
  });

  it('stop() closes the port', async () => {
    const s = await startLocalSmtp({ port: 0, onMessage: async () => {} });
    await s.stop();
    await expect(converse(s, ['QUIT\r\n'])).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});

/** A raw SMTP conversation: each line sent after the server's previous answer; everything it said. */
function converse(s: LocalSmtp, lines: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(s.port, s.host);
    let said = '';
    let next = 0;
    socket.on('data', (d) => {
      said += d.toString();
      // an answer ends with a line whose code is followed by a space
      if (/(^|\r\n)\d{3} [^\r\n]*\r\n$/.test(said) && next < lines.length) socket.write(lines[next++]!);
    });
    socket.on('end', () => resolve(said));
    socket.on('error', reject);
  });
}
