import { eventTypes } from '../events/event';
import { MessageStatus } from '../messages/message';
import { stages } from '../pipeline/stages';
import { budgetBandNames, budgetBandSql } from './themes';

/**
 * The allow-list of the custom report builder (DESIGN §13): per source, the fact table it reads,
 * its time columns, whose records a row is (the scope columns), and every field a spec may name,
 * each with its SQL expression (code, never input), its type, and what it may be used for. A spec
 * names fields by these keys only; nothing else reaches the SQL text.
 *
 * The sources are the ClickHouse fact tables of functions/lib/analytics/schema.ts, `messages`
 * among them: the communication hub's messages (#14), one row each, beside the Message follow-ups,
 * which are activities (`eventType = 'Message'`). Response times are read at query time from each
 * client's thread in time order (the `response` join): an inbound message is answered by the next
 * outbound message to the same client, whatever became of it after it was sent.
 *
 * Parameters a field may use besides the spec's values, bound by the compiler from its context:
 * `{tenant:String}`, `{tz:String}` (tenant time zone), `{asOf:DateTime64(3, 'UTC')}` (now),
 * `{highValue:Int64}` (the tenant's high-value threshold, paise), `{sla:Float64}` (lead response
 * SLA, minutes).
 */

export const ops = ['eq', 'ne', 'in', 'gt', 'gte', 'lt', 'lte'] as const;
export type Op = (typeof ops)[number];
export const aggregates = ['sum', 'avg', 'min', 'max', 'uniq', 'median', 'p90'] as const;
export type Aggregate = (typeof aggregates)[number];

/** `money`: Int64 minor units; `strings`: an array of ids (filtered by membership, never grouped). */
export type FieldType = 'string' | 'int' | 'float' | 'money' | 'boolean' | 'datetime' | 'date' | 'strings';

/** Joins a field may need; the compiler adds each at most once, only when a used field needs it. */
export type JoinName = 'staff' | 'firstResponse' | 'response';

export interface Field {
  sql: string;
  type: FieldType;
  /** The words a report description uses for it ("deal value", "calls completed"). */
  term: string;
  values?: readonly string[];
  /** Its values have an order of their own (stages in pipeline order): rows sort by it, not alphabetically. */
  ordered?: true;
  dimension: boolean;
  aggregates: readonly Aggregate[];
  ops: readonly Op[];
  join?: JoinName;
}

export interface TimeColumn {
  sql: string;
  type: 'datetime' | 'date';
}

export interface Source {
  table: string;
  /** What one row is, for the builder's help text. */
  row: string;
  /** The first is the default for the period and the time-bucket dimensions. */
  time: Readonly<Record<string, TimeColumn>>;
  /** Snapshot sources (current state) may run without a period: every row as it stands. */
  periodOptional: boolean;
  /** Whose record a row is: a staff scope sees the rows where any of these holds one of its staff. */
  scope: { staff: readonly { sql: string; array?: true }[]; opportunity?: string };
  /** The staff column the `team` and `role` dimensions describe. */
  staffColumn: string;
  fields: Readonly<Record<string, Field>>;
}

const STRING_OPS: readonly Op[] = ['eq', 'ne', 'in'];
const NUMBER_OPS: readonly Op[] = ops;
const TIME_OPS: readonly Op[] = ['gt', 'gte', 'lt', 'lte'];
const DATE_OPS: readonly Op[] = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte'];

