import { z } from 'zod';

/**
 * What SES receiving hands the inbound-mail function (#14 item 2): the receipt rule's S3 action
 * stores the raw message at `<prefix><mail.messageId>` in the mail bucket, then its Lambda action
 * invokes the function with the receipt — headers and verdicts, no body ("Event records provided
 * by the Lambda action", SES developer guide; the S3 object is named by the message id, as the
 * guide's "Retrieve email from Amazon S3" example reads it). The recipients are the receipt's:
 * the SMTP envelope's addresses this rule took, which the stored message does not carry (a Bcc is
 * in no header).
 */
export const INBOUND_MAIL_PREFIX = 'inbound-mail/';

const Verdict = z.object({ status: z.string() }).optional();
export const SesRecord = z.object({
  eventSource: z.literal('aws:ses'),
  ses: z.object({
    mail: z.object({ messageId: z.string().regex(/^[A-Za-z0-9-]{1,200}$/, 'is not an SES message id') }),
    receipt: z.object({
      recipients: z.array(z.string().max(320)).min(1).max(100),
      spamVerdict: Verdict,
      virusVerdict: Verdict,
      spfVerdict: Verdict,
      dkimVerdict: Verdict,
      dmarcVerdict: Verdict,
    }),
  }),
});
export type SesRecord = z.infer<typeof SesRecord>;

export interface Receipt {
  sesMessageId: string;
  /** The raw message in the mail bucket. */
  key: string;
  recipients: string[];
  /** No sender-authentication verdict failed (SPF, DKIM, DMARC): the From may be matched to a client. */
  senderVerified: boolean;
  /** SES's virus scan found one: the message is dropped unread. */
  virus: boolean;
}

export function receiptOf(record: SesRecord, prefix = INBOUND_MAIL_PREFIX): Receipt {
  const { mail, receipt } = record.ses;
  const failed = (v: { status: string } | undefined) => v?.status === 'FAIL';
  return {
    sesMessageId: mail.messageId,
    key: `${prefix}${mail.messageId}`,
    recipients: receipt.recipients,
    senderVerified: ![receipt.spfVerdict, receipt.dkimVerdict, receipt.dmarcVerdict].some(failed),
    virus: failed(receipt.virusVerdict),
  };
}
