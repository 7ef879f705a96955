import { z } from 'zod';
import { Money, text } from '../shared/schemas';

/** Spec §8 product value structure. Money is integer paise (DESIGN §3). */
export const ProductTier = z.enum(['sales', 'manager']);

export const Product = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'must be a lower-case slug'),
  name: text({ max: 100 }),
  standardValue: Money,
  tier: ProductTier,
  active: z.boolean().default(true),
}).meta({ id: 'Product' });
export type Product = z.infer<typeof Product>;

const rupees = (r: number) => r * 100;

/** The seed catalogue every new tenant starts with. */
export const seedProducts: readonly Product[] = [
  { id: 'website', name: 'Website', standardValue: rupees(15_000), tier: 'sales', active: true },
  { id: 'kml', name: 'KML', standardValue: rupees(20_000), tier: 'sales', active: true },
  { id: 'jewellery', name: 'Jewellery', standardValue: rupees(30_000), tier: 'sales', active: true },
  { id: 'chitty', name: 'Chitty', standardValue: rupees(30_000), tier: 'sales', active: true },
  { id: 'microfinance', name: 'Microfinance', standardValue: rupees(55_000), tier: 'manager', active: true },
  { id: 'nbfc-mscs', name: 'NBFC / MSCS', standardValue: rupees(100_000), tier: 'manager', active: true },
];