const str = (sql: string, term: string, extra: Partial<Field> = {}): Field => ({ sql, type: 'string', term, dimension: true, aggregates: ['uniq'], ops: STRING_OPS, ...extra });
const enumOf = (sql: string, term: string, values: readonly string[], extra: Partial<Field> = {}) => str(sql, term, { values, aggregates: [], ...extra });
const num = (type: 'int' | 'float' | 'money', sql: string, term: string, extra: Partial<Field> = {}): Field => ({
  sql,
  type,
  term,
  dimension: false,
  aggregates: ['sum', 'avg', 'min', 'max', 'median', 'p90'],
  ops: NUMBER_OPS,
  ...extra,
});
const bool = (sql: string, term: string, extra: Partial<Field> = {}): Field => ({ sql, type: 'boolean', term, dimension: true, aggregates: ['sum', 'avg'], ops: ['eq', 'ne'], ...extra });
const instant = (sql: string, term: string): Field => ({ sql, type: 'datetime', term, dimension: false, aggregates: ['min', 'max'], ops: TIME_OPS });
const day = (sql: string, term: string): Field => ({ sql, type: 'date', term, dimension: false, aggregates: ['min', 'max'], ops: DATE_OPS });
const ids = (sql: string, term: string): Field => ({ sql, type: 'strings', term, dimension: false, aggregates: [], ops: ['eq', 'in'] });

/** A staff member's direct manager and role, from the staff dimension (latest version). */
const team = (): Record<string, Field> => ({
  team: str('staff_manager', 'team', { join: 'staff', aggregates: [] }),
  role: str('staff_role', 'role', { join: 'staff', aggregates: [] }),
});

const reached = (predicate: (stage: string) => string) =>
  Object.fromEntries(stages.map((s) => [`reached${s}`, bool(predicate(s), s === 'Closed' ? 'won' : s.toLowerCase())])) as Record<string, Field>;

const AS_OF = "{asOf:DateTime64(3, 'UTC')}";
const daysInStage = `dateDiff('day', stage_changed_at, ${AS_OF})`;

const opportunities: Source = {
  table: 'opportunity_state',
  row: 'an opportunity as it stands now (its latest version)',
  time: {
    createdAt: { sql: 'created_at', type: 'datetime' },
    closedAt: { sql: 'closed_at', type: 'datetime' },
    expectedCloseDate: { sql: 'expected_close_date', type: 'date' },
    stageChangedAt: { sql: 'stage_changed_at', type: 'datetime' },
  },
  periodOptional: true,
  // DESIGN §4: sellers see what they own, are assigned, close or co-sell; a manager whatever one of their subtree does.
  scope: { staff: [{ sql: 'assigned_to' }, { sql: 'lead_owner' }, { sql: 'closing_owner' }, { sql: 'co_salespersons', array: true }], opportunity: 'opportunity_id' },
  staffColumn: 'assigned_to',
  fields: {
    opportunityId: str('opportunity_id', 'opportunities'),
    clientId: str('client_id', 'clients'),
    productId: str('product_id', 'products'),
    stage: enumOf('stage', 'stage', stages, { ordered: true }),
    status: enumOf('status', 'status', ['open', 'won', 'lost']),
    lostReason: str('lost_reason', 'lost reason', { aggregates: [] }),
    assignedTo: str('assigned_to', 'assignee'),
    leadOwner: str('lead_owner', 'lead owner'),
    closingOwner: str('closing_owner', 'closing owner'),
    partnerCompanyId: str('partner_company_id', 'partner company'),
    currency: str('currency', 'currency', { aggregates: [] }),
    coSalespersons: ids('co_salespersons', 'co-salespersons'),
    warriors: ids('warriors', 'warriors'),
    dealValue: num('money', 'deal_value', 'deal value'),
    expectedRevenue: num('money', 'expected_revenue', 'expected revenue'),
    closingProbability: num('float', 'closing_probability', 'closing probability', { aggregates: ['avg', 'min', 'max', 'median'] }),
    createdAt: instant('created_at', 'created'),
    closedAt: instant('closed_at', 'closed'),
    stageChangedAt: instant('stage_changed_at', 'entered its stage'),
    expectedCloseDate: day('expected_close_date', 'expected close date'),
    daysInStage: num('int', daysInStage, 'days in stage'),
    ageDays: num('int', `dateDiff('day', created_at, ${AS_OF})`, 'age in days'),
    daysToClose: num('int', "dateDiff('day', created_at, closed_at)", 'days to close'),
    agingBucket: enumOf(
      `multiIf(${daysInStage} < 8, '0-7', ${daysInStage} < 15, '8-14', ${daysInStage} < 31, '15-30', ${daysInStage} < 61, '31-60', '61+')`,
      'days in stage',
      ['0-7', '8-14', '15-30', '31-60', '61+'],
      { ordered: true },
    ),
    valueBand: enumOf("if(deal_value >= {highValue:Int64}, 'high', 'low')", 'value band', ['high', 'low']),
    isHighValue: bool('deal_value >= {highValue:Int64}', 'high-value'),
    open: bool("status = 'open'", 'open'),
    won: bool("status = 'won'", 'won'),
    lost: bool("status = 'lost'", 'lost'),
    closed: bool("status != 'open'", 'closed'),
    // A next step is a pending follow-up (DESIGN §3): followups FINAL keeps the ones still pending.
    hasNextStep: bool('opportunity_id IN (SELECT opportunity_id FROM followups FINAL WHERE tenant_id = {tenant:String})', 'next step'),
    closeDateSlipped: bool(`status = 'open' AND ifNull(expected_close_date < toDate(${AS_OF}, {tz:String}), 0)`, 'slipped'),
    ...reached((s) => `has(stages_reached, '${s}')`),
    ...team(),
  },
};

