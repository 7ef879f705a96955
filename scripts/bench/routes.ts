import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CrmEvent } from '../../domain/events/event';
import { capture, captureOne, loadFixtures, type Command } from './capture';
import {
  auditEntry,
  buildClient,
  buildCompletion,
  buildEvent,
  buildOpportunity,
  clientFixtures,
  clientInput,
  completeInput,
  eventInput,
  opportunityFixtures,
  opportunityInput,
  pendingEventFixtures,
  products,
  PROFILE_ITEMS,
  profileFixtures,
  Queue,
  Ring,
  tenantOf,
  type BenchEventType,
  type ClientRef,
  type EventRef,
  type OpportunityRef,
} from './fixtures';
import { HttpError, type HttpClient, type Job } from './load';
import type { BenchTenant } from './protocol';

/**
 * The benchmarked routes. Each has an API job (one HTTP request to the server child) and a raw job:
 * the DynamoDB calls that route's use case (functions/lib/use-cases/*.ts) makes through the
 * repositories, captured from the repositories themselves (capture.ts) and replayed from the load
 * generator straight to DynamoDB Local, in the use case's order, through the same SDK configuration.
 */
export interface BenchContext {
  /** The HTTP client of the current run (a fresh keep-alive pool per run). */
  http(): HttpClient;
  tokens: Record<BenchTenant, string>;
  /** DynamoDB client of the raw runs (functions/lib/store/dynamo.ts configuration). */
  db: DynamoDBDocumentClient;
  /** DynamoDB client for untimed fixture loading. */
  fixturesDb: DynamoDBDocumentClient;
  tableName: string;
  /** A counter for unique phones, emails and names. */
  nextN(): number;
  pools: Pools;
}

export interface Pools {
  /** Every client created so far (by either kind of run). */
  clients: Ring<ClientRef>;
  /** How many of `clients` were already turned into slots. */
  offeredClients: number;
  /** Free (client, product) pairs for create-opportunity, product-major so concurrent requests hit different clients. */
  slots: Queue<{ tenant: BenchTenant; clientId: string; productId: string }>;
  opportunities: Ring<OpportunityRef>;
  pending: Record<BenchEventType, Queue<EventRef>>;
  profiles: Ring<ClientRef>;
}

export const newPools = (): Pools => ({
  clients: new Ring(),
  offeredClients: 0,
  slots: new Queue(),
  opportunities: new Ring(),
  pending: { Call: new Queue(), DemoScheduled: new Queue() },
  profiles: new Ring(),
});

export interface RouteBench {
  name: string;
  route: string;
  /** The DynamoDB calls of one request, in order ("a ‖ b": sent concurrently), as read in the use case. */
  calls: string;
  /** Tops up the fixtures a run of up to `need` requests consumes (untimed). */
  prepare?(ctx: BenchContext, need: number): Promise<void>;
  api(ctx: BenchContext): Job | undefined;
  raw(ctx: BenchContext): Promise<Job | undefined>;
}

const auth = (ctx: BenchContext, tenant: BenchTenant) => ({ authorization: `Bearer ${ctx.tokens[tenant]}` });

async function expectStatus(p: Promise<{ status: number; text: string }>, status: number): Promise<string> {
  const res = await p;
  if (res.status !== status) throw new HttpError(res.status, res.text);
  return res.text;
}

const send = (ctx: BenchContext, c: Command) => ctx.db.send(c);

/** A raw step that sends the one command a repository read makes. */
const read = (ctx: BenchContext, fn: Parameters<typeof captureOne>[1]) => captureOne(ctx.tableName, fn);

// ── fixtures ─────────────────────────────────────────────────────────────────────────────────

/** At least `need` free (client, product) slots; fresh clients give 6 each. */
async function ensureSlots(ctx: BenchContext, need: number): Promise<void> {
  if (ctx.pools.slots.size >= need) return;
  let fresh = ctx.pools.clients.items.slice(ctx.pools.offeredClients);
  const missing = Math.ceil((need - ctx.pools.slots.size) / products.length) - fresh.length;
  if (missing > 0) {
    const { refs, commands } = await clientFixtures(ctx.tableName, Math.max(missing, 200), ctx.nextN);
    await loadFixtures(ctx.fixturesDb, ctx.tableName, commands);
    ctx.pools.clients.push(...refs);
    fresh = ctx.pools.clients.items.slice(ctx.pools.offeredClients);
  }
  ctx.pools.offeredClients = ctx.pools.clients.items.length;
  // Product-major: concurrent requests take slots of different clients (each touches its client item).
  for (const productId of products) for (const c of fresh) ctx.pools.slots.push({ tenant: c.tenant, clientId: c.id, productId });
}

