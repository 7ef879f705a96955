import type { Principal } from '../../../domain/access/roles';
import type { Alert, AlertStatus } from '../../../domain/alerts/alert';
import type { AuditEntry } from '../../../domain/audit/audit';
import type { Product } from '../../../domain/catalogue/products';
import type { Client } from '../../../domain/clients/client';
import type { ContactPoint } from '../../../domain/clients/contacts';
import type { CrmEvent, EventStatus } from '../../../domain/events/event';
import type { Opportunity } from '../../../domain/pipeline/opportunity';
import type { StageTransition } from '../../../domain/pipeline/stage-change';
import type { StagesConfig } from '../../../domain/pipeline/stages';
import type { Staff } from '../../../domain/staff/staff';
import type { ProductRevenue } from '../../../domain/catalogue/product-mix';
import type { Stage } from '../../../domain/pipeline/stages';
import type { Achievement } from '../../../domain/targets/achievement';
import type { ConversionCounts } from '../../../domain/targets/conversion';
import type { StaffTargetsVersion, TargetsVersion } from '../../../domain/targets/targets';
import type { TenantSettings } from '../../../domain/tenants/tenant';
import type { IdentityProvider } from '../identity/identity-provider';
import type { DedupRules, FuzzyReason } from '../../../domain/clients/dedup';
import type { MediaStore } from '../media/media-store';
import type { DataFiles } from '../files/data-files';
import type { DataQueue } from '../files/data-queue';
import type { DataJobKind } from '../store/keys';
import type { Connection, Delivery } from '../../../domain/integrations/connection';
import type { Invoice, LeadRef } from '../../../domain/integrations/records';
import type { AssignmentConfig } from '../../../domain/integrations/assignment';
import type { SecretsStore } from '../integrations/secrets';
import type { InboundQueue } from '../integrations/inbound-queue';
import type { Channel, Message } from '../../../domain/messages/message';
import type { Consent } from '../../../domain/messages/whatsapp/consent';
import type { TimelineItem, TimelineType } from '../../../domain/messages/timeline';
import type { InboxMail } from '../../../domain/messages/inbox';
import type { TemplateInput } from '../../../domain/messages/templates';
import type { Webhook } from '../../../domain/webhooks/subscription';
import type { SavedReport } from '../../../domain/reports/saved';
import type { WebhookDelivery, WebhookDeliveryStatus } from '../../../domain/webhooks/delivery';

/**
 * The ports the use cases depend on: what they need of storage, identity and media, declared
 * here beside them. The DynamoDB repositories (functions/lib/store/*.dynamodb.ts) implement them;
 * nothing in the use cases knows about items, keys or SDK types.
 */

export interface Page<T> {
  items: T[];
  /** Present when there is a next page. */
  cursor?: string;
}

export interface PageRequest {
  limit: number;
  cursor?: string;
}

export interface Versioned<T> {
  value: T;
  version: number;
}

/** A client with the subjects linked to it (creator, and everyone on its opportunities): scope for "their clients". */
export interface StoredClient {
  client: Client;
  team: string[];
  /** Merged into this client (#12): its id is an alias of the survivor's. */
  mergedInto?: string;
  /** The merge finished (every opportunity, event and contact point moved). */
  mergeDone?: boolean;
  /** Clients merged into this one: their partitions hold some of its opportunities and events. */
  mergedFrom?: string[];
}

/** The client, its opportunities and their events, as the 360 view reads them. */
export interface ClientPartition {
  client?: StoredClient;
  opportunities: Opportunity[];
  events: CrmEvent[];
  /** The ERP's invoices of the client (#13): it owns what they invoiced. */
  invoices?: Invoice[];
}

/** What a use case needs to know of its tenant. */
export interface TenantConfig {
  settings: TenantSettings;
  products: Versioned<Product[]>;
  stages: Versioned<StagesConfig>;
  /** The tenant's target versions (the seed's alone, version 0, until an admin sets them). */
  targets: Versioned<TargetsVersion[]>;
  /** What a fuzzy duplicate does (warn, version 0, until an admin sets it). */
  dedup: Versioned<DedupRules>;
  /** Who gets new leads (#13); undefined (version 0) until an admin sets the rules. */
  assignment: Versioned<AssignmentConfig | undefined>;
}