const activities: Source = {
  table: 'activities',
  row: 'a follow-up scheduled, completed or missed (one row each)',
  time: { at: { sql: 'at', type: 'datetime' }, scheduledAt: { sql: 'scheduled_at', type: 'datetime' } },
  periodOptional: false,
  // Who acted (scheduled it, completed it) and whose follow-up it is.
  scope: { staff: [{ sql: 'staff_id' }, { sql: 'assignee' }], opportunity: 'opportunity_id' },
  staffColumn: 'staff_id',
  fields: {
    eventId: str('event_id', 'follow-ups'),
    opportunityId: str('opportunity_id', 'opportunities'),
    clientId: str('client_id', 'clients'),
    productId: str('product_id', 'products'),
    kind: enumOf('kind', 'kind', ['scheduled', 'completed', 'missed']),
    eventType: enumOf('event_type', 'type', eventTypes),
    staffId: str('staff_id', 'staff'),
    assignee: str('assignee', 'assignee'),
    at: instant('at', 'when'),
    scheduledAt: instant('scheduled_at', 'scheduled for'),
    minutesLate: num('int', "dateDiff('minute', scheduled_at, at)", 'minutes late'),
    isScheduled: bool("kind = 'scheduled'", 'scheduled'),
    isCompleted: bool("kind = 'completed'", 'completed'),
    isMissed: bool("kind = 'missed'", 'missed'),
    // The dashboards' counters (DESIGN §3 Auto tracking; functions/lib/analytics/insights.ts).
    callCompleted: bool("kind = 'completed' AND event_type = 'Call'", 'calls'),
    messageCompleted: bool("kind = 'completed' AND event_type = 'Message'", 'messages'),
    demoScheduled: bool("kind = 'scheduled' AND event_type = 'DemoScheduled'", 'demos scheduled'),
    demoCompleted: bool("kind = 'completed' AND event_type = 'DemoCompleted'", 'demos completed'),
    visitScheduled: bool("kind = 'scheduled' AND event_type = 'VisitScheduled'", 'visits scheduled'),
    visitCompleted: bool("kind = 'completed' AND event_type = 'VisitCompleted'", 'visits completed'),
    quoteShared: bool("kind = 'completed' AND event_type = 'QuoteShared'", 'quotes'),
    // Feedback themes: on a completed Demo Completed / Visit Completed row only (its eight
    // feedback fields, DESIGN §3); NULL and '' on every other row.
    withFeedback: bool('isNotNull(budget)', 'demos and visits completed with feedback'),
    budget: num('money', 'budget', 'budget'),
    budgetBand: enumOf(budgetBandSql('budget'), 'budget band', ['', ...budgetBandNames], { ordered: true }),
    competitor: str('competitor', 'competitor'),
    competitorNamed: bool("competitor != ''", 'competitor named'),
    ...team(),
  },
};

