import type { AuditEntry } from '../../../domain/audit/audit';
import type { CrmEvent } from '../../../domain/events/event';
import type { Message } from '../../../domain/messages/message';
import type { Opportunity } from '../../../domain/pipeline/opportunity';
import type { Staff } from '../../../domain/staff/staff';
import {
  auditRecorded,
  auditRecordedV2,
  auditRecordedV3,
  eventCompleted,
  eventMissed,
  eventScheduled,
  messageReceived,
  messageSent,
  messageStatusChanged,
  opportunityCreated,
  opportunityStageChanged,
  opportunityUpdated,
  opportunityWon,
  staffCreated,
  staffDeactivated,
  staffUpdated,
  type CatalogEvent,
} from '../../../events/catalog';
import { activityRow, completedBy, auditRow, creationTransition, creditRows, leadArrivalRows, messageRow, messageStatusRow, opportunityStateRow, staffRow, transitionRows } from './facts';
import type { Row } from './port';
import type { FACT_TABLES } from './schema';

/**
 * How domain events become fact rows (functions/lib/analytics/facts.ts defines each fact): for
 * each event, the rows it adds to each table. The loader applies this to every event of a batch
 * and inserts each table once. Projections copy and reshape; they hold no business rules.
 */
export type FactRows = Partial<Record<FactTable, Row[]>>;
export type FactTable = (typeof FACT_TABLES)[number];

export function factsOf(event: CatalogEvent): FactRows {
  const t = event.tenantId;
  const out: FactRows = {};
  if (opportunityCreated.is(event)) {
    const o = event.data.after as Opportunity;
    out.opportunity_state = [opportunityStateRow(t, o)];
    out.stage_transitions = transitionRows(t, creationTransition(o));
    const lead = leadArrivalRows(t, o);
    if (lead.length > 0) out.lead_arrivals = lead;
  } else if (opportunityUpdated.is(event)) {
    out.opportunity_state = [opportunityStateRow(t, event.data.after as Opportunity, (event.data.before as Opportunity).assignedTo)];
  } else if (opportunityStageChanged.is(event)) {
    const d = event.data;
    out.stage_transitions = transitionRows(t, { ...d, from: d.previousStage, to: d.stage, by: event.actor ?? '', at: event.occurredAt });
  } else if (opportunityWon.is(event)) {
    out.revenue_credits = creditRows(t, { ...event.data, at: event.occurredAt });
  } else if (eventScheduled.is(event)) {
    const e = event.data.event as CrmEvent;
    out.activities = [activityRow(t, e, 'scheduled', e.createdBy, e.createdAt)];
  } else if (eventCompleted.is(event)) {
    const e = event.data.event as CrmEvent;
    out.activities = [activityRow(t, e, 'completed', completedBy(e), e.completedAt ?? event.occurredAt)];
  } else if (eventMissed.is(event)) {
    const e = event.data.event as CrmEvent;
    out.activities = [activityRow(t, e, 'missed', e.assignee, e.missedAt ?? event.occurredAt)];
  } else if (staffCreated.is(event) || staffUpdated.is(event) || staffDeactivated.is(event)) {
    out.staff = [staffRow(t, event.data.after as Staff)];
  } else if (auditRecorded.is(event) || auditRecordedV2.is(event) || auditRecordedV3.is(event)) {
    out.audit_log = [auditRow(t, event.data.entry as AuditEntry, event.data.scopeId)];
  } else if (messageSent.is(event) || messageReceived.is(event)) {
    out.messages = [messageRow(t, event.data.message as Message)];
  } else if (messageStatusChanged.is(event)) {
    out.messages = [messageStatusRow(t, event.data)];
  }
  return out;
}
