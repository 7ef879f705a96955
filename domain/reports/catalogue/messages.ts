import type { CatalogueReport } from './types';

/**
 * Message volume and response times (issue #16 item 1), from the communication hub's own messages
 * (#14): the `messages` source. A message sent is its sender's; a client's message is the staff
 * member's it was counted for when it arrived (the deal's assignee, else the client's owner), so a
 * seller's reports hold what they sent and what their clients wrote them, a manager's their subtree's.
 */
const SENT = 'Messages sent = outbound messages of the communication hub (email and WhatsApp) stored in the period, each counted once under the staff member who sent it';
const ANSWER =
  'A client message (inbound, received in the period; counted for the deal’s assignee, else the client’s owner) is answered by the next message sent to the same client after it — on any channel, by anyone, at any time up to now, whatever became of it after it was sent; response time = that answer − the client message, in minutes, each client message timed on its own (three messages answered by one reply are three response times).';
const REPLY =
  'A reply = a message sent in the period to a client who had written since the last message sent to them; the client waited from the first of those client messages to the reply (minutes the client waited), credited to the sender of the reply.';

export const messageReports: CatalogueReport[] = [
  {
    id: 'message-volume-by-staff',
    title: 'Messages sent by staff member and channel',
    area: 'activity',
    description: `${SENT}: the number (count) per sender and channel; delivered = of those, the ones the provider says reached the client (delivered or read); read = read by the client (WhatsApp read receipts; email reports none); failed = the send failed (a bounce, a WhatsApp error). Statuses as they stand now.`,
    spec: { source: 'messages', dimensions: ['staffId', 'channel'], measures: ['count', 'sum:delivered', 'sum:read', 'sum:failed'], filters: [{ field: 'direction', op: 'eq', value: 'outbound' }] },
    defaultPeriod: 'this_month',
    chart: { type: 'bar', x: 'staffId', y: ['count'] },
  },
  {
    id: 'message-volume-weekly',
    title: 'Messages, week by week',
    area: 'activity',
    description:
      'Messages of the communication hub per week (starting on the tenant’s first weekday, by when each was stored): the number (count) inbound (received from clients) and outbound (sent by staff), email and WhatsApp together. Message follow-ups (the diary’s Message events) are in “Message follow-ups, week by week”.',
    spec: { source: 'messages', dimensions: ['week', 'direction'], measures: ['count'] },
    defaultPeriod: 'last_90_days',
    chart: { type: 'line', x: 'week', y: ['count'] },
  },
  {
    id: 'message-response-time-by-staff',
    title: 'Reply time by staff member',
    area: 'activity',
    description: `${REPLY} Per staff member: replies (count), the median and the 90th percentile of the minutes the client waited, and the replies sent within an hour of the first waiting message with their share of the replies (withinHourShare). How many client messages were answered at all is in “Response time by channel” and “Unanswered client messages”.`,
    spec: {
      source: 'messages',
      dimensions: ['staffId'],
      measures: ['count', 'median:replyMinutes', 'p90:replyMinutes', 'sum:repliedWithinHour'],
      ratios: [{ name: 'withinHourShare', numerator: 'sum:repliedWithinHour', denominator: 'count' }],
      filters: [{ field: 'isReply', op: 'eq', value: true }],
    },
    defaultPeriod: 'this_month',
    chart: { type: 'bar', x: 'staffId', y: ['median:replyMinutes', 'p90:replyMinutes'] },
  },
  {
    id: 'message-response-time-by-channel',
    title: 'Response time by channel',
    area: 'activity',
    description: `${ANSWER} Per channel of the client message: client messages (count), answered, the share answered (answeredShare = answered ÷ client messages), and the median and the 90th percentile of the response time of the answered ones.`,
    spec: {
      source: 'messages',
      dimensions: ['channel'],
      measures: ['count', 'sum:answered', 'median:responseMinutes', 'p90:responseMinutes'],
      ratios: [{ name: 'answeredShare', numerator: 'sum:answered', denominator: 'count' }],
      filters: [{ field: 'direction', op: 'eq', value: 'inbound' }],
    },
    defaultPeriod: 'this_month',
    chart: { type: 'bar', x: 'channel', y: ['median:responseMinutes', 'p90:responseMinutes'] },
  },
  {
    id: 'message-response-time-weekly',
    title: 'Response time, week by week',
    area: 'activity',
    description: `${ANSWER} Per week (starting on the tenant’s first weekday) of the client messages: client messages (count), answered, the share answered (answeredShare), and the median and the 90th percentile of the response time of the answered ones.`,
    spec: {
      source: 'messages',
      dimensions: ['week'],
      measures: ['count', 'sum:answered', 'median:responseMinutes', 'p90:responseMinutes'],
      ratios: [{ name: 'answeredShare', numerator: 'sum:answered', denominator: 'count' }],
      filters: [{ field: 'direction', op: 'eq', value: 'inbound' }],
    },
    defaultPeriod: 'last_90_days',
    chart: { type: 'line', x: 'week', y: ['median:responseMinutes'] },
  },
  {
    id: 'unanswered-client-messages',
    title: 'Unanswered client messages',
    area: 'activity',
    description:
      'Client messages (inbound) received in the period that no message sent to the client has followed yet, per client and channel: how many (count), when the oldest of them arrived (the earliest “when”), and the longest waiting of them, in minutes from its arrival to now. Longest waiting first.',
    spec: {
      source: 'messages',
      dimensions: ['clientId', 'channel'],
      measures: ['count', 'min:at', 'max:waitingMinutes'],
      filters: [{ field: 'unanswered', op: 'eq', value: true }],
      sort: [{ by: 'max:waitingMinutes', dir: 'desc' }],
    },
    defaultPeriod: 'last_30_days',
    chart: { type: 'table', x: 'clientId', y: ['count', 'max:waitingMinutes'] },
  },
  {
    id: 'message-delivery-by-channel',
    title: 'Message delivery by channel',
    area: 'activity',
    description: `${SENT}: the number (count) per channel and status as it stands now — queued (not yet handed to the provider), sent, delivered, read, failed.`,
    spec: { source: 'messages', dimensions: ['channel', 'status'], measures: ['count'], filters: [{ field: 'direction', op: 'eq', value: 'outbound' }] },
    defaultPeriod: 'this_month',
    chart: { type: 'table', x: 'status', y: ['count'] },
  },
];