export interface ClientsStore {
  get(tenantId: string, clientId: string): Promise<StoredClient | undefined>;
  /** 409 `duplicate_client` naming the holder when a unique contact point is taken. */
  /** `claimFuzzy` (the `block` rule): the client's fuzzy keys are claimed in the same transaction. */
  create(tenantId: string, client: Client, audit: AuditEntry, opts?: { claimFuzzy?: boolean }): Promise<void>;
  /** Clients sharing a fuzzy key with `client` (domain/clients/dedup.ts), itself left out: one Query per key, never a scan. */
  /** A merge's first step: the merged client points at the survivor, the survivor lists it (#12). */
  claimMerge(tenantId: string, survivorId: string, merged: Client, partitions: readonly string[], audit: AuditEntry): Promise<void>;
  /** A merge's last step: contact points re-pointed, index items dropped, the survivor completed, the merged client done. */
  finishMerge(tenantId: string, survivor: { before: Client; after: Client }, merged: Client, audits: AuditEntry[]): Promise<void>;
  /** Every client of the tenant, a page at a time (exports). */
  pages(tenantId: string): AsyncIterable<StoredClient[]>;
  /** The client holding a unique contact point (imports and integrations find clients by natural key). */
  lookup(tenantId: string, contact: ContactPoint): Promise<string | undefined>;
  possibleDuplicates(tenantId: string, client: Client): Promise<{ clientId: string; reason: FuzzyReason }[]>;
  /** Clients sharing a fuzzy key, a page of groups in key order (the cleanup list). */
  fuzzyGroups(tenantId: string, page: { limit: number; cursor?: string }): Promise<{ groups: { key: string; reason: FuzzyReason; clientIds: string[] }[]; cursor?: string }>;
  /** Replaces the client if it is still at `before.version` (409 otherwise). */
  update(tenantId: string, before: Client, after: Client, audit: AuditEntry, opts?: { claimFuzzy?: boolean }): Promise<void>;
  /** Ids of clients whose name, phone or email starts with `prefix`. */
  search(tenantId: string, field: 'name' | 'phone' | 'email', prefix: string, limit: number): Promise<string[]>;
}

export interface AuditQuery extends PageRequest {
  /** Only entries concerning these scopes (the client id, opportunity ids); absent: every entry. */
  scopes?: ReadonlySet<string>;
}

export interface PipelineStore {
  getOpportunity(tenantId: string, opportunityId: string): Promise<Opportunity | undefined>;
  getOpportunities(tenantId: string, opportunityIds: readonly string[]): Promise<Map<string, Opportunity>>;
  getEvent(tenantId: string, eventId: string): Promise<CrmEvent | undefined>;
  clientPartition(tenantId: string, clientId: string): Promise<ClientPartition>;
  clientOpportunities(tenantId: string, clientId: string): Promise<Opportunity[]>;
  createOpportunity(tenantId: string, o: Opportunity, audit: AuditEntry): Promise<void>;
  /** `closer`: the closing owner of a win, as read — the write fails (409) if their record changed meanwhile. */
  saveOpportunity(tenantId: string, before: Opportunity, after: Opportunity, extra: { audit: AuditEntry; transition?: StageTransition; closer?: Staff }): Promise<void>;
  createEvent(tenantId: string, e: CrmEvent, audit: AuditEntry): Promise<void>;
  /** An opportunity now another client's (a merge): its open slot, the clients' links and its list copies move with it. */
  reparentOpportunity(tenantId: string, before: Opportunity, after: Opportunity, audit: AuditEntry): Promise<void>;
  /** The events in a partition that belong to a client (a merge moves them one by one). */
  partitionEvents(tenantId: string, partition: string, clientId: string): Promise<CrmEvent[]>;
  /** Events now another client's (a merge), each if unchanged since read. */
  reparentEvents(tenantId: string, moves: readonly { before: CrmEvent; after: CrmEvent }[]): Promise<void>;
  saveEvent(tenantId: string, e: CrmEvent, expectedVersion: number, extra: { audit: AuditEntry[]; created?: CrmEvent; requireOpen: boolean }): Promise<void>;
  stageHistory(tenantId: string, opportunityId: string): Promise<StageTransition[]>;
  /** Audit entries of a client's partition, newest first. */
  clientAudit(tenantId: string, clientId: string, q: AuditQuery): Promise<Page<AuditEntry>>;
  /** Opportunities a subject (staff id or partner subject) is linked to, or (subject omitted) the tenant's. */
  listOpportunities(tenantId: string, q: PageRequest & { subject?: string; stage?: string }): Promise<Page<Opportunity>>;
  /** Oldest first, or (`newestFirst`) newest first by scheduled time. */
  listEvents(tenantId: string, q: PageRequest & { assignee?: string; status: EventStatus; from?: string; to?: string; newestFirst?: boolean }): Promise<Page<CrmEvent>>;
}

