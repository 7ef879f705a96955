import type { Principal } from '../../domain/access/roles';
import { opportunityTeam } from '../../domain/access/policy';
import type { AuditEntry } from '../../domain/audit/audit';
import { seedProducts } from '../../domain/catalogue/products';
import type { Client, ClientInput } from '../../domain/clients/client';
import { newClient } from '../../domain/clients/new-client';
import { completeEvent, newEvent, type CrmEvent } from '../../domain/events/event';
import type { Feedback } from '../../domain/events/feedback';
import { newOpportunity, type Opportunity } from '../../domain/pipeline/opportunity';
import { seedStages } from '../../domain/pipeline/stages';
import { ids } from '../../functions/lib/ids';
import { capture, type Command } from './capture';
import { BENCH_STAFF, BENCH_TENANTS, type BenchTenant } from './protocol';

/**
 * Request bodies and the domain objects the use cases would build from them (same domain
 * functions), for the API runs, the raw runs and the fixtures.
 */
export const actorOf = (tenant: BenchTenant): Principal => ({ tenantId: tenant, ...BENCH_STAFF });
export const tenantOf = (n: number): BenchTenant => BENCH_TENANTS[n % BENCH_TENANTS.length]!;
export const products = seedProducts.map((p) => p.id);

/** A client body the way an app sends it: local phone format, mixed-case email (unique per n). */
export const clientInput = (n: number): ClientInput => ({
  companyName: `Bench Traders ${n}`,
  ownerName: 'Anil Kumar',
  mobile: `98${String(n).padStart(8, '0')}`,
  email: `Owner${n}@Bench-Traders.example`,
  address: 'MG Road, Kochi',
  geo: { lat: 9.9816, lng: 76.2999 },
});

export const opportunityInput = (productId: string) => ({ productId, expectedCloseDate: '2026-12-31' });
/** The input after the schema's defaults, as the use case receives it. */
export const parsedOpportunityInput = (productId: string) => ({ ...opportunityInput(productId), stage: 'Lead' as const, coSalespersons: [], warriors: [] });

export type BenchEventType = 'Call' | 'DemoScheduled';
export const eventInput = (type: BenchEventType, n: number) => ({
  type,
  scheduledAt: new Date(Date.UTC(2026, 11, 1, 4, 30) + (n % 10_000) * 60_000).toISOString(),
  remarks: type === 'Call' ? 'Follow-up call about pricing' : 'Product demo at the shop',
});

export const feedback: Feedback = {
  customerFeedback: 'Liked the catalogue and the billing screens',
  requirementDetails: 'Online catalogue with 200 SKUs and WhatsApp ordering',
  suggestions: 'Show gold-rate integration in the next demo',
  budget: 2_500_000,
  expectedClosingTimeline: '2026-12-20',
  competitorInfo: 'A local agency quoted 20% lower',
  staffRemarks: 'Decision maker present; positive',
  customerCommitments: 'Will share product photos by Friday',
};
export const completeInput = (type: BenchEventType) => (type === 'DemoScheduled' ? { remarks: 'Demo done', feedback } : { remarks: 'Spoke to the owner' });

// ── domain objects, as the use cases build them ──────────────────────────────────────────────

export function buildClient(tenant: BenchTenant, n: number, now = new Date()): Client {
  return newClient(clientInput(n), { id: ids.client(), staffId: actorOf(tenant).staffId, now, defaultCountry: 'IN' });
}

export function buildOpportunity(tenant: BenchTenant, clientId: string, productId: string, now = new Date()): Opportunity {
  return newOpportunity(parsedOpportunityInput(productId), {
    id: ids.opportunity(clientId),
    clientId,
    actor: actorOf(tenant),
    now,
    product: seedProducts.find((p) => p.id === productId),
    stagesConfig: seedStages,
    currency: 'INR',
  });
}

export function buildEvent(tenant: BenchTenant, o: Opportunity | { id: string; clientId: string; productId: string }, type: BenchEventType, n: number, now = new Date()): CrmEvent {
  const actor = actorOf(tenant);
  return newEvent(
    { ...eventInput(type, n), status: 'Pending' },
    { id: ids.event(o.clientId), opportunityId: o.id, clientId: o.clientId, productId: o.productId, actor, now, ...('leadOwner' in o && { assignees: [...opportunityTeam(o), actor.staffId] }) },
  );
}

export function buildCompletion(tenant: BenchTenant, before: CrmEvent, now = new Date()) {
  return completeEvent(before, completeInput(before.type as BenchEventType), { now, actor: actorOf(tenant), newId: () => ids.event(before.clientId) });
}

export const auditEntry = (tenant: BenchTenant, entity: AuditEntry['entity'], entityId: string, action: AuditEntry['action'], before: unknown, after: unknown, now: Date): AuditEntry => ({
  id: ids.audit(),
  entity,
  entityId,
  action,
  actor: actorOf(tenant).staffId,
  actorRole: actorOf(tenant).role,
  at: now.toISOString(),
  ...(before !== undefined && { before }),
  ...(after !== undefined && { after }),
});

// ── pools ─────────────────────────────────────────────────────────────────────────────────────

export interface ClientRef {
  tenant: BenchTenant;
  id: string;
}
export interface OpportunityRef {
  tenant: BenchTenant;
  id: string;
  clientId: string;
  productId: string;
}
export interface EventRef {
  tenant: BenchTenant;
  /** The Pending event as stored. */
  event: CrmEvent;
}

