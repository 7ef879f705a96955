import type { CountryCode } from 'libphonenumber-js/max';
import { normaliseEmail, normalisePhone, type ClientInput } from '../../../domain/clients/client';
import { Pincode } from '../../../domain/clients/gstin';
import { DomainError } from '../../../domain/errors';
import { eligible, leastLoaded, roundRobin, ruleFor, type AssignmentConfig, type LeadFacts } from '../../../domain/integrations/assignment';
import type { LeadRecord } from '../../../domain/integrations/canonical';
import type { Connection, RecordOutcome } from '../../../domain/integrations/connection';
import { refDigest } from '../../../domain/integrations/records';
import { derivedIds } from '../ids';
import { isOpen, type Opportunity } from '../../../domain/pipeline/opportunity';
import { createClient, visibleClient } from './clients';
import { retryLostRace, tenantConfig, type UseCaseContext } from './context';
import { addEvent } from './events';
import { createOpportunity } from './opportunities';

/**
 * A lead from a lead source (DESIGN §9): found among the clients by phone or email (the dedup
 * rules), or made one; a Lead opportunity for the form's product, owned by whom the assignment
 * rules say — or, when the client already has that deal open, that deal refreshed instead of a
 * duplicate; and a pending first-response Call due within the tenant's first-response time.
 * A lead delivered twice is one lead (its source id, per connection).
 */
export async function applyLead(ctx: UseCaseContext, conn: Connection, r: LeadRecord, deliveryId: string): Promise<RecordOutcome> {
  const base = { type: r.type, externalId: r.externalId };
  const digest = refDigest(r.externalId);
  const taken = await ctx.services.integrations.getLeadRef(ctx.actor.tenantId, conn.id, digest);
  if (taken) return { ...base, outcome: 'unchanged', clientId: taken.clientId, opportunityId: taken.opportunityId };
  const config = await tenantConfig(ctx);
  const productId = r.data.productId ?? (conn.settings.productId as string | undefined) ?? (conn.settings.defaultProductId as string | undefined);
  const product = config.products.value.find((p) => p.id === productId && p.active);
  if (!product) return { ...base, outcome: 'failed', message: productId ? `${productId} is not an active product of the catalogue: fix the connection's product and replay.` : "The lead names no product and the connection has no default: set the form's product and replay." };
  const rules = config.assignment.value;
  if (!rules) return { ...base, outcome: 'failed', message: 'No assignment rules: PUT /v1/config/assignment (at least a default owner), then replay this delivery.' };
  const country = config.settings.defaultPhoneCountry as CountryCode;
  const phone = r.data.mobile === undefined ? undefined : normalisePhone('mobile', r.data.mobile, country);
  if (!phone?.ok) return { ...base, outcome: 'failed', message: r.data.mobile ? `${r.data.mobile} is not a phone number.` : 'The lead has no phone number; a client needs one.' };
  const source = { channel: conn.provider, connectionId: conn.id, externalId: r.externalId, arrivedAt: r.data.receivedAt };

  return retryLostRace(
    async () => {
      // A known client: by phone, then email.
      const known =
        (await ctx.services.clients.lookup(ctx.actor.tenantId, { on: 'mobile', value: phone.value })) ??
        (r.data.email ? await ctx.services.clients.lookup(ctx.actor.tenantId, { on: 'email', value: normaliseEmail(r.data.email) }) : undefined);
      const clientId = known ? (await visibleClient(ctx, known, 'client:read')).client.id : await newLeadClient(ctx, r, phone.value);
      const open = known ? (await ctx.services.pipeline.clientOpportunities(ctx.actor.tenantId, clientId)).find((o) => o.productId === product.id && isOpen(o)) : undefined;
      const { opportunity, rule, refreshed } = open ? { opportunity: open, rule: 'existing opportunity', refreshed: true } : await newLeadOpportunity(ctx, clientId, product.id, rules, conn, r, source);
      const call = await firstResponseCall(ctx, opportunity, rules, r, conn, rule);
      if (!call.created) {
        await ctx.services.integrations.putLeadRef(ctx.actor.tenantId, conn.id, digest, { externalId: r.externalId, clientId, opportunityId: opportunity.id, eventId: call.id, assignedTo: opportunity.assignedTo, receivedAt: r.data.receivedAt, deliveryId });
        return { ...base, outcome: 'unchanged', clientId, opportunityId: opportunity.id, message: `repeat lead: the open ${product.id} opportunity already has a first-response call due this hour` };
      }
      await ctx.services.integrations.putLeadRef(ctx.actor.tenantId, conn.id, digest, { externalId: r.externalId, clientId, opportunityId: opportunity.id, eventId: call.id, assignedTo: opportunity.assignedTo, receivedAt: r.data.receivedAt, deliveryId });
      return {
        ...base,
        outcome: known ? 'updated' : 'created',
        clientId,
        opportunityId: opportunity.id,
        message: refreshed ? `repeat lead: the open ${product.id} opportunity (${opportunity.assignedTo}) gets a first-response call` : `assigned to ${opportunity.assignedTo} (${rule})`,
      };
    },
    5,
    ['concurrent_update', 'transaction_conflict', 'duplicate_client', 'open_opportunity_exists'],
  );
}