export interface StaffStore {
  get(tenantId: string, staffId: string): Promise<Staff | undefined>;
  getMany(tenantId: string, staffIds: readonly string[]): Promise<Map<string, Staff>>;
  /** Everyone below `path` in the hierarchy. */
  subtree(tenantId: string, path: string): Promise<Staff[]>;
  list(tenantId: string, page: PageRequest): Promise<Page<Staff>>;
  /**
   * 409 `staff_exists` when the id is taken. `manager`: the manager as read and as the newcomer
   * leaves them (withNewReport), saved in the same transaction if unchanged since read.
   */
  create(tenantId: string, s: Staff, audit: AuditEntry, manager?: { before: Staff; after: Staff }): Promise<void>;
  /** Saves changed staff (a move rewrites a whole subtree and its new manager), each if unchanged since read. */
  save(tenantId: string, changed: { before: Staff; after: Staff }[], audit: AuditEntry): Promise<void>;
}

/** Import and export jobs (#12): read, created, moved on by version, listed newest first. */
export interface DataJobsStore {
  get<T extends { id: string; version: number }>(tenantId: string, kind: DataJobKind, id: string): Promise<T | undefined>;
  create(tenantId: string, kind: DataJobKind, job: { id: string; version: number }): Promise<void>;
  /** False when the job is no longer at `expectedVersion` (another delivery of the step moved it). */
  save(tenantId: string, kind: DataJobKind, job: { id: string; version: number }, expectedVersion: number): Promise<boolean>;
  list<T extends { createdBy: string }>(tenantId: string, kind: DataJobKind, q: PageRequest & { createdBy?: string }): Promise<Page<T>>;
}

export interface TenantsStore {
  /** Undefined when the tenant was never provisioned. */
  /** `fresh`: read the table, not the container's copy of the last few seconds (showing or replacing a document and its version). */
  config(tenantId: string, opts?: { fresh?: boolean }): Promise<TenantConfig | undefined>;
  /** Replaces a configuration document if unchanged since `expectedVersion`; returns the new version. */
  putConfig(tenantId: string, name: 'PRODUCTS' | 'STAGES' | 'TARGETS' | 'DEDUP' | 'ASSIGNMENT' | 'TEMPLATES', value: unknown, expectedVersion: number, audit: AuditEntry): Promise<number>;
  /**
   * The tenant's message templates (#14; none, version 0, until an admin saves some): one consistent
   * read of their own document, kept out of `config` so the hot paths never carry their text.
   */
  templates(tenantId: string): Promise<Versioned<TemplateInput[]>>;
  /** Staff members' own target versions, by staff id (absent: none set, version 0). */
  staffTargets(tenantId: string, staffIds: readonly string[]): Promise<Map<string, Versioned<StaffTargetsVersion[]>>>;
  /** Replaces one staff member's own targets if unchanged since `expectedVersion`; the staff record must be unchanged (`staff`, as read). */
  putStaffTargets(tenantId: string, staff: Staff, versions: readonly StaffTargetsVersion[], expectedVersion: number, audit: AuditEntry): Promise<number>;
  /** Every provisioned tenant's id (the scheduled jobs fan out over them). */
  list(): Promise<string[]>;
  /** Creates the tenant with its catalogue and first staff; false (nothing written) when it exists. */
  provision(settings: TenantSettings, products: readonly Product[], staff: readonly Staff[], audit: AuditEntry): Promise<boolean>;
}

