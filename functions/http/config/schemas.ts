import { z } from 'zod';
import { Product } from '../../../domain/catalogue/products';
import { StagesConfig } from '../../../domain/pipeline/stages';
import { DedupRules } from '../../../domain/clients/dedup';
import { AssignmentConfig } from '../../../domain/integrations/assignment';

/** The tenant's catalogue (DESIGN §3 Products): GET shows it, PUT replaces it. */
export const ProductsDocument = z.strictObject({ products: z.array(Product).min(1).max(200) });
/** The stage multipliers (default closing probability = 1 / multiplier). */
export const StagesDocument = z.strictObject({ stages: StagesConfig });
/** What a fuzzy duplicate does (exact matches on phone, email or GSTIN are always refused). */
export const DedupDocument = z.strictObject({ dedup: DedupRules }).meta({ id: 'DedupDocument' });
/** A PUT names the rule: an empty document must not switch `block` off by default. */
export const DedupReplacement = z.strictObject({ dedup: DedupRules.required() });
/** Lead assignment (DESIGN §9 shape): before an admin sets it, no rules and no default owner (version 0). */
export const AssignmentDocument = AssignmentConfig.partial({ defaultOwner: true }).meta({ id: 'AssignmentDocument' });
export { AssignmentConfig as AssignmentReplacement };
