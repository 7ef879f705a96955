import type { Product } from './products';

/**
 * Spec §16 product mix control (DESIGN §3 Products): revenue share per product, and the share of
 * high- against low-value sales, a deal being high-value when its value reaches the tenant's
 * threshold (default ₹50,000); flagged when low-ticket revenue exceeds the tenant's limit
 * (default 70 %), to prevent over-dependence on low-ticket products.
 */
export interface ProductRevenue {
  productId: string;
  /** Paise: revenue (credited share, for a staff member; whole deals, for a team or tenant). */
  revenue: number;
  /** The part of it from deals at or above the threshold. */
  highValueRevenue: number;
  deals: number;
}

export interface ProductMix {
  products: { productId: string; name: string; revenue: number; share: number; deals: number }[];
  highValue: { revenue: number; share: number };
  lowValue: { revenue: number; share: number };
  /** Paise per deal. */
  threshold: number;
  /** Percent. */
  lowTicketLimit: number;
  /** Low-ticket share above the limit. */
  overLowTicketLimit: boolean;
  total: number;
}

const shareOf = (part: number, total: number) => (total === 0 ? 0 : Math.round((part / total) * 10_000) / 10_000);

export function productMix(rows: readonly ProductRevenue[], catalogue: readonly Product[], opts: { threshold: number; lowTicketLimit: number }): ProductMix {
  const total = rows.reduce((s, r) => s + r.revenue, 0);
  const high = rows.reduce((s, r) => s + r.highValueRevenue, 0);
  const name = (id: string) => catalogue.find((p) => p.id === id)?.name ?? id;
  const low = total - high;
  return {
    products: [...rows]
      .filter((r) => r.revenue > 0)
      .sort((a, b) => b.revenue - a.revenue || a.productId.localeCompare(b.productId))
      .map((r) => ({ productId: r.productId, name: name(r.productId), revenue: r.revenue, share: shareOf(r.revenue, total), deals: r.deals })),
    highValue: { revenue: high, share: shareOf(high, total) },
    lowValue: { revenue: low, share: shareOf(low, total) },
    threshold: opts.threshold,
    lowTicketLimit: opts.lowTicketLimit,
    overLowTicketLimit: total > 0 && (low / total) * 100 > opts.lowTicketLimit,
    total,
  };
}