/** At least `want` open opportunities, spread over many clients so no two concurrent requests touch the same one. */
async function ensureOpportunities(ctx: BenchContext, want: number): Promise<void> {
  if (ctx.pools.opportunities.size >= want) return;
  await ensureSlots(ctx, want - ctx.pools.opportunities.size);
  const slots = [];
  for (let i = ctx.pools.opportunities.size; i < want; i++) {
    const slot = ctx.pools.slots.take();
    if (!slot) break;
    slots.push(slot);
  }
  const { refs, commands } = await opportunityFixtures(ctx.tableName, slots);
  await loadFixtures(ctx.fixturesDb, ctx.tableName, commands);
  ctx.pools.opportunities.push(...refs);
}

// ── routes ───────────────────────────────────────────────────────────────────────────────────

const createClient: RouteBench = {
  name: 'create-client',
  route: 'POST /v1/clients',
  calls: 'Query per fuzzy duplicate key → TransactWriteItems(client, phone, email, name, fuzzy keys, audit) (tenant config: reused 10 s)',
  api(ctx) {
    const n = ctx.nextN();
    const tenant = tenantOf(n);
    const body = JSON.stringify(clientInput(n));
    const headers = auth(ctx, tenant);
    return {
      run: async () => {
        const text = await expectStatus(ctx.http().send('POST', '/v1/clients', headers, body), 201);
        ctx.pools.clients.push({ tenant, id: (JSON.parse(text) as { id: string }).id });
      },
    };
  },
  async raw(ctx) {
    const n = ctx.nextN();
    const tenant = tenantOf(n);
    const now = new Date();
    const c = buildClient(tenant, n, now);
    // use-cases/clients.ts createClient: tenantConfig (the container's copy), the fuzzy duplicate
    // Queries side by side, then clients.create.
    const checks = await capture(ctx.tableName, (r) => r.clients.possibleDuplicates(tenant, c));
    const write = await captureOne(ctx.tableName, (r) => r.clients.create(tenant, c, auditEntry(tenant, 'client', c.id, 'created', undefined, c, now)));
    return {
      run: async () => {
        await Promise.all(checks.map((q) => send(ctx, q)));
        await send(ctx, write);
        ctx.pools.clients.push({ tenant, id: c.id });
      },
    };
  },
};

const createOpportunity: RouteBench = {
  name: 'create-opportunity',
  route: 'POST /v1/clients/{id}/opportunities',
  calls: 'GetItem(client) → TransactWriteItems(open slot, client links, opportunity, audit, memberships) (tenant config: reused 10 s)',
  prepare: ensureSlots,
  api(ctx) {
    const slot = ctx.pools.slots.take();
    if (!slot) return undefined;
    const body = JSON.stringify(opportunityInput(slot.productId));
    const headers = auth(ctx, slot.tenant);
    return {
      run: async () => {
        const text = await expectStatus(ctx.http().send('POST', `/v1/clients/${slot.clientId}/opportunities`, headers, body), 201);
        ctx.pools.opportunities.push({ tenant: slot.tenant, id: (JSON.parse(text) as { id: string }).id, clientId: slot.clientId, productId: slot.productId });
      },
    };
  },
  async raw(ctx) {
    const slot = ctx.pools.slots.take();
    if (!slot) return undefined;
    const { tenant, clientId } = slot;
    const now = new Date();
    const o = buildOpportunity(tenant, clientId, slot.productId, now);
    // use-cases/opportunities.ts createOpportunity: visibleClient ‖ tenantConfig (the container's copy), then pipeline.createOpportunity.
    const client = await read(ctx, (r) => r.clients.get(tenant, clientId));
    const write = await captureOne(ctx.tableName, (r) => r.pipeline.createOpportunity(tenant, o, auditEntry(tenant, 'opportunity', o.id, 'created', undefined, o, now)));
    return {
      run: async () => {
        await send(ctx, client);
        await send(ctx, write);
        ctx.pools.opportunities.push({ tenant, id: o.id, clientId, productId: o.productId });
      },
    };
  },
};

let eventTypeToggle = 0;
const nextEventType = (): BenchEventType => (eventTypeToggle++ % 2 === 0 ? 'Call' : 'DemoScheduled');

const addEvent: RouteBench = {
  name: 'add-event',
  route: 'POST /v1/opportunities/{id}/events',
  calls: 'GetItem(opportunity) → TransactWriteItems(opportunity open check, event, audit)',
  prepare: (ctx) => ensureOpportunities(ctx, 1000),
  api(ctx) {
    const o = ctx.pools.opportunities.next();
    if (!o) return undefined;
    const type = nextEventType();
    const body = JSON.stringify(eventInput(type, ctx.nextN()));
    const headers = auth(ctx, o.tenant);
    return {
      run: async () => {
        const text = await expectStatus(ctx.http().send('POST', `/v1/opportunities/${o.id}/events`, headers, body), 201);
        ctx.pools.pending[type].push({ tenant: o.tenant, event: JSON.parse(text) as CrmEvent });
      },
    };
  },
  async raw(ctx) {
    const o = ctx.pools.opportunities.next();
    if (!o) return undefined;
    const type = nextEventType();
    const now = new Date();
    const e = buildEvent(o.tenant, o, type, ctx.nextN(), now);
    // use-cases/events.ts addEvent: visibleOpportunity, then pipeline.createEvent.
    const get = await read(ctx, (r) => r.pipeline.getOpportunity(o.tenant, o.id));
    const write = await captureOne(ctx.tableName, (r) => r.pipeline.createEvent(o.tenant, e, auditEntry(o.tenant, 'event', e.id, 'created', undefined, e, now)));
    return {
      run: async () => {
        await send(ctx, get);
        await send(ctx, write);
        ctx.pools.pending[type].push({ tenant: o.tenant, event: e });
      },
    };
  },
};