const stageTransitions: Source = {
  table: 'stage_transitions',
  row: 'a stage an opportunity reached, with the move that reached it (a move reaching nothing new: one row, newlyReached false)',
  time: { at: { sql: 'at', type: 'datetime' } },
  periodOptional: false,
  // Funnel counts are credited to the assignee when the stage was reached (as the dashboards count them).
  scope: { staff: [{ sql: 'assigned_to' }], opportunity: 'opportunity_id' },
  staffColumn: 'assigned_to',
  fields: {
    opportunityId: str('opportunity_id', 'opportunities'),
    clientId: str('client_id', 'clients'),
    productId: str('product_id', 'products'),
    stage: enumOf('stage', 'stage', stages, { ordered: true }),
    newlyReached: bool('newly_reached = 1', 'newly reached'),
    fromStage: enumOf('from_stage', 'from stage', ['', ...stages], { ordered: true }),
    toStage: enumOf('to_stage', 'to stage', stages, { ordered: true }),
    direction: enumOf('direction', 'direction', ['created', 'forward', 'backward']),
    outcome: enumOf('outcome', 'outcome', ['', 'Won', 'Lost']),
    reason: str('reason', 'reason', { aggregates: [] }),
    actor: str('actor', 'who moved it'),
    assignedTo: str('assigned_to', 'assignee'),
    leadOwner: str('lead_owner', 'lead owner'),
    currency: str('currency', 'currency', { aggregates: [] }),
    dealValue: num('money', 'deal_value', 'deal value'),
    expectedRevenue: num('money', 'expected_revenue', 'expected revenue'),
    at: instant('at', 'when'),
    isBackward: bool("direction = 'backward'", 'backward'),
    ...reached((s) => `newly_reached = 1 AND stage = '${s}'`),
    ...team(),
  },
};

const credits: Source = {
  table: 'revenue_credits',
  row: 'a credit record of a won deal: one per credited staff member (the split totals 100 %)',
  time: { wonAt: { sql: 'won_at', type: 'datetime' } },
  periodOptional: false,
  // Only the credited staff member: a team's revenue is what its members were credited, never a partner's half.
  scope: { staff: [{ sql: 'staff_id' }], opportunity: 'opportunity_id' },
  staffColumn: 'staff_id',
  fields: {
    opportunityId: str('opportunity_id', 'deals'),
    clientId: str('client_id', 'clients'),
    productId: str('product_id', 'products'),
    staffId: str('staff_id', 'staff'),
    closingOwner: str('closing_owner', 'closing owner'),
    leadOwner: str('lead_owner', 'lead owner'),
    currency: str('currency', 'currency', { aggregates: [] }),
    percent: num('int', 'percent', 'credit percent'),
    amount: num('money', 'amount', 'credited revenue'),
    dealValue: num('money', 'deal_value', 'deal value'),
    wonAt: instant('won_at', 'won'),
    valueBand: enumOf("if(deal_value >= {highValue:Int64}, 'high', 'low')", 'value band', ['high', 'low']),
    isHighValue: bool('deal_value >= {highValue:Int64}', 'high-value'),
    isSplit: bool('percent < 100', 'split'),
    creditRole: enumOf(
      "multiIf(staff_id = lead_owner AND staff_id = closing_owner, 'both', staff_id = closing_owner, 'closing', staff_id = lead_owner, 'lead', 'other')",
      'credit role',
      ['both', 'closing', 'lead', 'other'],
    ),
    ...team(),
  },
};