async function newLeadClient(ctx: UseCaseContext, r: LeadRecord, mobile: string): Promise<string> {
  const d = r.data;
  const pincode = d.pincode === undefined ? undefined : Pincode.safeParse(d.pincode);
  const input: ClientInput = {
    companyName: d.companyName ?? d.ownerName ?? `Lead ${mobile}`,
    ownerName: d.ownerName ?? d.companyName ?? `Lead ${mobile}`,
    mobile,
    ...(d.email && { email: d.email }),
    ...(d.city && { city: d.city }),
    ...(pincode?.success && { pincode: pincode.data }),
  };
  return (await createClient(ctx, input)).client.id;
}

/** The owner the rules pick, and the opportunity made for them (the rule that chose them in its audit). */
async function newLeadOpportunity(ctx: UseCaseContext, clientId: string, productId: string, config: AssignmentConfig, conn: Connection, r: LeadRecord, source: NonNullable<Opportunity['source']>) {
  const { owner, rule } = await assign(ctx, config, { source: conn.provider, connectionId: conn.id, productId, city: r.data.city, pincode: r.data.pincode });
  const audited = { ...ctx, auditExtras: { ...ctx.auditExtras, rule } };
  const opportunity = await createOpportunity(audited, clientId, { productId, assignedTo: owner, stage: 'Lead', coSalespersons: [], warriors: [] }, { source });
  return { opportunity, rule, refreshed: false };
}

/**
 * The lead's first-response call. Its id is derived from the deal and the hour, so however many
 * times one person submits in an hour (a double-click, a bot that knows a phone number), their
 * deal gets one call, not one each: the second write finds the first (`created: false`).
 */
async function firstResponseCall(ctx: UseCaseContext, o: Opportunity, config: AssignmentConfig, r: LeadRecord, conn: Connection, rule: string): Promise<{ id: string; created: boolean }> {
  // Due within the first-response time of the lead's arrival — or of now, for a lead that reaches us late (a replay).
  const from = Math.max(Date.parse(r.data.receivedAt), ctx.now.getTime() - config.firstResponseMinutes * 60_000);
  const due = new Date(from + config.firstResponseMinutes * 60_000).toISOString();
  const hour = new Date(Math.floor(ctx.now.getTime() / 3_600_000) * 3_600_000);
  const id = derivedIds(`first-response:${o.id}`, hour).event(o.clientId, 0);
  if (await ctx.services.pipeline.getEvent(ctx.actor.tenantId, id)) return { id, created: false };
  try {
    await addEvent(
      { ...ctx, auditExtras: { ...ctx.auditExtras, rule } },
      o.id,
      { type: 'Call', scheduledAt: due, status: 'Pending', assignee: o.assignedTo, remarks: `First response to a new lead from ${conn.name}: call within ${config.firstResponseMinutes} minutes of its arrival.` },
      { purpose: 'first_response', id },
    );
    return { id, created: true };
  } catch (error) {
    // Written by a concurrent submission of the same person a moment ago.
    if (error instanceof DomainError && error.code === 'concurrent_update' && (await ctx.services.pipeline.getEvent(ctx.actor.tenantId, id))) return { id, created: false };
    throw error;
  }
}

/**
 * Who gets the lead: the first matching rule's strategy over its active sellers; no rule, or none
 * of its staff active → the default owner. Round robin draws a ticket from an atomic counter, so
 * concurrent leads never take the same turn.
 */
export async function assign(ctx: UseCaseContext, config: AssignmentConfig, lead: LeadFacts): Promise<{ owner: string; rule: string }> {
  const hit = ruleFor(config, lead);
  if (hit) {
    const staff = await ctx.services.staff.getMany(ctx.actor.tenantId, hit.rule.staff);
    const people = eligible(hit.rule, staff);
    const name = hit.rule.name ?? `rule ${hit.index + 1}`;
    if (people.length > 0) {
      if (hit.rule.strategy === 'fixed') return { owner: people[0]!, rule: `${name} (fixed)` };
      if (hit.rule.strategy === 'round_robin') {
        const ticket = await ctx.services.integrations.increment(ctx.actor.tenantId, `RR#${(await tenantConfig(ctx)).assignment.version}#${hit.index}`);
        return { owner: roundRobin(people, ticket - 1), rule: `${name} (round robin)` };
      }
      const loads = new Map(await Promise.all(people.map(async (id) => [id, (await ctx.services.pipeline.listOpportunities(ctx.actor.tenantId, { subject: id, stage: 'Lead', limit: 1000 })).items.length] as const)));
      return { owner: leastLoaded(people, loads), rule: `${name} (least loaded)` };
    }
  }
  const owner = await ctx.services.staff.get(ctx.actor.tenantId, config.defaultOwner);
  if (!owner?.active) throw new DomainError('conflict', 'no_owner', `No rule's staff is active and the default owner ${config.defaultOwner} is deactivated: fix /v1/config/assignment and replay.`);
  return { owner: config.defaultOwner, rule: hit ? `${hit.rule.name ?? `rule ${hit.index + 1}`}: nobody active, default owner` : 'default owner' };
}