/** A FIFO of fixtures that runs consume; a cursor, so taking is O(1). */
export class Queue<T> {
  private items: T[] = [];
  private head = 0;
  push(...items: T[]) {
    for (const i of items) this.items.push(i);
  }
  take(): T | undefined {
    return this.head < this.items.length ? this.items[this.head++] : undefined;
  }
  get size() {
    return this.items.length - this.head;
  }
}

/** Round-robin over fixtures that runs only read (or can reuse). */
export class Ring<T> {
  readonly items: T[] = [];
  private i = 0;
  push(...items: T[]) {
    for (const x of items) this.items.push(x);
  }
  next(): T | undefined {
    if (this.items.length === 0) return undefined;
    return this.items[this.i++ % this.items.length];
  }
  get size() {
    return this.items.length;
  }
}

// ── fixtures: the repositories' own writes, captured (capture.ts) and loaded untimed ─────────

export interface Fixtures<R> {
  refs: R[];
  commands: Command[];
}

/** Clients as create-client leaves them. */
export async function clientFixtures(tableName: string, count: number, nextN: () => number): Promise<Fixtures<ClientRef>> {
  const refs: ClientRef[] = [];
  const commands: Command[] = [];
  for (let i = 0; i < count; i++) {
    const n = nextN();
    const tenant = tenantOf(n);
    const now = new Date();
    const c = buildClient(tenant, n, now);
    refs.push({ tenant, id: c.id });
    commands.push(...(await capture(tableName, (r) => r.clients.create(tenant, c, auditEntry(tenant, 'client', c.id, 'created', undefined, c, now)))));
  }
  return { refs, commands };
}

/** Opportunities as create-opportunity leaves them, on the given (client, product) slots. */
export async function opportunityFixtures(tableName: string, slots: { tenant: BenchTenant; clientId: string; productId: string }[]): Promise<Fixtures<OpportunityRef>> {
  const refs: OpportunityRef[] = [];
  const commands: Command[] = [];
  for (const slot of slots) {
    const now = new Date();
    const o = buildOpportunity(slot.tenant, slot.clientId, slot.productId, now);
    refs.push({ tenant: slot.tenant, id: o.id, clientId: o.clientId, productId: o.productId });
    commands.push(...(await capture(tableName, (r) => r.pipeline.createOpportunity(slot.tenant, o, auditEntry(slot.tenant, 'opportunity', o.id, 'created', undefined, o, now)))));
  }
  return { refs, commands };
}

/** Pending events as add-event leaves them, round-robin over opportunities so consecutive ones are on different opportunities. */
export async function pendingEventFixtures(tableName: string, count: number, opportunities: Ring<OpportunityRef>, type: BenchEventType, nextN: () => number): Promise<Fixtures<EventRef>> {
  const refs: EventRef[] = [];
  const commands: Command[] = [];
  for (let i = 0; i < count; i++) {
    const o = opportunities.next();
    if (!o) throw new Error('no opportunities to hang events on');
    const now = new Date();
    const e = buildEvent(o.tenant, o, type, nextN(), now);
    refs.push({ tenant: o.tenant, event: e });
    commands.push(...(await capture(tableName, (r) => r.pipeline.createEvent(o.tenant, e, auditEntry(o.tenant, 'event', e.id, 'created', undefined, e, now)))));
  }
  return { refs, commands };
}

/**
 * Clients with a typical 360 view: three open opportunities (Lead, Demo, Visit) with, on each, a
 * completed demo (the scheduled event and its Demo Completed record with feedback) and a pending
 * call: 1 client + 3 opportunities + 9 events in the profile range.
 */
export const PROFILE_ITEMS = 13;
export async function profileFixtures(tableName: string, count: number, nextN: () => number): Promise<Fixtures<ClientRef>> {
  const clients = await clientFixtures(tableName, count, nextN);
  const commands = [...clients.commands];
  for (const c of clients.refs) {
    for (const [k, productId] of ['website', 'jewellery', 'kml'].entries()) {
      const now = new Date();
      const o = { ...buildOpportunity(c.tenant, c.id, productId, now), stage: (['Lead', 'Demo', 'Visit'] as const)[k]! };
      const demo = buildEvent(c.tenant, o, 'DemoScheduled', nextN(), now);
      const done = buildCompletion(c.tenant, demo, now);
      const call = buildEvent(c.tenant, o, 'Call', nextN(), now);
      commands.push(
        ...(await capture(tableName, async (r) => {
          await r.pipeline.createOpportunity(c.tenant, o, auditEntry(c.tenant, 'opportunity', o.id, 'created', undefined, o, now));
          await r.pipeline.createEvent(c.tenant, demo, auditEntry(c.tenant, 'event', demo.id, 'created', undefined, demo, now));
          await r.pipeline.saveEvent(c.tenant, done.event, demo.version, { requireOpen: true, created: done.created!, audit: [auditEntry(c.tenant, 'event', demo.id, 'completed', demo, done.event, now)] });
          await r.pipeline.createEvent(c.tenant, call, auditEntry(c.tenant, 'event', call.id, 'created', undefined, call, now));
        })),
      );
    }
  }
  return { refs: clients.refs, commands };
}