const responseMinutes = "greatest(dateDiff('second', arrived_at, first_response_at), 0) / 60";
const leads: Source = {
  table: 'lead_arrivals',
  row: 'a lead a lead source brought (one per opportunity it made)',
  time: { arrivedAt: { sql: 'arrived_at', type: 'datetime' } },
  periodOptional: false,
  scope: { staff: [{ sql: 'assigned_to' }], opportunity: 'opportunity_id' },
  staffColumn: 'assigned_to',
  fields: {
    opportunityId: str('opportunity_id', 'leads'),
    clientId: str('client_id', 'clients'),
    productId: str('product_id', 'products'),
    assignedTo: str('assigned_to', 'assignee'),
    channel: str('channel', 'channel'),
    connectionId: str('connection_id', 'connection'),
    arrivedAt: instant('arrived_at', 'arrived'),
    // Response: the lead's first completed follow-up of any type (as the lead-response alert reads it).
    responded: bool('isNotNull(first_response_at)', 'responded', { join: 'firstResponse' }),
    responseMinutes: num('float', responseMinutes, 'response time', { join: 'firstResponse', aggregates: ['avg', 'min', 'max', 'median', 'p90'] }),
    withinSla: bool(`ifNull(${responseMinutes} <= {sla:Float64}, 0)`, 'within the SLA', { join: 'firstResponse' }),
    ...team(),
  },
};

// Response times (the `response` join): minutes from an inbound message to the next outbound one to the client; from the first of the client's waiting messages to the outbound one that answered them.
const answerMinutes = "dateDiff('millisecond', at, answered_at) / 60000";
const replyMinutes = "dateDiff('millisecond', waited_since, at) / 60000";
const messages: Source = {
  table: 'messages',
  row: 'a message of the communication hub, sent to a client or received from one (one row each, its status as it stands)',
  time: { at: { sql: 'at', type: 'datetime' } },
  periodOptional: false,
  // The sender of an outbound message; an inbound one is the staff member it is counted for when it
  // arrived (the deal's assignee, else the client's owner: the message's countedFor, as the unread
  // counts), so a seller sees what their clients wrote them and a manager their subtree's.
  scope: { staff: [{ sql: 'staff_id' }], opportunity: 'opportunity_id' },
  staffColumn: 'staff_id',
  fields: {
    messageId: str('message_id', 'messages'),
    clientId: str('client_id', 'clients'),
    opportunityId: str('opportunity_id', 'opportunities'),
    channel: enumOf('channel', 'channel', ['email', 'whatsapp']),
    direction: enumOf('direction', 'direction', ['inbound', 'outbound']),
    staffId: str('staff_id', 'staff member (the sender; for a client’s message, whom it is counted for)'),
    status: enumOf('status', 'status', MessageStatus.options),
    at: instant('at', 'when'),
    outbound: bool("direction = 'outbound'", 'sent'),
    inbound: bool("direction = 'inbound'", 'received'),
    delivered: bool("status IN ('delivered', 'read')", 'delivered'),
    read: bool("status = 'read'", 'read'),
    failed: bool("status = 'failed'", 'failed'),
    onDeal: bool("opportunity_id != ''", 'about a deal'),
    answered: bool("direction = 'inbound' AND isNotNull(answered_at)", 'answered', { join: 'response' }),
    unanswered: bool("direction = 'inbound' AND isNull(answered_at)", 'unanswered', { join: 'response' }),
    answeredBy: str("ifNull(answered_by, '')", 'answered by', { join: 'response' }),
    responseMinutes: num('float', answerMinutes, 'response time', { join: 'response', aggregates: ['avg', 'min', 'max', 'median', 'p90'] }),
    waitingMinutes: num('float', `if(direction = 'inbound' AND isNull(answered_at), dateDiff('millisecond', at, ${AS_OF}) / 60000, NULL)`, 'waiting', {
      join: 'response',
      aggregates: ['avg', 'min', 'max', 'median', 'p90'],
    }),
    isReply: bool('isNotNull(waited_since)', 'replies', { join: 'response' }),
    replyMinutes: num('float', replyMinutes, 'minutes the client waited', { join: 'response', aggregates: ['avg', 'min', 'max', 'median', 'p90'] }),
    repliedWithinHour: bool(`ifNull(${replyMinutes} <= 60, 0)`, 'within an hour', { join: 'response' }),
    ...team(),
  },
};

export const sources = { opportunities, activities, stage_transitions: stageTransitions, credits, leads, messages } as const satisfies Record<string, Source>;
export type SourceName = keyof typeof sources;
export const sourceNames = Object.keys(sources) as [SourceName, ...SourceName[]];