/** Runs `execute` once per idempotency key (the response replayed for a repeat), failing on a reused key with another body. */
export type Idempotency = (
  request: { who: Principal; path: string; key: string; body: unknown; remainingMs?: () => number },
  execute: () => Promise<{ status?: number; body?: unknown; headers?: Record<string, string> }>,
) => Promise<{ status?: number; body?: unknown; headers?: Record<string, string> }>;

/** Half-open [start, end) between two UTC instants (ISO-8601). */
export interface FactWindow {
  start: string;
  end: string;
}

/** Auto-tracked counters and the counts conversion ratios divide, of one staff member. */
export interface StaffFigures {
  achievement: Achievement;
  conversion: ConversionCounts;
}

/** Follow-ups of one type over a period: scheduled (by who put them in the diary), completed (by who did them), missed (by the assignee). */
export interface EventTally {
  staffId: string;
  type: string;
  scheduled: number;
  completed: number;
  missed: number;
}

/** An open opportunity as pipeline health sees it. */
export interface OpenDeal {
  opportunityId: string;
  assignedTo: string;
  stage: Stage;
  dealValue: number;
  /** When it entered its stage. */
  since: string;
}

/** The facts behind one dashboard figure: what was counted, with the amount it added where it is money. */
export interface FactRef {
  opportunityId: string;
  eventId?: string;
  at?: string;
  /** Paise. */
  amount?: number;
}

export const explainableFigures = ['calls', 'qualified', 'potential', 'demos', 'visits', 'revenue', 'demo', 'won', 'missed', 'pipeline'] as const;
export type ExplainableFigure = (typeof explainableFigures)[number];

/**
 * The reporting facts (ClickHouse, DESIGN §5), read for dashboards: every figure is counted from
 * the facts of what people did — nothing stores or writes a counter. `staff` is the set of staff
 * members the figures are for; `undefined` means the whole tenant.
 */
export interface Insights {
  /** Per staff member with any figure in the window. */
  figures(tenantId: string, staff: readonly string[] | undefined, window: FactWindow): Promise<Map<string, StaffFigures>>;
  /** Open pipeline now: staff id → stage → sum of deal values (paise) of the open opportunities assigned to them. */
  openPipeline(tenantId: string, staff: readonly string[] | undefined): Promise<Map<string, Partial<Record<Stage, number>>>>;
  eventTallies(tenantId: string, staff: readonly string[] | undefined, window: FactWindow): Promise<EventTally[]>;
  /** Revenue credited to `staff` (or all revenue) by product, split at the high-value threshold (paise per deal). */
  productRevenue(tenantId: string, staff: readonly string[] | undefined, window: FactWindow, threshold: number): Promise<ProductRevenue[]>;
  /** Open opportunities of `staff` with no pending follow-up, and those in their stage since before `staleBefore`; at most `limit` of each, oldest first, with the full counts. */
  pipelineHealth(tenantId: string, staff: readonly string[], opts: { staleBefore: string; limit: number }): Promise<{ noNextStep: { count: number; deals: OpenDeal[] }; stale: { count: number; deals: OpenDeal[] } }>;
  /** The facts one figure of one staff member counted (at most `limit`, newest first). */
  explain(tenantId: string, staffId: string, figure: ExplainableFigure, window: FactWindow, limit: number): Promise<FactRef[]>;
  /**
   * Co-ownership among the tenant's clients (owning = having won a deal of the product): for each
   * product in `owned`, how many clients own it (`product` = `owned`) and how many of those also own
   * each other product.
   */
  coOwnership(tenantId: string, owned: readonly string[]): Promise<{ owned: string; product: string; clients: number }[]>;
  /**
   * The week's leads at `stage` (gap analysis): the opportunities of `staff` open there at the
   * window's end, plus those that moved on from it during the window (credited to the assignee at
   * the move); each once, with its deal value, and whether it reached `next` in the window.
   */
  leadFlow(tenantId: string, staff: readonly string[], window: FactWindow, stage: Stage, next: Stage): Promise<Map<string, LeadFlow>>;
  /**
   * Lead response time (issue #13 item 7): the leads from lead sources that arrived in the window,
   * by their assignee at arrival (`byStaff`) and all together (`total`), each timed from its
   * arrival to the first completed follow-up on its opportunity up to `asOf`, against the SLA.
   */
  leadResponse(tenantId: string, staff: readonly string[] | undefined, window: FactWindow, opts: { slaMinutes: number; asOf: string }): Promise<{ total: LeadResponse; byStaff: Map<string, LeadResponse> }>;
}

