import { z } from 'zod';

/**
 * What SES says became of an email we sent (#14 item 1: the configuration set for bounces and
 * complaints), read from its event-publishing record. The message is named by the tags the mailer
 * sends with it (`tenant`, `message`): SES publishes tags through a configuration set only, and
 * nothing else in the record may be trusted to name a tenant. Pure.
 *
 * - Delivery: the recipient's server took it → `delivered`.
 * - Bounce (permanent or transient: either way it did not arrive) and Reject → `failed`, with the
 *   bounce's type and the recipient's status code (`bounce:Permanent/General 5.1.1`).
 * - Complaint: the client marked it as spam → they are opted out of email until staff record
 *   otherwise; the message itself did arrive.
 * Anything else (Send, Open, Click, DeliveryDelay) changes nothing.
 */
export type MailFeedback =
  | { kind: 'delivered'; tenantId: string; messageId: string; at: string }
  | { kind: 'failed'; tenantId: string; messageId: string; at: string; error: { code: string; message: string } }
  | { kind: 'complained'; tenantId: string; messageId: string; at: string };

const Tag = z.array(z.string()).min(1);
const Mail = z.looseObject({
  timestamp: z.string(),
  tags: z.looseObject({ tenant: Tag.optional(), message: Tag.optional() }).optional(),
});
const SesEvent = z.looseObject({
  eventType: z.string().optional(),
  /** Identity feedback notifications (not event publishing) name it so; they carry no tags. */
  notificationType: z.string().optional(),
  mail: Mail,
  bounce: z.looseObject({ bounceType: z.string(), bounceSubType: z.string().optional(), timestamp: z.string(), bouncedRecipients: z.array(z.looseObject({ status: z.string().optional(), diagnosticCode: z.string().optional() })).default([]) }).optional(),
  complaint: z.looseObject({ timestamp: z.string() }).optional(),
  delivery: z.looseObject({ timestamp: z.string() }).optional(),
  reject: z.looseObject({ reason: z.string().optional() }).optional(),
});

const TENANT = /^[a-z0-9][a-z0-9-]{0,62}$/;
/** Only messages of a client's thread (`m_…` ids): the nightly email and other mail carry other keys. */
const MESSAGE = /^m_[0-9a-z]{52}$/;

export class MailFeedbackError extends Error {
  override readonly name = 'MailFeedbackError';
}

/** The record's meaning for one of our client messages, or undefined when it concerns none or changes nothing. */
export function parseMailFeedback(body: string): MailFeedback | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new MailFeedbackError('the SES record is not JSON');
  }
  const parsed = SesEvent.safeParse(json);
  if (!parsed.success) throw new MailFeedbackError(`the SES record has no readable mail object: ${parsed.error.issues[0]?.message ?? ''}`);
  const e = parsed.data;
  const tenantId = e.mail.tags?.tenant?.[0];
  const messageId = e.mail.tags?.message?.[0];
  if (!tenantId || !messageId || !TENANT.test(tenantId) || !MESSAGE.test(messageId)) return undefined;
  const base = { tenantId, messageId };
  switch (e.eventType ?? e.notificationType) {
    case 'Delivery':
      return { kind: 'delivered', ...base, at: e.delivery?.timestamp ?? e.mail.timestamp };
    case 'Bounce': {
      if (!e.bounce) return undefined;
      const recipient = e.bounce.bouncedRecipients[0];
      const code = `bounce:${e.bounce.bounceType}${e.bounce.bounceSubType ? `/${e.bounce.bounceSubType}` : ''}${recipient?.status ? ` ${recipient.status}` : ''}`;
      return { kind: 'failed', ...base, at: e.bounce.timestamp, error: { code: code.slice(0, 40), message: (recipient?.diagnosticCode ?? `The email bounced (${e.bounce.bounceType}).`).slice(0, 500) } };
    }
    case 'Reject':
      return { kind: 'failed', ...base, at: e.mail.timestamp, error: { code: 'rejected', message: `SES rejected the email${e.reject?.reason ? `: ${e.reject.reason}` : ''}.`.slice(0, 500) } };
    case 'Complaint':
      return { kind: 'complained', ...base, at: e.complaint?.timestamp ?? e.mail.timestamp };
    default:
      return undefined;
  }
}
