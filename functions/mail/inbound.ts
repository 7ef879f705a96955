// First: the tracer patches the SDK clients before anything creates one.
import '../lib/tracing';
import { z } from 'zod';
import { config } from '../lib/config';
import { logger } from '../lib/logger';
import { InboundMailError, MAX_INBOUND_BYTES } from '../lib/mail/inbound-mail';
import { lazyS3 } from '../lib/media/s3';
import { flushMetrics } from '../lib/observability';
import { receiveMail, type InboundMailDeps } from '../lib/use-cases/inbound-email';
import { inboundMailDeps } from './inbound-deps';
import { receiptOf, SesRecord } from './receipt';

/**
 * Inbound email in AWS (#14 item 2, DESIGN §11): SES receiving's Lambda action, run after the
 * receipt rule's S3 action stored the raw message (functions/mail/receipt.ts). The message is read
 * from the mail bucket and handed, with the receipt's recipients, to the same use case the local
 * SMTP listener feeds. A recipient no tenant takes is dropped there with a log line (SES has
 * accepted the mail for the domain already; a bounce would tell a spammer which addresses live).
 * Invoked asynchronously: a failure is retried by Lambda, then goes to the function's dead-letter
 * queue; receiving the same mail twice stores it once.
 */
export interface RawMail {
  /** The stored message's bytes; InboundMailError `message_too_large` past the parser's limit, unread. */
  read(key: string): Promise<Buffer>;
}

export function inboundMailHandler(deps: { raw: RawMail; mailDeps: (now: Date) => Promise<InboundMailDeps> }) {
  return async (event: unknown): Promise<void> => {
    try {
      const records = z.object({ Records: z.array(z.unknown()) }).safeParse(event);
      if (!records.success) return logger.error('inbound mail: not an SES event, dropped');
      for (const input of records.data.Records) {
        const record = SesRecord.safeParse(input);
        if (!record.success) {
          logger.error('inbound mail: unreadable SES record, dropped', { problem: z.prettifyError(record.error) });
          continue;
        }
        const receipt = receiptOf(record.data);
        if (receipt.virus) {
          logger.warn('inbound mail: SES found a virus, dropped unread', { sesMessageId: receipt.sesMessageId });
          continue;
        }
        try {
          const raw = await deps.raw.read(receipt.key);
          const received = await receiveMail(await deps.mailDeps(new Date()), raw, { recipients: receipt.recipients, senderVerified: receipt.senderVerified });
          logger.info('inbound mail received', { sesMessageId: receipt.sesMessageId, delivered: received.deliveries.length, refused: received.refused.length });
        } catch (error) {
          // The mail as a whole is refused (too large, no sender): waiting will not change it.
          if (!(error instanceof InboundMailError)) throw error;
          logger.warn('inbound mail refused, dropped', { sesMessageId: receipt.sesMessageId, code: error.code, reason: error.message });
        }
      }
    } finally {
      flushMetrics();
    }
  };
}

/** The mail bucket (MAIL_BUCKET), through the lazily loaded S3 SDK. */
export function s3RawMail(bucket: () => string): RawMail {
  let load: ReturnType<typeof lazyS3> | undefined;
  return {
    async read(key) {
      const { s3, s3sdk } = await (load ??= lazyS3(config()))();
      const out = await s3.send(new s3sdk.GetObjectCommand({ Bucket: bucket(), Key: key }));
      if ((out.ContentLength ?? 0) > MAX_INBOUND_BYTES) {
        out.Body?.transformToWebStream().cancel().catch(() => undefined);
        throw new InboundMailError('message_too_large', `The message is ${out.ContentLength} bytes; at most ${MAX_INBOUND_BYTES} are accepted.`);
      }
      return Buffer.from(await out.Body!.transformToByteArray());
    },
  };
}

let mailBucket: string | undefined;
const bucketFromEnv = () => (mailBucket ??= z.object({ MAIL_BUCKET: z.string().min(1) }).parse(process.env).MAIL_BUCKET);

export const handler = inboundMailHandler({ raw: s3RawMail(bucketFromEnv), mailDeps: inboundMailDeps });