export interface LeadResponse {
  leads: number;
  /** With a follow-up completed on the lead's opportunity (any type: every follow-up is a contact). */
  responded: number;
  /** Responded within the SLA (arrival + SLA minutes, inclusive). */
  withinSla: number;
  /** Responded late, or not yet and already past the SLA at `asOf`; the rest are still inside it. */
  breached: number;
  /** Minutes from arrival to the first response, over the responded leads (interpolated, to 0.1); absent when none responded. */
  medianMinutes?: number;
  p90Minutes?: number;
}

export interface LeadFlow {
  count: number;
  /** Paise. */
  value: number;
  advanced: number;
}

export interface AlertsStore {
  get(tenantId: string, alertId: string): Promise<Alert | undefined>;
  /** Creates the alert unless one with its id exists; true when it was created. */
  raise(tenantId: string, alert: Alert): Promise<boolean>;
  /** Replaces the alert if still at `before.version` (409 otherwise). */
  /** `by`: who changes it; a person's staff record must still be active in that role. */
  save(tenantId: string, before: Alert, after: Alert, by: Pick<AuditEntry, 'actor' | 'actorRole'>): Promise<void>;
  /** Alerts with a status (of one staff member, or the tenant's), newest first, those `keep` passes. */
  list(tenantId: string, q: PageRequest & { status: AlertStatus; staffId?: string }, keep: (a: Alert) => boolean): Promise<Page<Alert>>;
  /** Every open or acknowledged alert (of one staff member, or the tenant's), oldest first. */
  unresolved(tenantId: string, staffId?: string): Promise<Alert[]>;
  /** Claims a job's run (once per job, tenant and key; a failed run may be claimed again): false when it is claimed or done. */
  claimRun(tenantId: string, job: string, runKey: string, at: string): Promise<boolean>;
  finishRun(tenantId: string, job: string, runKey: string, state: 'done' | 'failed', details: Record<string, unknown>): Promise<void>;
}

/** A delivery as stored: its raw payload inline (`raw`) or in the data bucket (`rawKey`), and the headers its mapper may read. */
export type StoredDelivery = Delivery & { raw?: Buffer; rawKey?: string; headers: Record<string, string> };

