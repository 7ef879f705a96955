import { opportunityCreated, opportunityLost, opportunityReassigned, opportunityStageChanged, opportunityUpdated, opportunityWon } from '../../../events/catalog';
import type { DomainEvent } from '../../../events/contract';
import { changedFieldsOf, eventOf, snapshotOf, text, type ItemMapper } from './mapper';

/**
 * Opportunity items → opportunity.created / opportunity.updated, and opportunity.reassigned when
 * the assignee changed. Stage moves are published from their transition records (below), which
 * hold what the move did (newly reached stages, direction, reason), once per move.
 */
export const opportunityChanges: ItemMapper = (change) => {
  const { newItem, oldItem } = change;
  if (change.kind === 'INSERT' && newItem) {
    return [eventOf(change, opportunityCreated, { tenantId: newItem.tenantId, entityId: newItem.id, at: newItem.createdAt, actor: text(newItem.updatedBy) ?? newItem.leadOwner, data: { after: snapshotOf(newItem) as never } })];
  }
  if (change.kind !== 'MODIFY' || !newItem || !oldItem) return [];
  const before = snapshotOf(oldItem);
  const after = snapshotOf(newItem);
  const changedFields = changedFieldsOf(before, after);
  if (changedFields.length === 0) return [];
  const envelope = { tenantId: newItem.tenantId, entityId: newItem.id, at: newItem.updatedAt, actor: newItem.updatedBy };
  const events: DomainEvent[] = [eventOf(change, opportunityUpdated, { ...envelope, data: { before: before as never, after: after as never, changedFields } })];
  if (before.assignedTo !== after.assignedTo) {
    events.push(
      eventOf(change, opportunityReassigned, {
        ...envelope,
        data: { opportunityId: String(after.id), clientId: String(after.clientId), productId: String(after.productId), previousAssignee: String(before.assignedTo), assignedTo: String(after.assignedTo) },
      }),
    );
  }
  return events;
};

/** Stage transition records (written once per move) → opportunity.stage_changed, and won or lost on a close. */
export const stageTransitionChanges: ItemMapper = (change) => {
  const t = change.newItem;
  if (change.kind !== 'INSERT' || !t) return [];
  const envelope = { tenantId: t.tenantId, entityId: t.opportunityId, at: t.at, actor: t.by };
  const common = { opportunityId: String(t.opportunityId), clientId: String(t.clientId), ...(text(t.productId) && { productId: String(t.productId) }), seq: Number(t.seq) };
  const events: DomainEvent[] = [
    eventOf(change, opportunityStageChanged, {
      ...envelope,
      data: {
        ...common,
        previousStage: t.from as never,
        stage: t.to as never,
        direction: t.direction as never,
        newlyReached: (t.newlyReached ?? []) as never,
        ...(text(t.outcome) && { outcome: t.outcome as never }),
        ...(text(t.reason) && { reason: String(t.reason) }),
        ...(text(t.assignedTo) && { assignedTo: String(t.assignedTo) }),
        ...(text(t.leadOwner) && { leadOwner: String(t.leadOwner) }),
        ...(text(t.currency) && { currency: String(t.currency) }),
        dealValue: Number(t.dealValue),
        expectedRevenue: Number(t.expectedRevenue),
      },
    }),
  ];
  if (t.outcome === 'Won') {
    events.push(
      eventOf(change, opportunityWon, {
        ...envelope,
        data: {
          ...common,
          dealValue: Number(t.dealValue),
          ...(text(t.currency) && { currency: String(t.currency) }),
          closingOwner: String(t.closingOwner ?? ''),
          ...(text(t.leadOwner) && { leadOwner: String(t.leadOwner) }),
          ...(text(t.assignedTo) && { assignedTo: String(t.assignedTo) }),
          credit: (t.credit ?? []) as never,
        },
      }),
    );
  }
  if (t.outcome === 'Lost') {
    events.push(
      eventOf(change, opportunityLost, {
        ...envelope,
        data: {
          ...common,
          previousStage: t.from as never,
          dealValue: Number(t.dealValue),
          ...(text(t.currency) && { currency: String(t.currency) }),
          reason: String(t.reason ?? ''),
          ...(text(t.assignedTo) && { assignedTo: String(t.assignedTo) }),
        },
      }),
    );
  }
  return events;
};
