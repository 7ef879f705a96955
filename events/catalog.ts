import { z } from 'zod';
import { AuditEntry, auditActionsV1, auditActionsV2, auditEntitiesV1, auditEntitiesV2 } from '../domain/audit/audit';
import { Client } from '../domain/clients/client';
import { CrmEvent } from '../domain/events/event';
import { Channel, Message, MessageStatus } from '../domain/messages/message';
import { CreditRecord } from '../domain/pipeline/credit-split';
import { Opportunity } from '../domain/pipeline/opportunity';
import { Outcome, Stage } from '../domain/pipeline/stages';
import { Staff } from '../domain/staff/staff';
import { defineEvent, type EventContract, type EventOf } from './contract';

export { defineEvent, type DomainEvent, type EventContract, type EventOf } from './contract';

/**
 * Every domain event the system publishes, by name and version (DESIGN §1: the stream is the
 * outbox). A new event is a contract here, a fixture under events/fixtures/<name>.v<version>.json,
 * a JSON-schema snapshot under events/contracts/ (a change that would break a published version
 * fails events/catalog.test.ts: publish the next version beside it instead), and a mapper from the
 * item change that causes it (functions/streams/mappers/).
 *
 * Names read `<entity>.<what happened>` in snake case. Reserved for the issues that add them:
 * `task.*`, `alert.*`, `lead.*`, `integration.*`, `webhook.*`.
 *
 * Snapshots are the domain's own schemas, read loosely: fields added later pass through to old
 * consumers (an additive change), and the published shape is pinned by the snapshot test.
 */

const ClientSnapshot = Client.loose();
const OpportunitySnapshot = Opportunity.loose();
const EventSnapshot = CrmEvent.loose();
const StaffSnapshot = Staff.loose();
const MessageSnapshot = Message.loose();
const ChangedFields = z.array(z.string()).min(1);

// ── clients ─────────────────────────────────────────────────────────────────────────────────────

export const clientCreated = defineEvent('client.created', 1, z.object({ after: ClientSnapshot }));
export const clientUpdated = defineEvent(
  'client.updated',
  1,
  z.object({
    before: ClientSnapshot,
    after: ClientSnapshot,
    /** Top-level fields whose value differs between before and after. */
    changedFields: ChangedFields,
  }),
);

/**
 * A duplicate client merged into another (#12): the merged id is an alias of the survivor's from
 * now on, and its opportunities and events are the survivor's (each one's own change says so).
 * Published once, when the merge has moved everything.
 */
export const clientMerged = defineEvent('client.merged', 1, z.object({ survivorId: z.string(), mergedId: z.string() }));

// ── opportunities ───────────────────────────────────────────────────────────────────────────────

export const opportunityCreated = defineEvent('opportunity.created', 1, z.object({ after: OpportunitySnapshot }));
export const opportunityUpdated = defineEvent('opportunity.updated', 1, z.object({ before: OpportunitySnapshot, after: OpportunitySnapshot, changedFields: ChangedFields }));

/** One move through the pipeline, as its immutable transition record holds it. */
export const opportunityStageChanged = defineEvent(
  'opportunity.stage_changed',
  1,
  z.object({
    opportunityId: z.string(),
    clientId: z.string(),
    productId: z.string().optional(),
    /** The opportunity's version before the move: orders the moves of one opportunity. */
    seq: z.number().int().nonnegative(),
    previousStage: Stage,
    stage: Stage,
    direction: z.enum(['forward', 'backward']),
    /** Stages counted for the first time by this move (funnel metrics count these). */
    newlyReached: z.array(Stage),
    outcome: Outcome.optional(),
    reason: z.string().optional(),
    assignedTo: z.string().optional(),
    leadOwner: z.string().optional(),
    currency: z.string().optional(),
    dealValue: z.number().int(),
    expectedRevenue: z.number().int(),
  }),
);

/** A deal won: its credit split (shares totalling 100 %, amounts totalling the deal value). */
export const opportunityWon = defineEvent(
  'opportunity.won',
  1,
  z.object({
    opportunityId: z.string(),
    clientId: z.string(),
    productId: z.string().optional(),
    seq: z.number().int().nonnegative(),
    dealValue: z.number().int(),
    currency: z.string().optional(),
    closingOwner: z.string(),
    leadOwner: z.string().optional(),
    assignedTo: z.string().optional(),
    credit: z.array(CreditRecord).min(1),
  }),
);

export const opportunityLost = defineEvent(
  'opportunity.lost',
  1,
  z.object({
    opportunityId: z.string(),
    clientId: z.string(),
    productId: z.string().optional(),
    seq: z.number().int().nonnegative(),
    previousStage: Stage,
    dealValue: z.number().int(),
    currency: z.string().optional(),
    reason: z.string(),
    assignedTo: z.string().optional(),
  }),
);

export const opportunityReassigned = defineEvent(
  'opportunity.reassigned',
  1,
  z.object({ opportunityId: z.string(), clientId: z.string(), productId: z.string(), previousAssignee: z.string(), assignedTo: z.string() }),
);

// ── follow-up events ────────────────────────────────────────────────────────────────────────────

