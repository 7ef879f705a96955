import type { MailFeedback } from '../../../domain/messages/mail-feedback';
import { withStatus } from '../../../domain/messages/message';
import type { Services } from './ports';

/**
 * SES's word on an email we sent a client (domain/messages/mail-feedback.ts), applied: a delivery
 * or a bounce moves the message's status forward only (a late delivery after a bounce changes
 * nothing); a complaint opts the client out of email (sends answer 409 `opted_out`), recorded
 * with its time and the message. The tenant and message come from the tags our mailer set.
 */
export async function applyMailFeedback(services: Services, fb: MailFeedback): Promise<'updated' | 'unchanged' | 'unknown'> {
  const message = await services.messages.get(fb.tenantId, fb.messageId);
  if (!message || message.channel !== 'email' || message.direction !== 'outbound') return 'unknown';
  if (fb.kind === 'complained') {
    await services.messages.putConsent(fb.tenantId, message.clientId, 'email', { status: 'opted_out', at: fb.at, source: 'email_complaint', messageId: message.providerMessageId.slice(0, 512) });
    return 'updated';
  }
  const after = fb.kind === 'delivered' ? withStatus(message, 'delivered', fb.at) : withStatus(message, 'failed', fb.at, fb.error);
  if (!after) return 'unchanged';
  // A status racing this one fails the save (409): the queue's redelivery reads the message again.
  await services.messages.save(fb.tenantId, message, after);
  return 'updated';
}
