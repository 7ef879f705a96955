import type { AuditEntry } from '../../../domain/audit/audit';
import { feedbackTypes, type CrmEvent } from '../../../domain/events/event';
import type { Channel, Message, MessageStatus } from '../../../domain/messages/message';
import type { CreditRecord } from '../../../domain/pipeline/credit-split';
import type { Opportunity } from '../../../domain/pipeline/opportunity';
import type { Stage } from '../../../domain/pipeline/stages';
import { competitorNamed } from '../../../domain/reports/themes';
import type { Staff } from '../../../domain/staff/staff';
import type { Row } from './port';

/**
 * Fact rows from domain snapshots: the one definition of each fact, used by the live path (the
 * loader's projections, from domain events) and by the backfill (from a DynamoDB scan), so both
 * produce the same rows with the same natural keys. Pure: copying and reshaping, no rules.
 */

const CANONICAL = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
/** ISO-8601 UTC → ClickHouse DateTime64(3) text, read as UTC by the column's time zone. */
export const toDateTime64 = (iso: string) => {
  const canonical = CANONICAL.test(iso) ? iso : new Date(iso).toISOString();
  return `${canonical.slice(0, 10)} ${canonical.slice(11, 23)}`;
};

export type ActivityKind = 'scheduled' | 'completed' | 'missed';

/**
 * Who a completed follow-up is credited to: whoever completed it, unless the system did — a
 * client's reply completing the planned Message follow-up (#14) — then the follow-up's assignee.
 */
export function completedBy(e: Pick<CrmEvent, 'updatedBy' | 'createdBy' | 'assignee'>): string {
  const who = e.updatedBy ?? e.createdBy;
  return who === 'system' || who.startsWith('integration:') ? e.assignee : who;
}

/**
 * A follow-up put in the diary, done or missed, credited to who acted (for a miss, the assignee).
 * A completed demo or visit also carries what its feedback says of the themes reports count: the
 * budget (minor units) and the competitor named (normalised, '' for none).
 */
export function activityRow(
  tenantId: string,
  e: Pick<CrmEvent, 'id' | 'type' | 'opportunityId' | 'clientId' | 'productId' | 'assignee' | 'scheduledAt'> & Partial<Pick<CrmEvent, 'feedback'>>,
  kind: ActivityKind,
  staffId: string,
  at: string,
): Row {
  const feedback = kind === 'completed' && feedbackTypes.has(e.type) ? e.feedback : undefined;
  return {
    tenant_id: tenantId,
    activity_id: `${e.id}:${kind}`,
    kind,
    event_id: e.id,
    event_type: e.type,
    opportunity_id: e.opportunityId,
    client_id: e.clientId,
    product_id: e.productId ?? '',
    staff_id: staffId,
    assignee: e.assignee,
    at: toDateTime64(at),
    scheduled_at: toDateTime64(e.scheduledAt),
    budget: feedback ? feedback.budget : null,
    competitor: feedback ? competitorNamed(feedback.competitorInfo) : '',
  };
}

/** The status an event was created with (items from before it was recorded: logged as done when completed at creation). */
export const createdAsOf = (e: Pick<CrmEvent, 'createdAs' | 'status' | 'completedAt' | 'createdAt'>) => e.createdAs ?? (e.status === 'Completed' && e.completedAt === e.createdAt ? 'Completed' : 'Pending');

/** Every activity an event item holds, as it stands: what the live path recorded of it, one change at a time. */
export function activityRowsOf(tenantId: string, e: CrmEvent): Row[] {
  const rows: Row[] = [];
  if (createdAsOf(e) === 'Pending') rows.push(activityRow(tenantId, e, 'scheduled', e.createdBy, e.createdAt));
  if (e.missedAt) rows.push(activityRow(tenantId, e, 'missed', e.assignee, e.missedAt));
  if (e.status === 'Completed' && e.completedAt) rows.push(activityRow(tenantId, e, 'completed', completedBy(e), e.completedAt));
  return rows;
}

