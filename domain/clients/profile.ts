import { z } from 'zod';
import type { Invoice } from '../integrations/records';
import type { Product } from '../catalogue/products';
import { CrmEvent } from '../events/event';
import { isOpen, Opportunity } from '../pipeline/opportunity';
import { Stage } from '../pipeline/stages';
import { Client } from './client';

/** Spec §4 client profile (360° view). */
export const ClientProfile = z
  .object({
    client: Client,
    /** Products the client bought: won opportunities, and what an ERP invoiced it with no deal in the CRM (#13). */
    existingProducts: z.array(
      z.object({
        productId: z.string(),
        opportunityId: z.string().optional(),
        dealValue: z.number().int(),
        closedAt: z.string().optional(),
        /** Known from an ERP's invoice, not a won deal. */
        invoice: z.object({ system: z.string(), number: z.string(), date: z.string() }).optional(),
      }),
    ),
    activeOpportunities: z.array(Opportunity),
    leadStageProducts: z.array(z.object({ productId: z.string(), opportunityId: z.string() })),
    /** DESIGN §3: at Visit, or with a Negotiation event pending. */
    closingStageProducts: z.array(z.object({ productId: z.string(), opportunityId: z.string(), stage: Stage })),
    /** Every event of every opportunity, newest first. */
    history: z.array(CrmEvent),
    /** Catalogue products the client lacks, most often owned together with what it has first (then in catalogue order). */
    crossSell: z.array(
      z.object({
        productId: z.string(),
        name: z.string(),
        standardValue: z.number().int(),
        /** The share (0–1) of the tenant's clients owning one of this client's products who also own this one (the highest over its products). */
        score: z.number(),
        reason: z.string(),
        /** The client's product behind the score. */
        ownedWith: z.string().optional(),
      }),
    ),
  })
  .meta({ id: 'ClientProfile' });
export type ClientProfile = z.infer<typeof ClientProfile>;

/** Why a product is suggested: the share of clients owning one of this client's products who also own it. */
export interface CoOwnership {
  score: number;
  ownedWith: string;
}

/**
 * Co-ownership from the tenant's counts (`owned` product, another `product`, clients owning both;
 * `product` = `owned` counts the owners of `owned`): for each product, the highest share over the
 * client's products, and which product gave it.
 */
export function coOwnershipScores(rows: readonly { owned: string; product: string; clients: number }[]): Record<string, CoOwnership> {
  const base = new Map(rows.filter((r) => r.owned === r.product).map((r) => [r.owned, r.clients]));
  const best: Record<string, CoOwnership> = {};
  for (const r of rows) {
    const owners = base.get(r.owned);
    if (r.owned === r.product || !owners) continue;
    const score = Math.round((r.clients / owners) * 10_000) / 10_000;
    const current = best[r.product];
    if (!current || score > current.score || (score === current.score && r.owned < current.ownedWith)) best[r.product] = { score, ownedWith: r.owned };
  }
  return best;
}

const NO_EVIDENCE = 'no client owns it together with this client’s products yet: catalogue order';
const reasonOf = (c: CoOwnership, catalogue: readonly Product[]) => `owned by ${Math.round(c.score * 100)} % of clients with ${catalogue.find((p) => p.id === c.ownedWith)?.name ?? c.ownedWith}`;

/**
 * The 360 view from the client's opportunities and events — all of them, or those the caller sees
 * (the use case decides). `coOwnership` (from analytics) ranks the
 * suggestions; without it, or for products nobody owns together with this client's, they follow
 * the catalogue's order.
 */
export function buildProfile(
  client: Client,
  opportunities: readonly Opportunity[],
  events: readonly CrmEvent[],
  catalogue: readonly Product[],
  coOwnership: Readonly<Record<string, CoOwnership>> = {},
  invoices: readonly Invoice[] = [],
): ClientProfile {
  const won = opportunities.filter((o) => o.outcome === 'Won');
  const open = opportunities.filter(isOpen);
  const negotiating = new Set(events.filter((e) => e.type === 'Negotiation' && e.status === 'Pending').map((e) => e.opportunityId));
  // A product an invoice closed a deal for is that deal's; one invoiced with no deal is the invoice's.
  const wonProducts = new Set(won.map((o) => o.productId));
  const invoiced = invoices.flatMap((inv) =>
    inv.productIds
      .filter((p) => !wonProducts.has(p))
      .map((productId) => ({ productId, dealValue: inv.lines.filter((l) => l.productId === productId).reduce((sum, l) => sum + l.amount, 0), closedAt: inv.createdAt, invoice: { system: inv.system, number: inv.number, date: inv.date } })),
  );
  const held = new Set([...won.map((o) => o.productId), ...open.map((o) => o.productId), ...invoiced.map((i) => i.productId)]);
  const order = (id: string) => catalogue.findIndex((p) => p.id === id);
  return {
    client,
    existingProducts: [...won.map((o) => ({ productId: o.productId, opportunityId: o.id, dealValue: o.dealValue, ...(o.closedAt && { closedAt: o.closedAt }) })), ...invoiced],
    activeOpportunities: open,
    leadStageProducts: open.filter((o) => o.stage === 'Lead').map((o) => ({ productId: o.productId, opportunityId: o.id })),
    closingStageProducts: open
      .filter((o) => o.stage === 'Visit' || negotiating.has(o.id))
      .map((o) => ({ productId: o.productId, opportunityId: o.id, stage: o.stage })),
    history: [...events].sort((a, b) => b.scheduledAt.localeCompare(a.scheduledAt) || b.id.localeCompare(a.id)),
    crossSell: catalogue
      .filter((p) => p.active && !held.has(p.id))
      .map((p) => {
        const c = coOwnership[p.id];
        return { productId: p.id, name: p.name, standardValue: p.standardValue, score: c?.score ?? 0, reason: c ? reasonOf(c, catalogue) : NO_EVIDENCE, ...(c && { ownedWith: c.ownedWith }) };
      })
      .sort((a, b) => b.score - a.score || order(a.productId) - order(b.productId)),
  };
}