/** A follow-up put in the diary (created Pending). */
export const eventScheduled = defineEvent('event.scheduled', 1, z.object({ event: EventSnapshot }));
/** A follow-up done: completed, or logged as done; a demo or visit carries its eight feedback fields. */
export const eventCompleted = defineEvent('event.completed', 1, z.object({ event: EventSnapshot }));
/** A Pending follow-up whose time plus the tenant's grace passed (the missed sweep). */
export const eventMissed = defineEvent('event.missed', 1, z.object({ event: EventSnapshot }));

// ── staff ───────────────────────────────────────────────────────────────────────────────────────

export const staffCreated = defineEvent('staff.created', 1, z.object({ after: StaffSnapshot }));
export const staffUpdated = defineEvent('staff.updated', 1, z.object({ before: StaffSnapshot, after: StaffSnapshot, changedFields: ChangedFields }));
export const staffDeactivated = defineEvent('staff.deactivated', 1, z.object({ before: StaffSnapshot, after: StaffSnapshot }));

// ── configuration ───────────────────────────────────────────────────────────────────────────────

/** A configuration document replaced: the tenant's settings, products, stages (and later targets, …). */
export const configChanged = defineEvent(
  'config.changed',
  1,
  z.object({
    name: z.string().min(1),
    version: z.number().int().nonnegative(),
    before: z.unknown().optional(),
    after: z.unknown(),
  }),
);

// ── audit ───────────────────────────────────────────────────────────────────────────────────────

/** Every audit entry (DESIGN §8): who, when, what, before and after; `scopeId` is what it concerns. */
/** v1: the entities and actions known before #13 — what its consumers rely on, published unchanged. */
export const auditRecorded = defineEvent('audit.recorded', 1, z.object({ entry: AuditEntry.extend({ entity: z.enum(auditEntitiesV1), action: z.enum(auditActionsV1) }).loose(), scopeId: z.string() }));
/**
 * v2: any entry — integrations (#13) audit connections (`integration`; `deleted`, `secret_rotated`)
 * and sync conflicts (`sync_conflict`), which v1's enums cannot carry. An entry is published once:
 * as v1 when v1 can carry it, else as v2, so no consumer counts one twice.
 */
export const auditRecordedV2 = defineEvent('audit.recorded', 2, z.object({ entry: AuditEntry.extend({ entity: z.enum(auditEntitiesV2), action: z.enum(auditActionsV2) }).loose(), scopeId: z.string() }));
/**
 * v3: any entry — outbound webhook subscriptions (#15) audit as `webhook`, with `redelivered` and
 * `pinged`, which v2's enums cannot carry. Still published once: in the oldest version that carries it.
 */
export const auditRecordedV3 = defineEvent('audit.recorded', 3, z.object({ entry: AuditEntry.loose(), scopeId: z.string() }));

// ── messages (#14) ──────────────────────────────────────────────────────────────────────────────

/** A message we sent a client (email or WhatsApp), as stored when the provider took it. */
export const messageSent = defineEvent('message.sent', 1, z.object({ message: MessageSnapshot }));

/** A message a client sent, joined to their thread (unassigned mail publishes nothing until an admin attaches it). */
export const messageReceived = defineEvent('message.received', 1, z.object({ message: MessageSnapshot }));

/** What the provider said became of a message we sent: delivered, read, or failed with its code. Forward only. */
export const messageStatusChanged = defineEvent(
  'message.status_changed',
  1,
  z.object({
    messageId: z.string(),
    clientId: z.string(),
    opportunityId: z.string().optional(),
    channel: Channel,
    previousStatus: MessageStatus,
    status: MessageStatus,
    error: z.object({ code: z.string(), message: z.string() }).optional(),
  }),
);

// ── the catalogue ───────────────────────────────────────────────────────────────────────────────

export const catalog = [
  clientCreated,
  clientUpdated,
  clientMerged,
  opportunityCreated,
  opportunityUpdated,
  opportunityStageChanged,
  opportunityWon,
  opportunityLost,
  opportunityReassigned,
  eventScheduled,
  eventCompleted,
  eventMissed,
  staffCreated,
  staffUpdated,
  staffDeactivated,
  configChanged,
  auditRecorded,
  auditRecordedV2,
  auditRecordedV3,
  messageSent,
  messageReceived,
  messageStatusChanged,
] as const;

export type CatalogEvent = EventOf<(typeof catalog)[number]>;

const byKey = new Map<string, EventContract>(catalog.map((c) => [`${c.name}@${c.version}`, c as unknown as EventContract]));

export class UnknownEventError extends Error {
  override readonly name = 'UnknownEventError';
}

/** A bus event's detail as a typed domain event, checked against its contract (by detail-type and version). */
export function parseDomainEvent(detailType: string, detail: unknown): CatalogEvent {
  const version = typeof detail === 'object' && detail !== null ? (detail as { version?: unknown }).version : undefined;
  const contract = byKey.get(`${detailType}@${String(version)}`);
  if (!contract) throw new UnknownEventError(`no contract for ${detailType} v${String(version)}`);
  return contract.detail.parse(detail) as CatalogEvent;
}

/** The detail-types of some contracts, for rule patterns (`'detail-type': detailTypes(clientCreated)`). */
export const detailTypes = (...contracts: EventContract[]) => [...new Set(contracts.map((c) => c.name))];