export interface TransitionFact {
  opportunityId: string;
  clientId: string;
  productId?: string | undefined;
  seq: number;
  from: string;
  to: Stage;
  direction: string;
  newlyReached: readonly Stage[];
  outcome?: string | undefined;
  reason?: string | undefined;
  by: string;
  assignedTo?: string | undefined;
  leadOwner?: string | undefined;
  dealValue: number;
  expectedRevenue: number;
  currency?: string | undefined;
  at: string;
}

/** One row per stage the move reached for the first time, or one row (newly_reached 0) when it reached none. */
export function transitionRows(tenantId: string, t: TransitionFact): Row[] {
  const row = (stage: string, newly: boolean): Row => ({
    tenant_id: tenantId,
    transition_id: `${t.opportunityId}:${t.seq}:${newly ? stage : '-'}`,
    opportunity_id: t.opportunityId,
    client_id: t.clientId,
    product_id: t.productId ?? '',
    seq: t.seq,
    stage,
    newly_reached: newly ? 1 : 0,
    from_stage: t.from,
    to_stage: t.to,
    direction: t.direction,
    outcome: t.outcome ?? '',
    reason: t.reason ?? '',
    actor: t.by,
    assigned_to: t.assignedTo ?? '',
    lead_owner: t.leadOwner ?? '',
    deal_value: t.dealValue,
    expected_revenue: t.expectedRevenue,
    currency: t.currency ?? '',
    at: toDateTime64(t.at),
  });
  return t.newlyReached.length > 0 ? t.newlyReached.map((s) => row(s, true)) : [row(t.to, false)];
}

/** The stages a new opportunity starts with (Lead, or every stage up to where the lead arrived), as move 0. */
export const creationTransition = (o: Opportunity): TransitionFact => ({
  opportunityId: o.id,
  clientId: o.clientId,
  productId: o.productId,
  seq: 0,
  from: '',
  to: o.stage,
  direction: 'created',
  newlyReached: o.stagesReached,
  by: o.leadOwner,
  assignedTo: o.assignedTo,
  leadOwner: o.leadOwner,
  dealValue: o.dealValue,
  expectedRevenue: o.expectedRevenue,
  currency: o.currency,
  at: o.createdAt,
});

/** An opportunity's state as of its version; `previousAssignee` when this version moved it from them to someone else. */
export function opportunityStateRow(tenantId: string, o: Opportunity, previousAssignee?: string): Row {
  return {
    tenant_id: tenantId,
    opportunity_id: o.id,
    version: o.version,
    client_id: o.clientId,
    product_id: o.productId,
    stage: o.stage,
    stage_changed_at: toDateTime64(o.stageChangedAt ?? o.updatedAt),
    status: o.stage !== 'Closed' ? 'open' : o.outcome === 'Won' ? 'won' : 'lost',
    outcome: o.outcome ?? '',
    lost_reason: o.lostReason ?? '',
    deal_value: o.dealValue,
    closing_probability: o.closingProbability,
    expected_revenue: o.expectedRevenue,
    currency: o.currency,
    assigned_to: o.assignedTo,
    previous_assignee: previousAssignee && previousAssignee !== o.assignedTo ? previousAssignee : '',
    lead_owner: o.leadOwner,
    closing_owner: o.closingOwner ?? '',
    co_salespersons: o.coSalespersons,
    warriors: o.warriors ?? [],
    partner_company_id: o.partnerCompanyId ?? '',
    stages_reached: o.stagesReached,
    expected_close_date: o.expectedCloseDate ?? null,
    created_at: toDateTime64(o.createdAt),
    updated_at: toDateTime64(o.updatedAt),
    closed_at: o.closedAt ? toDateTime64(o.closedAt) : null,
  };
}

/** The lead a lead source brought (issue #13): the opportunity as created, if it has a source; its assignee then. */
export function leadArrivalRows(tenantId: string, o: Pick<Opportunity, 'id' | 'clientId' | 'productId' | 'assignedTo' | 'source'>): Row[] {
  if (!o.source) return [];
  return [
    {
      tenant_id: tenantId,
      opportunity_id: o.id,
      client_id: o.clientId,
      product_id: o.productId,
      assigned_to: o.assignedTo,
      channel: o.source.channel,
      connection_id: o.source.connectionId,
      external_id: o.source.externalId,
      arrived_at: toDateTime64(o.source.arrivedAt),
    },
  ];
}

