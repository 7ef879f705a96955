import { z } from 'zod';
import type { Product } from '../catalogue/products';
import { CrmEvent } from '../events/event';
import { isOpen, Opportunity } from '../pipeline/opportunity';
import { Stage } from '../pipeline/stages';
import { Client } from './client';

/** Spec §4 client profile (360° view). */
export const ClientProfile = z
  .object({
    client: Client,
    /** Products the client bought: won opportunities. */
    existingProducts: z.array(z.object({ productId: z.string(), opportunityId: z.string(), dealValue: z.number().int(), closedAt: z.string().optional() })),
    activeOpportunities: z.array(Opportunity),
    leadStageProducts: z.array(z.object({ productId: z.string(), opportunityId: z.string() })),
    /** DESIGN §3: at Visit, or with a Negotiation event pending. */
    closingStageProducts: z.array(z.object({ productId: z.string(), opportunityId: z.string(), stage: Stage })),
    /** Every event of every opportunity, newest first. */
    history: z.array(CrmEvent),
    /** Catalogue products the client lacks, most often owned together with what it has first. */
    crossSell: z.array(z.object({ productId: z.string(), name: z.string(), standardValue: z.number().int(), score: z.number() })),
  })
  .meta({ id: 'ClientProfile' });
export type ClientProfile = z.infer<typeof ClientProfile>;

/**
 * The 360 view from one client partition's items. `coOwnership` counts, per product, how many of
 * the tenant's clients own it together with one of this client's products (from analytics);
 * without it, suggestions rank by standard value.
 */
export function buildProfile(
  client: Client,
  opportunities: readonly Opportunity[],
  events: readonly CrmEvent[],
  catalogue: readonly Product[],
  coOwnership: Readonly<Record<string, number>> = {},
): ClientProfile {
  const won = opportunities.filter((o) => o.outcome === 'Won');
  const open = opportunities.filter(isOpen);
  const negotiating = new Set(events.filter((e) => e.type === 'Negotiation' && e.status === 'Pending').map((e) => e.opportunityId));
  const held = new Set([...won, ...open].map((o) => o.productId));
  return {
    client,
    existingProducts: won.map((o) => ({ productId: o.productId, opportunityId: o.id, dealValue: o.dealValue, ...(o.closedAt && { closedAt: o.closedAt }) })),
    activeOpportunities: open,
    leadStageProducts: open.filter((o) => o.stage === 'Lead').map((o) => ({ productId: o.productId, opportunityId: o.id })),
    closingStageProducts: open
      .filter((o) => o.stage === 'Visit' || negotiating.has(o.id))
      .map((o) => ({ productId: o.productId, opportunityId: o.id, stage: o.stage })),
    history: [...events].sort((a, b) => b.scheduledAt.localeCompare(a.scheduledAt) || b.id.localeCompare(a.id)),
    crossSell: catalogue
      .filter((p) => p.active && !held.has(p.id))
      .map((p) => ({ productId: p.id, name: p.name, standardValue: p.standardValue, score: coOwnership[p.id] ?? 0 }))
      .sort((a, b) => b.score - a.score || b.standardValue - a.standardValue || a.productId.localeCompare(b.productId)),
  };
}

/**
 * The 360 view as a caller who sees only some of the client's opportunities gets it (a warrior, a
 * partner, a salesperson, a manager of part of the team): only those opportunities, their products
 * and their events. Cross-sell stays whole: it names catalogue products only.
 */
export function restrictProfile(profile: ClientProfile, visibleOpportunityIds: ReadonlySet<string>): ClientProfile {
  const visible = (x: { opportunityId: string }) => visibleOpportunityIds.has(x.opportunityId);
  return {
    ...profile,
    existingProducts: profile.existingProducts.filter(visible),
    activeOpportunities: profile.activeOpportunities.filter((o) => visibleOpportunityIds.has(o.id)),
    leadStageProducts: profile.leadStageProducts.filter(visible),
    closingStageProducts: profile.closingStageProducts.filter(visible),
    history: profile.history.filter(visible),
  };
}
