import { describe, expect, it } from 'vitest';
import { productMix } from './product-mix';
import { seedProducts } from './products';

const rupees = (r: number) => r * 100;
const opts = { threshold: rupees(50_000), lowTicketLimit: 70 };

describe('product mix (spec §16)', () => {
  it('shares revenue by product, largest first, and splits high from low value at the threshold', () => {
    const mix = productMix(
      [
        { productId: 'website', revenue: rupees(45_000), highValueRevenue: 0, deals: 3 },
        { productId: 'nbfc-mscs', revenue: rupees(1_00_000), highValueRevenue: rupees(1_00_000), deals: 1 },
        { productId: 'kml', revenue: rupees(5_000), highValueRevenue: 0, deals: 1 },
      ],
      seedProducts,
      opts,
    );
    expect(mix).toEqual({
      products: [
        { productId: 'nbfc-mscs', name: 'NBFC / MSCS', revenue: rupees(1_00_000), share: 0.6667, deals: 1 },
        { productId: 'website', name: 'Website', revenue: rupees(45_000), share: 0.3, deals: 3 },
        { productId: 'kml', name: 'KML', revenue: rupees(5_000), share: 0.0333, deals: 1 },
      ],
      highValue: { revenue: rupees(1_00_000), share: 0.6667 },
      lowValue: { revenue: rupees(50_000), share: 0.3333 },
      threshold: rupees(50_000),
      lowTicketLimit: 70,
      overLowTicketLimit: false,
      total: rupees(1_50_000),
    });
  });

  it('flags low-ticket revenue above the limit (71 %), not at it (70 %)', () => {
    const at = (low: number) => productMix([{ productId: 'website', revenue: rupees(100), highValueRevenue: rupees(100 - low), deals: 2 }], seedProducts, opts).overLowTicketLimit;
    expect([at(71), at(70)]).toEqual([true, false]);
  });

  it('flags nothing without revenue', () => {
    expect(productMix([], seedProducts, opts)).toMatchObject({ products: [], total: 0, overLowTicketLimit: false, lowValue: { revenue: 0, share: 0 } });
  });
});