export interface WonFact {
  opportunityId: string;
  clientId: string;
  productId?: string | undefined;
  dealValue: number;
  currency?: string | undefined;
  closingOwner: string;
  leadOwner?: string | undefined;
  credit: readonly CreditRecord[];
  at: string;
}

export function creditRows(tenantId: string, w: WonFact): Row[] {
  return w.credit.map((c) => ({
    tenant_id: tenantId,
    credit_id: `${w.opportunityId}:${c.staffId}`,
    opportunity_id: w.opportunityId,
    client_id: w.clientId,
    product_id: w.productId ?? '',
    staff_id: c.staffId,
    percent: c.percent,
    amount: c.amount,
    deal_value: w.dealValue,
    currency: w.currency ?? '',
    closing_owner: w.closingOwner,
    lead_owner: w.leadOwner ?? '',
    won_at: toDateTime64(w.at),
  }));
}

export function staffRow(tenantId: string, s: Staff): Row {
  return {
    tenant_id: tenantId,
    staff_id: s.staffId,
    version: s.version,
    name: s.name,
    role: s.role,
    manager_id: s.managerId ?? '',
    path: s.path,
    active: s.active ? 1 : 0,
    partner_company_id: s.partnerCompanyId ?? '',
    updated_at: toDateTime64(s.updatedAt ?? s.createdAt),
  };
}

export function auditRow(tenantId: string, entry: AuditEntry, scopeId: string): Row {
  return {
    tenant_id: tenantId,
    audit_id: entry.id,
    entity: entry.entity,
    entity_id: entry.entityId,
    action: entry.action,
    actor: entry.actor,
    scope_id: scopeId,
    at: toDateTime64(entry.at),
    before: entry.before === undefined ? '' : JSON.stringify(entry.before),
    after: entry.after === undefined ? '' : JSON.stringify(entry.after),
  };
}

/** How far a message has gone (domain/messages/message.ts withStatus: forward only, failed only before read); inbound ones are 0. */
export const messageStatusRanks: readonly MessageStatus[] = ['queued', 'sent', 'delivered', 'read', 'failed'];
const rankOf = (status: MessageStatus) => Math.max(messageStatusRanks.indexOf(status), 0);

/** A message of the communication hub as stored: who sent it (outbound), when, and its status. */
export function messageRow(tenantId: string, m: Pick<Message, 'id' | 'clientId' | 'opportunityId' | 'channel' | 'direction' | 'status' | 'createdBy' | 'createdAt' | 'countedFor'>): Row {
  return {
    tenant_id: tenantId,
    client_id: m.clientId,
    message_id: m.id,
    opportunity_id: m.opportunityId ?? '',
    channel: m.channel,
    direction: m.direction,
    // Outbound: its sender; inbound: the first staff member it was counted for when it arrived ('' for messages stored before that was kept).
    staff_id: m.direction === 'outbound' ? m.createdBy : (m.countedFor?.[0] ?? ''),
    status_rank: m.direction === 'outbound' ? rankOf(m.status) : 0,
    at: toDateTime64(m.createdAt),
  };
}

/**
 * A message's new status, on its own: the rest of the message is not in the change, so its
 * columns hold nothing ('' and the epoch), which the merge with the message's row drops
 * (functions/lib/analytics/schema.ts migration 5).
 */
export function messageStatusRow(tenantId: string, s: { messageId: string; clientId: string; opportunityId?: string | undefined; channel: Channel; status: MessageStatus }): Row {
  return {
    tenant_id: tenantId,
    client_id: s.clientId,
    message_id: s.messageId,
    opportunity_id: s.opportunityId ?? '',
    channel: s.channel,
    direction: '',
    staff_id: '',
    status_rank: rankOf(s.status),
    at: toDateTime64('1970-01-01T00:00:00.000Z'),
  };
}
