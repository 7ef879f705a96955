import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { InboundMailError } from '../lib/mail/inbound-mail';
import { inboundMailHandler, s3RawMail } from './inbound';
import { receiptOf, SesRecord } from './receipt';

/** The SES Lambda action's event, in the shape the SES developer guide documents (“Event records provided by the Lambda action”). */
const documented = () => JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures/ses-lambda-event.json'), 'utf8'));
const withReceipt = (patch: Record<string, unknown>) => {
  const event = documented();
  Object.assign(event.Records[0].ses.receipt, { recipients: ['inbox+demo@reply.crm.example'] }, patch);
  return event;
};

beforeAll(() => {
  // config() of the S3 adapter: a local environment, no real credentials anywhere.
  Object.assign(process.env, { AUTH_MODE: 'local', JWT_ISSUER: 'https://issuer.test', JWT_AUDIENCE: 'crm', JWKS_URI: 'https://issuer.test/jwks', CURSOR_SECRET: 'x'.repeat(32), AWS_REGION: 'ap-south-1' });
});

describe('the SES receipt', () => {
  it('names the stored message by SES’s message id under inbound-mail/, with the envelope’s recipients', () => {
    const record = SesRecord.parse(withReceipt({ recipients: ['inbox+demo@reply.crm.example', 'x@reply.crm.example'] }).Records[0]);
    expect(receiptOf(record)).toEqual({
      sesMessageId: 'o3vrnil0e2ic28trm7dfhrc2v0cnbeccl4nbp0g1',
      key: 'inbound-mail/o3vrnil0e2ic28trm7dfhrc2v0cnbeccl4nbp0g1',
      recipients: ['inbox+demo@reply.crm.example', 'x@reply.crm.example'],
      senderVerified: true,
      virus: false,
    });
  });

  it.each(['spfVerdict', 'dkimVerdict', 'dmarcVerdict'])('a %s of FAIL: the sender is not taken at their word', (verdict) => {
    expect(receiptOf(SesRecord.parse(withReceipt({ [verdict]: { status: 'FAIL' } }).Records[0])).senderVerified).toBe(false);
  });

  it('GRAY and PROCESSING_FAILED verdicts are no failure; a virus verdict of FAIL is', () => {
    const r = receiptOf(SesRecord.parse(withReceipt({ spfVerdict: { status: 'GRAY' }, dkimVerdict: { status: 'PROCESSING_FAILED' }, virusVerdict: { status: 'FAIL' } }).Records[0]));
    expect(r).toMatchObject({ senderVerified: true, virus: true });
  });

  it('refuses a message id that could step out of the prefix', () => {
    const event = documented();
    event.Records[0].ses.mail.messageId = '../hooks/x';
    expect(SesRecord.safeParse(event.Records[0]).success).toBe(false);
  });
});

describe('the handler', () => {
  const never = { read: () => Promise.reject(new Error('must not read')) };
  const noDeps = () => Promise.reject(new Error('must not receive'));

  it('drops a mail SES found a virus in without reading it, and what is no SES event, without failing', async () => {
    const handler = inboundMailHandler({ raw: never, mailDeps: noDeps });
    await expect(handler(withReceipt({ virusVerdict: { status: 'FAIL' } }))).resolves.toBeUndefined();
    await expect(handler({ Records: [{ eventSource: 'aws:s3' }] })).resolves.toBeUndefined();
    await expect(handler('garbage')).resolves.toBeUndefined();
  });

  it('drops a mail refused as a whole (too large), and lets anything else fail the invocation (Lambda retries it)', async () => {
    const tooLarge = { read: () => Promise.reject(new InboundMailError('message_too_large', 'too big')) };
    await expect(inboundMailHandler({ raw: tooLarge, mailDeps: noDeps })(withReceipt({}))).resolves.toBeUndefined();
    const down = { read: () => Promise.reject(new Error('S3 unavailable')) };
    await expect(inboundMailHandler({ raw: down, mailDeps: noDeps })(withReceipt({}))).rejects.toThrow('S3 unavailable');
  });
});

describe('the mail bucket', () => {
  it('reads the object with exactly GetObject {Bucket, Key}', async () => {
    const s3 = mockClient(S3Client);
    const bytes = Buffer.from('From: a@b.example\r\n\r\nhi\r\n');
    s3.on(GetObjectCommand).resolves({ ContentLength: bytes.length, Body: { transformToByteArray: async () => new Uint8Array(bytes) } as never });
    expect((await s3RawMail(() => 'crm-mail-dev').read('inbound-mail/abc')).equals(bytes)).toBe(true);
    expect(s3.commandCalls(GetObjectCommand).map((c) => c.args[0].input)).toEqual([{ Bucket: 'crm-mail-dev', Key: 'inbound-mail/abc' }]);
    s3.restore();
  });

  it('refuses an object over the parser’s 25 MB without reading its body', async () => {
    const s3 = mockClient(S3Client);
    let read = false;
    s3.on(GetObjectCommand).resolves({
      ContentLength: 26 * 1024 * 1024,
      Body: { transformToByteArray: async () => ((read = true), new Uint8Array()), transformToWebStream: () => new ReadableStream() } as never,
    });
    await expect(s3RawMail(() => 'crm-mail-dev').read('inbound-mail/big')).rejects.toMatchObject({ name: 'InboundMailError', code: 'message_too_large' });
    expect(read).toBe(false);
    s3.restore();
  });
});