/** Connections, deliveries and what integrations record (#13). */
export interface IntegrationsStore {
  /** `cached`: a read of the last few seconds will do (the hook path). */
  getConnection(tenantId: string, id: string, opts?: { cached?: boolean }): Promise<Connection | undefined>;
  createConnection(tenantId: string, c: Connection, audit: AuditEntry): Promise<void>;
  /** Replaces (or, `after` undefined, deletes) the connection if still at `before.version`. */
  saveConnection(tenantId: string, before: Connection, after: Connection | undefined, audit: AuditEntry): Promise<void>;
  listConnections(tenantId: string, page: PageRequest): Promise<Page<Connection>>;
  /** Stores a delivery unless one with its id (its provider delivery id) exists: false then. */
  recordDelivery(tenantId: string, d: StoredDelivery): Promise<boolean>;
  getDelivery(tenantId: string, connectionId: string, id: string): Promise<StoredDelivery | undefined>;
  /** Takes a delivery for processing (status `processing`, `claimedAt`, version + 1) if still at `expectedVersion`: false when another worker took it. */
  claimDelivery(tenantId: string, connectionId: string, id: string, expectedVersion: number, claimedAt: string): Promise<boolean>;
  /** False when it is no longer at `expectedVersion`. */
  saveDelivery(tenantId: string, d: StoredDelivery, expectedVersion: number): Promise<boolean>;
  /** Newest first, without their payloads. */
  listDeliveries(tenantId: string, connectionId: string, q: PageRequest & { status?: Delivery['status'] }): Promise<Page<Delivery>>;
  getLeadRef(tenantId: string, connectionId: string, digest: string): Promise<LeadRef | undefined>;
  putLeadRef(tenantId: string, connectionId: string, digest: string, ref: LeadRef): Promise<void>;
  getInvoiceClient(tenantId: string, system: string, digest: string): Promise<string | undefined>;
  getInvoice(tenantId: string, clientId: string, system: string, digest: string): Promise<Invoice | undefined>;
  saveInvoice(tenantId: string, invoice: Invoice, digest: string, expectedVersion: number): Promise<void>;
  /** An audit entry on a client that records no change (a sync conflict where the CRM's value was kept). */
  auditClient(tenantId: string, clientId: string, entry: AuditEntry): Promise<void>;
  /** Atomic: concurrent callers each get their own value. */
  increment(tenantId: string, name: string, ttlSeconds?: number): Promise<number>;
}

/** Messages of the communication hub (#14): functions/lib/store/messages.dynamodb.ts. */
export interface MessagesStore {
  create(tenantId: string, m: Message): Promise<void>;
  get(tenantId: string, messageId: string): Promise<Message | undefined>;
  byProviderId(tenantId: string, providerMessageId: string): Promise<Message | undefined>;
  save(tenantId: string, before: Message, after: Message): Promise<void>;
  /** The client's thread, oldest first; with `mergedFrom` (#12: clients merged into it) theirs too, still in their partitions. */
  list(tenantId: string, clientId: string, q: PageRequest & { channel?: Channel; mergedFrom?: readonly string[] }): Promise<Page<Message>>;
  /** The client's latest messages, newest first (the last inbound one opens WhatsApp's window; a reply's deal is the last one's). */
  latest(tenantId: string, clientId: string, q: { channel?: Channel; limit: number }): Promise<Message[]>;
  consent(tenantId: string, clientId: string, channel: Channel): Promise<Consent | undefined>;
  /** Kept unless a later change is recorded. */
  putConsent(tenantId: string, clientId: string, channel: Channel, consent: Consent): Promise<void>;
}

/**
 * The unassigned inbox (#14): inbound email no rule matched, until someone attaches it to a
 * client's thread (functions/lib/store/inbox.dynamodb.ts). A mail's provider id is claimed in the
 * same index as messages': one Message-ID is a message or an inbox mail, never both.
 */
export interface InboxStore {
  /** 409 `duplicate_message` when a message or another inbox mail holds its provider id. */
  create(tenantId: string, mail: InboxMail): Promise<void>;
  /** Unassigned or (once attached) its attached record. */
  get(tenantId: string, id: string): Promise<InboxMail | undefined>;
  /** The unassigned mail, newest first. */
  list(tenantId: string, q: PageRequest): Promise<Page<InboxMail>>;
  /**
   * In one transaction: the message into its client's thread (taking over the provider id), the
   * mail out of the inbox (if still at `before.version`: 409 `already_attached` naming the message
   * once another attach won), `after` (attached) kept; `by` must still be active in their role.
   */
  attach(tenantId: string, before: InboxMail, after: InboxMail, message: Message, by: Pick<AuditEntry, 'actor' | 'actorRole'>): Promise<void>;
}

