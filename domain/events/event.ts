import { z } from 'zod';
import type { Principal } from '../access/roles';
import { Slug } from '../access/roles';
import { DomainError, invalid } from '../errors';
import { IsoDateTime, text } from '../shared/schemas';
import { Feedback, requireFeedback } from './feedback';

/** Spec §2 floating events: any type at any stage. */
export const eventTypes = ['Call', 'Message', 'DemoScheduled', 'DemoCompleted', 'QuoteShared', 'VisitScheduled', 'VisitCompleted', 'Negotiation'] as const;
export const EventType = z.enum(eventTypes);
export type EventType = z.infer<typeof EventType>;

export const EventStatus = z.enum(['Pending', 'Completed', 'Missed']);
export type EventStatus = z.infer<typeof EventStatus>;

/** Types whose completion needs the eight feedback fields. */
export const feedbackTypes = new Set<EventType>(['DemoCompleted', 'VisitCompleted']);
/** Completing one of these creates the matching Completed record. */
export const completes: Partial<Record<EventType, EventType>> = { DemoScheduled: 'DemoCompleted', VisitScheduled: 'VisitCompleted' };

/** Remarks and notes: free text, may be empty. */
const Notes = text({ max: 2000, multiline: true, allowEmpty: true });

export const EventInput = z.strictObject({
  type: EventType,
  scheduledAt: IsoDateTime,
  /** Log an event that already happened by sending status Completed (with feedback where required). */
  status: z.enum(['Pending', 'Completed']).default('Pending'),
  assignee: Slug.optional(),
  remarks: Notes.optional(),
  notes: Notes.optional(),
  /** The eight feedback fields, for a Demo/Visit Completed event logged as done (checked by requireFeedback, with its messages). */
  feedback: z.unknown().optional().meta({ $ref: '#/components/schemas/Feedback' }),
});
export type EventInput = z.input<typeof EventInput>;

export const CompleteEventInput = z.strictObject({
  remarks: Notes.optional(),
  notes: Notes.optional(),
  /** Required when completing a Demo/Visit (Scheduled or Completed) event. */
  feedback: z.unknown().optional().meta({ $ref: '#/components/schemas/Feedback' }),
});
export type CompleteEventInput = z.infer<typeof CompleteEventInput>;

/** A follow-up event as stored and shown (DESIGN §6 `event`). */
export const CrmEvent = z
  .object({
    id: z.string(),
    opportunityId: z.string(),
    clientId: z.string(),
    type: EventType,
    status: EventStatus,
    /** ISO-8601 UTC. */
    scheduledAt: z.string(),
    completedAt: z.string().optional(),
    missedAt: z.string().optional(),
    assignee: z.string(),
    remarks: z.string(),
    notes: z.string(),
    feedback: Feedback.optional(),
    /** The scheduled event whose completion created this record. */
    completes: z.string().optional(),
    /** The Completed record this scheduled event produced. */
    completedBy: z.string().optional(),
    /** The opportunity's product (it never changes): activity facts are by product. */
    productId: z.string().optional(),
    /** `first_response`: the call a new lead gets, due within the tenant's first-response time (#13). */
    purpose: z.enum(['first_response']).optional(),
    /** The status it was created with: Pending (scheduled) or Completed (logged as done). */
    createdAs: z.enum(['Pending', 'Completed']).optional(),
    createdBy: z.string(),
    createdAt: z.string(),
    /** Who made the last change: the completer of a completed event, `system` for the missed sweep. */
    updatedBy: z.string().optional(),
    updatedAt: z.string(),
    version: z.number().int().positive(),
  })
  .meta({ id: 'Event' });
export type CrmEvent = z.infer<typeof CrmEvent>;

interface EventContext {
  id: string;
  opportunityId: string;
  clientId: string;
  /** The opportunity's product. */
  productId: string;
  actor: Principal;
  now: Date;
  /** Who may be given the event: the opportunity's team and the caller. Omitted: anyone. */
  assignees?: readonly string[];
  purpose?: CrmEvent['purpose'];
}

