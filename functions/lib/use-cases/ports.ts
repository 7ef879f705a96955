import type { Principal } from '../../../domain/access/roles';
import type { AuditEntry } from '../../../domain/audit/audit';
import type { Product } from '../../../domain/catalogue/products';
import type { Client } from '../../../domain/clients/client';
import type { CrmEvent, EventStatus } from '../../../domain/events/event';
import type { Opportunity } from '../../../domain/pipeline/opportunity';
import type { StageTransition } from '../../../domain/pipeline/stage-change';
import type { StagesConfig } from '../../../domain/pipeline/stages';
import type { Staff } from '../../../domain/staff/staff';
import type { TenantSettings } from '../../../domain/tenants/tenant';
import type { IdentityProvider } from '../identity/identity-provider';
import type { MediaStore } from '../media/media-store';

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
}

/** The client, its opportunities and their events, as the 360 view reads them. */
export interface ClientPartition {
  client?: StoredClient;
  opportunities: Opportunity[];
  events: CrmEvent[];
}

/** What a use case needs to know of its tenant. */
export interface TenantConfig {
  settings: TenantSettings;
  products: Versioned<Product[]>;
  stages: Versioned<StagesConfig>;
}

export interface ClientsStore {
  get(tenantId: string, clientId: string): Promise<StoredClient | undefined>;
  /** 409 `duplicate_client` naming the holder when a unique contact point is taken. */
  create(tenantId: string, client: Client, audit: AuditEntry): Promise<void>;
  /** Replaces the client if it is still at `before.version` (409 otherwise). */
  update(tenantId: string, before: Client, after: Client, audit: AuditEntry): Promise<void>;
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
  saveEvent(tenantId: string, e: CrmEvent, expectedVersion: number, extra: { audit: AuditEntry[]; created?: CrmEvent; requireOpen: boolean }): Promise<void>;
  stageHistory(tenantId: string, opportunityId: string): Promise<StageTransition[]>;
  /** Audit entries of a client's partition, newest first. */
  clientAudit(tenantId: string, clientId: string, q: AuditQuery): Promise<Page<AuditEntry>>;
  /** Opportunities a subject (staff id or partner subject) is linked to, or (subject omitted) the tenant's. */
  listOpportunities(tenantId: string, q: PageRequest & { subject?: string; stage?: string }): Promise<Page<Opportunity>>;
  listEvents(tenantId: string, q: PageRequest & { assignee?: string; status: EventStatus; from?: string; to?: string }): Promise<Page<CrmEvent>>;
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

export interface TenantsStore {
  /** Undefined when the tenant was never provisioned. */
  config(tenantId: string): Promise<TenantConfig | undefined>;
  /** Replaces a configuration document if unchanged since `expectedVersion`; returns the new version. */
  putConfig(tenantId: string, name: 'PRODUCTS' | 'STAGES', value: unknown, expectedVersion: number, audit: AuditEntry): Promise<number>;
  /** Creates the tenant with its catalogue and first staff; false (nothing written) when it exists. */
  provision(settings: TenantSettings, products: readonly Product[], staff: readonly Staff[], audit: AuditEntry): Promise<boolean>;
}

/** Runs `execute` once per idempotency key (the response replayed for a repeat), failing on a reused key with another body. */
export type Idempotency = (
  request: { who: Principal; path: string; key: string; body: unknown; remainingMs?: () => number },
  execute: () => Promise<{ status?: number; body?: unknown; headers?: Record<string, string> }>,
) => Promise<{ status?: number; body?: unknown; headers?: Record<string, string> }>;

/** Everything a use case may reach. */
export interface Services {
  clients: ClientsStore;
  pipeline: PipelineStore;
  staff: StaffStore;
  tenants: TenantsStore;
  identity: IdentityProvider;
  media: MediaStore;
}