/** What a page of a client's timeline asks for (#14). */
export interface TimelineQuery extends PageRequest {
  types: readonly TimelineType[];
  /** Clients merged into this one (#12): what they brought still lives in their partitions. */
  mergedFrom?: readonly string[];
}

/** A client's timeline (#14): functions/lib/store/timeline.dynamodb.ts. */
export interface TimelineStore {
  /**
   * A page of the client's events, messages and stage changes (domain/messages/timeline.ts), of
   * the items `keep` passes — told the client's opportunity the item is about, when it has it —
   * continued by a signed cursor bound to the client and the types.
   */
  page(tenantId: string, clientId: string, q: TimelineQuery, keep: (item: TimelineItem, opportunity: Opportunity | undefined) => boolean): Promise<Page<TimelineItem>>;
}

/** A staff member's unread count for one client (#14): the inbound messages counted since they last marked the thread read. */
export interface UnreadCount {
  clientId: string;
  count: number;
  /** When the last message counted was written. */
  lastAt: string;
  lastMessageId: string;
  /** The deals the counted messages were about, and how many were about none: who may still see them. */
  opportunityIds: string[];
  general: number;
}

/** Unread counts per staff member and client (#14): functions/lib/store/unread.dynamodb.ts. */
export interface UnreadStore {
  /** Adds one to each staff member's count for the message's client, once per message: false when it was counted before. */
  note(tenantId: string, message: Pick<Message, 'id' | 'clientId' | 'opportunityId' | 'createdAt'>, staffIds: readonly string[], now: Date): Promise<boolean>;
  /** Every count of a staff member, in no particular order. */
  list(tenantId: string, staffId: string): Promise<UnreadCount[]>;
  /** Clears the staff member's count for a client: how many it held (0 when none). */
  clear(tenantId: string, staffId: string, clientId: string): Promise<number>;
}

/**
 * Outbound webhook subscriptions and their delivery log (#15): functions/lib/store/webhooks.dynamodb.ts.
 * A subscription's writes carry their audit entry (the same transaction); the delivery engine's
 * own saves of a subscription (failingSince, disabling a failing or gone endpoint) may too.
 */
/** Saved reports (#16); saves and deletes over the version read (409 concurrent_update otherwise). */
export interface SavedReportsStore {
  /** Only while the tenant keeps fewer than `max` (else 409 too_many_saved_reports). */
  create(tenantId: string, s: SavedReport, max: number): Promise<void>;
  get(tenantId: string, id: string): Promise<SavedReport | undefined>;
  /** Oldest first, the ones `keep` lets the caller see, pages filled up to the limit. */
  list(tenantId: string, page: PageRequest, keep: (s: Pick<SavedReport, 'owner' | 'shared'>) => boolean): Promise<Page<SavedReport>>;
  save(tenantId: string, before: SavedReport, after: SavedReport): Promise<void>;
  delete(tenantId: string, before: SavedReport): Promise<void>;
  /** Every scheduled one (the schedule job keeps the due). */
  scheduled(tenantId: string): Promise<SavedReport[]>;
}