export function newEvent(input: z.infer<typeof EventInput>, ctx: EventContext): CrmEvent {
  if (input.assignee !== undefined && ctx.assignees && !ctx.assignees.includes(input.assignee)) {
    throw invalid([{ field: 'body.assignee', code: 'not_on_opportunity', message: `${input.assignee} is not on this opportunity` }]);
  }
  const at = ctx.now.toISOString();
  const completed = input.status === 'Completed';
  const feedback = completed && feedbackTypes.has(input.type) ? requireFeedback(input.feedback) : undefined;
  if (input.feedback !== undefined && !feedback) {
    throw invalid([{ field: 'body.feedback', code: 'not_applicable', message: 'is given only when completing a Demo or Visit' }]);
  }
  if (completed && completes[input.type]) {
    throw invalid([{ field: 'body.status', code: 'not_applicable', message: `a ${input.type} event is created Pending and completed later` }]);
  }
  return {
    id: ctx.id,
    opportunityId: ctx.opportunityId,
    clientId: ctx.clientId,
    type: input.type,
    status: input.status,
    scheduledAt: input.scheduledAt,
    ...(completed && { completedAt: at }),
    assignee: input.assignee ?? ctx.actor.staffId,
    remarks: input.remarks ?? '',
    notes: input.notes ?? '',
    ...(feedback && { feedback }),
    productId: ctx.productId,
    createdAs: input.status,
    ...(ctx.purpose && { purpose: ctx.purpose }),
    createdBy: ctx.actor.staffId,
    createdAt: at,
    updatedBy: ctx.actor.staffId,
    updatedAt: at,
    version: 1,
  };
}

/**
 * Completes a Pending (or Missed, done late) event. Demo/Visit Completed need feedback; completing
 * a Demo/Visit Scheduled event needs it too, because it creates the Demo/Visit Completed record.
 */
export function completeEvent(
  event: CrmEvent,
  input: CompleteEventInput,
  ctx: { now: Date; actor: Principal; newId: () => string },
): { event: CrmEvent; created?: CrmEvent } {
  if (event.status === 'Completed') throw new DomainError('conflict', 'event_already_completed', `Event ${event.id} is already completed.`);
  const spawns = completes[event.type];
  const needsFeedback = feedbackTypes.has(event.type) || spawns !== undefined;
  const feedback = needsFeedback ? requireFeedback(input.feedback) : undefined;
  if (!needsFeedback && input.feedback !== undefined) {
    throw invalid([{ field: 'body.feedback', code: 'not_applicable', message: 'is given only when completing a Demo or Visit' }]);
  }
  const at = ctx.now.toISOString();
  const done: CrmEvent = {
    ...event,
    status: 'Completed',
    completedAt: at,
    ...(input.remarks !== undefined && { remarks: input.remarks }),
    ...(input.notes !== undefined && { notes: input.notes }),
    ...(feedback && !spawns && { feedback }),
    updatedBy: ctx.actor.staffId,
    updatedAt: at,
    version: event.version + 1,
  };
  if (!spawns) return { event: done };
  const created: CrmEvent = {
    id: ctx.newId(),
    opportunityId: event.opportunityId,
    clientId: event.clientId,
    type: spawns,
    status: 'Completed',
    scheduledAt: event.scheduledAt,
    completedAt: at,
    assignee: event.assignee,
    remarks: input.remarks ?? '',
    notes: input.notes ?? '',
    feedback: feedback!,
    completes: event.id,
    ...(event.productId && { productId: event.productId }),
    createdAs: 'Completed',
    createdBy: ctx.actor.staffId,
    createdAt: at,
    updatedBy: ctx.actor.staffId,
    updatedAt: at,
    version: 1,
  };
  return { event: { ...done, completedBy: created.id }, created };
}

/** DESIGN §3: a Pending event is Missed once scheduled time + the tenant's grace period has passed. */
export function isOverdue(event: Pick<CrmEvent, 'status' | 'scheduledAt'>, now: Date, graceMinutes: number): boolean {
  return event.status === 'Pending' && Date.parse(event.scheduledAt) + graceMinutes * 60_000 <= now.getTime();
}

/** Who marks events Missed: the system, not a person. */
export const SYSTEM_ACTOR = 'system';

/** The events of `events` that the sweep marks Missed at `now`, already marked. */
export function markMissed(events: readonly CrmEvent[], now: Date, graceMinutes: number): CrmEvent[] {
  const at = now.toISOString();
  return events
    .filter((e) => isOverdue(e, now, graceMinutes))
    .map((e) => ({ ...e, status: 'Missed' as const, missedAt: at, updatedBy: SYSTEM_ACTOR, updatedAt: at, version: e.version + 1 }));
}