/**
 * What the outer query reads, for a join that needs only those rows: its tenant, scope and period
 * predicates (on the source's own columns), and the period's start when it has one.
 */
export interface JoinReads {
  where: string;
  since?: string;
}

/** The join clause of each join, given the source's staff column and what the query reads. */
export const joins: Record<JoinName, (source: Source, reads?: JoinReads) => string> = {
  staff: (s) =>
    `LEFT JOIN (SELECT staff_id AS staff_key, argMax(manager_id, version) AS staff_manager, argMax(role, version) AS staff_role
       FROM staff WHERE tenant_id = {tenant:String} GROUP BY staff_id) AS staff_facts ON staff_facts.staff_key = ${s.staffColumn}`,
  // The first completed follow-up of each lead the query reads (its tenant, scope and period), not
  // of every lead of the tenant; among completions from a day before the period on (a response
  // logged before the arrival instant a provider gave, clocks differing, is a wait of 0; a follow-up
  // completed a day before the lead arrived answered something else).
  firstResponse: (_s, reads = { where: 'tenant_id = {tenant:String}' }) =>
    `LEFT JOIN (SELECT opportunity_id, min(at) AS first_response_at FROM activities
       WHERE tenant_id = {tenant:String} AND kind = 'completed'${reads.since ? ` AND at >= ${reads.since} - INTERVAL 1 DAY` : ''}
         AND opportunity_id IN (SELECT opportunity_id FROM lead_arrivals WHERE ${reads.where})
       GROUP BY opportunity_id) AS first_response USING (opportunity_id)`,
  // Each client's thread in time order, in turns: a turn is the messages after one outbound
  // message up to and including the next (turn = the outbound messages before a message). An
  // inbound message is answered by its turn's outbound message; an outbound one answers its
  // turn's inbound messages, the first of which is when the client began waiting.
  // Only the threads of the clients whose messages the query reads (each message's response lies in its own client's thread).
  response: (_s, reads = { where: 'tenant_id = {tenant:String}' }) =>
    `LEFT JOIN (SELECT message_id,
         if(direction = 'inbound', min(if(direction = 'outbound', at, NULL)) OVER turns, NULL) AS answered_at,
         if(direction = 'inbound', argMinIf(staff_id, at, direction = 'outbound') OVER turns, '') AS answered_by,
         if(direction = 'outbound', min(if(direction = 'inbound', at, NULL)) OVER turns, NULL) AS waited_since
       FROM (SELECT client_id, message_id, direction, staff_id, at,
               countIf(direction = 'outbound') OVER (PARTITION BY client_id ORDER BY at, message_id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS turn
             FROM message_thread FINAL WHERE tenant_id = {tenant:String} AND client_id IN (SELECT client_id FROM messages WHERE ${reads.where}))
       WINDOW turns AS (PARTITION BY client_id, turn)) AS response USING (message_id)`,
};

/** Time-bucket dimensions, of the period's time column in the tenant's time zone. */
export const buckets = ['day', 'week', 'month', 'quarter', 'year'] as const;
export type Bucket = (typeof buckets)[number];

export function bucketSql(bucket: Bucket, column: TimeColumn, weekStartsOn: 'monday' | 'sunday'): string {
  const tz = column.type === 'datetime' ? ', {tz:String}' : '';
  // toStartOfWeek mode 1: weeks start Monday; mode 0: Sunday (DESIGN §3: Monday unless configured).
  const mode = weekStartsOn === 'sunday' ? 0 : 1;
  switch (bucket) {
    case 'day':
      return column.type === 'datetime' ? `toDate(${column.sql}, {tz:String})` : column.sql;
    case 'week':
      return `toStartOfWeek(${column.sql}, ${mode}${tz})`;
    case 'month':
      return `toStartOfMonth(${column.sql}${tz})`;
    case 'quarter':
      return `toStartOfQuarter(${column.sql}${tz})`;
    case 'year':
      return `toStartOfYear(${column.sql}${tz})`;
  }
}