export interface WebhooksStore {
  /** 409 `webhook_exists` when the id is taken. */
  createWebhook(tenantId: string, w: Webhook, audit: AuditEntry): Promise<void>;
  getWebhook(tenantId: string, id: string): Promise<Webhook | undefined>;
  /** Oldest first (ids are time-ordered). */
  listWebhooks(tenantId: string, page: PageRequest): Promise<Page<Webhook>>;
  /** Replaces the subscription if still at `before.version`: 409 `concurrent_update` otherwise. */
  saveWebhook(tenantId: string, before: Webhook, after: Webhook, audit?: AuditEntry): Promise<void>;
  /** Deletes the subscription if still at `before.version` (409 otherwise); its deliveries expire with their TTL. */
  deleteWebhook(tenantId: string, before: Webhook, audit: AuditEntry): Promise<void>;
  /** Every enabled subscription of the tenant (the fan-out). */
  enabledWebhooks(tenantId: string): Promise<Webhook[]>;
  /**
   * Stores a delivery and its (webhook, event) reference in one transaction; when the event has a
   * delivery to this webhook already, that one (`created: false`) and nothing written.
   */
  createDelivery(tenantId: string, d: WebhookDelivery): Promise<{ delivery: WebhookDelivery; created: boolean }>;
  getDelivery(tenantId: string, webhookId: string, deliveryId: string): Promise<WebhookDelivery | undefined>;
  /** Replaces the delivery if still at `before.version`: false (nothing written) when another writer moved it. */
  saveDelivery(tenantId: string, before: WebhookDelivery, after: WebhookDelivery): Promise<boolean>;
  /** Newest first; `status` and `eventType` (an exact name) filter. */
  listDeliveries(tenantId: string, webhookId: string, q: PageRequest & { status?: WebhookDeliveryStatus; eventType?: string }): Promise<Page<WebhookDelivery>>;
  /**
   * Deliveries made at or after `since` (ISO) whose status is one of `statuses`, oldest first, at
   * most `limit`; `more` when others matching were left (a bulk redelivery's cap).
   */
  deliveriesSince(tenantId: string, webhookId: string, q: { since: string; statuses: readonly WebhookDeliveryStatus[]; limit: number }): Promise<{ deliveries: WebhookDelivery[]; more: boolean }>;
  /** An audit entry about a subscription whose change is not the subscription's own (a ping, redeliveries). */
  recordAudit(tenantId: string, entry: AuditEntry): Promise<void>;
}

/** What the webhook sender is told: a stored delivery to attempt (it acts only on one still due). */
export interface WebhookQueueMessage {
  tenantId: string;
  webhookId: string;
  deliveryId: string;
}

/** The queue to the webhook sender (#15): SQS in AWS (WEBHOOK_QUEUE_URL), in-process locally. */
export interface WebhookQueue {
  send(message: WebhookQueueMessage, opts?: { delaySeconds?: number }): Promise<void>;
}

/**
 * Per-endpoint concurrency of the webhook sender (#15): a counter of attempts in flight to one
 * subscription (functions/lib/store/webhook-leases.dynamodb.ts). `acquire` takes a slot when fewer
 * than `max` are taken (false: come back later); `release` gives it back. Slots of senders that
 * died holding them are reclaimed once no slot was taken for the lease time.
 */
export interface WebhookLeases {
  acquire(tenantId: string, webhookId: string, opts: { max: number; now: Date }): Promise<boolean>;
  release(tenantId: string, webhookId: string): Promise<void>;
}

/** Everything a use case may reach. */
export interface Services {
  clients: ClientsStore;
  pipeline: PipelineStore;
  staff: StaffStore;
  tenants: TenantsStore;
  identity: IdentityProvider;
  media: MediaStore;
  insights: Insights;
  alerts: AlertsStore;
  dataJobs: DataJobsStore;
  /** Import and export files (S3). */
  files: DataFiles;
  dataQueue: DataQueue;
  integrations: IntegrationsStore;
  /** Write-only secrets of connections (Secrets Manager; `.local/secrets` locally). */
  secrets: SecretsStore;
  inboundQueue: InboundQueue;
  messages: MessagesStore;
  timeline: TimelineStore;
  unread: UnreadStore;
  inbox: InboxStore;
  /** Outbound webhook subscriptions and deliveries (#15); their signing secrets are in `secrets`, under the webhook's id. */
  webhooks: WebhooksStore;
  webhookQueue: WebhookQueue;
  /** The sender's per-endpoint slots (#15). */
  webhookLeases: WebhookLeases;
  /** Saved and scheduled reports (#16). */
  savedReports: SavedReportsStore;
}
