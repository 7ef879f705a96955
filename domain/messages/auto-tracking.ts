import type { CrmEvent } from '../events/event';
import { addDays, localDay, localMidnight } from '../targets/periods';
import type { Message } from './message';

/**
 * Auto-tracking of replies (#14 item 5, DESIGN §3): a client's reply on a deal's thread does the
 * Message follow-up the salesperson had planned for that deal. Pure: the thread and the deal's
 * events are arguments.
 */

/**
 * The deal a client's message is about: the deal of the message it answers (an email's
 * In-Reply-To, WhatsApp's quoted message), else the deal of the latest message we sent them on that
 * channel — a reply arrives on the thread of whatever was last sent. Undefined when neither names one.
 */
export function replyDeal(repliedTo: Pick<Message, 'opportunityId'> | undefined, latest: readonly Pick<Message, 'direction' | 'channel' | 'opportunityId'>[], channel: Message['channel']): string | undefined {
  if (repliedTo?.opportunityId) return repliedTo.opportunityId;
  return latest.find((m) => m.direction === 'outbound' && m.channel === channel)?.opportunityId;
}

/**
 * The follow-up a reply completes: the deal's earliest Pending Message follow-up that is due — its
 * time has come, or comes later on the reply's own day in the tenant's zone (a client who answers
 * in the morning has done the afternoon's chase). A follow-up planned for another day stays: the
 * salesperson planned a new conversation, not this one.
 */
export function followUpDoneByReply(events: readonly CrmEvent[], opportunityId: string, at: Date, timeZone: string): CrmEvent | undefined {
  const endOfDay = Date.parse(localMidnight(addDays(localDay(at, timeZone), 1), timeZone));
  return events
    .filter((e) => e.opportunityId === opportunityId && e.type === 'Message' && e.status === 'Pending' && Date.parse(e.scheduledAt) < endOfDay)
    .sort((a, b) => Date.parse(a.scheduledAt) - Date.parse(b.scheduledAt) || a.id.localeCompare(b.id))[0];
}