const completeEvent = (type: BenchEventType): RouteBench => ({
  name: type === 'DemoScheduled' ? 'complete-event (demo+feedback)' : 'complete-event (call)',
  route: 'POST /v1/events/{id}/complete',
  calls:
    type === 'DemoScheduled'
      ? 'GetItem(event) → GetItem(opportunity) → TransactWriteItems(open check, event, Demo Completed event, audit ×2)'
      : 'GetItem(event) → GetItem(opportunity) → TransactWriteItems(open check, event, audit)',
  async prepare(ctx, need) {
    const pool = ctx.pools.pending[type];
    if (pool.size >= need) return;
    await ensureOpportunities(ctx, 1000);
    const { refs, commands } = await pendingEventFixtures(ctx.tableName, need - pool.size, ctx.pools.opportunities, type, ctx.nextN);
    await loadFixtures(ctx.fixturesDb, ctx.tableName, commands);
    pool.push(...refs);
  },
  api(ctx) {
    const ref = ctx.pools.pending[type].take();
    if (!ref) return undefined;
    const body = JSON.stringify(completeInput(type));
    const headers = auth(ctx, ref.tenant);
    return { run: async () => void (await expectStatus(ctx.http().send('POST', `/v1/events/${ref.event.id}/complete`, headers, body), 200)) };
  },
  async raw(ctx) {
    const ref = ctx.pools.pending[type].take();
    if (!ref) return undefined;
    const { tenant, event: before } = ref;
    const now = new Date();
    const { event: after, created } = buildCompletion(tenant, before, now);
    const audit = [auditEntry(tenant, 'event', after.id, 'completed', before, after, now), ...(created ? [auditEntry(tenant, 'event', created.id, 'created', undefined, created, now)] : [])];
    // use-cases/events.ts completeEvent: visibleEvent (getEvent, then visibleOpportunity), pipeline.saveEvent.
    const getEvent = await read(ctx, (r) => r.pipeline.getEvent(tenant, before.id));
    const getOpportunity = await read(ctx, (r) => r.pipeline.getOpportunity(tenant, before.opportunityId));
    const write = await captureOne(ctx.tableName, (r) => r.pipeline.saveEvent(tenant, after, before.version, { requireOpen: true, ...(created && { created }), audit }));
    return {
      run: async () => {
        await send(ctx, getEvent);
        await send(ctx, getOpportunity);
        await send(ctx, write);
      },
    };
  },
});

const getProfile: RouteBench = {
  name: 'get-profile',
  route: 'GET /v1/clients/{id}/profile',
  calls: `Query(client partition, ${PROFILE_ITEMS} items) ‖ BatchGetItem(tenant config)`,
  async prepare(ctx) {
    if (ctx.pools.profiles.size > 0) return;
    const { refs, commands } = await profileFixtures(ctx.tableName, 200, ctx.nextN);
    await loadFixtures(ctx.fixturesDb, ctx.tableName, commands);
    ctx.pools.profiles.push(...refs);
  },
  api(ctx) {
    const c = ctx.pools.profiles.next();
    if (!c) return undefined;
    const headers = auth(ctx, c.tenant);
    return { run: async () => void (await expectStatus(ctx.http().send('GET', `/v1/clients/${c.id}/profile`, headers), 200)) };
  },
  async raw(ctx) {
    const c = ctx.pools.profiles.next();
    if (!c) return undefined;
    // use-cases/clients.ts clientProfile: pipeline.clientPartition ‖ tenantConfig (the container's copy).
    const query = await read(ctx, (r) => r.pipeline.clientPartition(c.tenant, c.id));
    return {
      run: async () => {
        const page = (await send(ctx, query)) as { Items?: unknown[]; LastEvaluatedKey?: unknown };
        // The repository pages on; the fixtures fit one page, as the check below makes sure.
        if (page.Items?.length !== PROFILE_ITEMS || page.LastEvaluatedKey) throw new Error(`profile query returned ${page.Items?.length} items, expected ${PROFILE_ITEMS} in one page`);
      },
    };
  },
};

export const routeBenches: readonly RouteBench[] = [createClient, createOpportunity, addEvent, completeEvent('Call'), completeEvent('DemoScheduled'), getProfile];
