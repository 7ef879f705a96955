import { z } from 'zod';
import { withArticle } from '../access/policy';
import type { Principal } from '../access/roles';
import { Slug } from '../access/roles';
import type { Product } from '../catalogue/products';
import { conflict, invalid } from '../errors';
import { decimal, IsoDate, Money } from '../shared/schemas';
import { CreditRecord } from './credit-split';
import { expectedRevenue } from './money';
import { defaultProbability, Outcome, Stage, stages, type StagesConfig } from './stages';

/** Spec §3 opportunity fields; one product per opportunity (spec §4 core rule). */
/** Percent, kept to 2 places. */
const Probability = decimal(2, 0, 100);

export const OpportunityInput = z.strictObject({
  productId: z.string().min(1).max(40),
  dealValue: Money.optional(),
  closingProbability: Probability.optional(),
  /** New opportunities start at Lead unless the lead arrives already further along (never Closed). */
  stage: Stage.exclude(['Closed']).default('Lead'),
  assignedTo: Slug.optional(),
  expectedCloseDate: IsoDate.optional(),
  coSalespersons: z.array(Slug).max(10).default([]),
  warriors: z.array(Slug).max(10).default([]),
  partnerCompanyId: Slug.optional(),
});
export type OpportunityInput = z.input<typeof OpportunityInput>;

export const OpportunityPatch = z
  .strictObject({
    dealValue: Money,
    /** null puts the probability back on the stage default. */
    closingProbability: Probability.nullable(),
    assignedTo: Slug,
    expectedCloseDate: IsoDate.nullable(),
    coSalespersons: z.array(Slug).max(10),
    /** Warriors a salesperson hands the follow-up to (spec §4). */
    warriors: z.array(Slug).max(10),
    /** The partner company a manager hands the lead to; null takes it back. */
    partnerCompanyId: Slug.nullable(),
  })
  .partial()
  .refine((p) => Object.keys(p).length > 0, { message: 'must change at least one field', when: (ctx) => ctx.issues.length === 0 });
export type OpportunityPatch = z.infer<typeof OpportunityPatch>;

/** An opportunity as stored and shown (DESIGN §6 `opportunity`). Money in paise, `currency` beside it. */
export const Opportunity = z
  .object({
    id: z.string(),
    clientId: z.string(),
    productId: z.string(),
    stage: Stage,
    outcome: Outcome.optional(),
    lostReason: z.string().optional(),
    dealValue: z.number().int(),
    currency: z.string(),
    /** Percent, 0–100. */
    closingProbability: z.number(),
    /** 'stage' follows the stage default; 'manual' was set by hand and is kept across stage changes. */
    probabilitySource: z.enum(['stage', 'manual']),
    /** Deal value × closing probability, paise. */
    expectedRevenue: z.number().int(),
    assignedTo: z.string(),
    /** The creator; never changes. */
    leadOwner: z.string(),
    /** Set when won. */
    closingOwner: z.string().optional(),
    coSalespersons: z.array(z.string()),
    warriors: z.array(z.string()),
    partnerCompanyId: z.string().optional(),
    expectedCloseDate: z.string().optional(),
    /** Every stage reached or passed, once each, in pipeline order (funnel metrics count these). */
    stagesReached: z.array(Stage),
    /** The credit split of a won deal: shares totalling 100 %, amounts totalling the deal value. */
    credit: z.array(CreditRecord).optional(),
    closedAt: z.string().optional(),
    /** When it entered its current stage (pipeline health: how long a deal sits in a stage). */
    stageChangedAt: z.string().optional(),
    /** A lead from a lead source (#13): where it came from and when it arrived (the first-response clock). */
    source: z.object({ channel: z.string(), connectionId: z.string(), externalId: z.string(), arrivedAt: z.string() }).optional(),
    createdAt: z.string(),
    /** Who made the last change (absent only on data written before it was recorded). */
    updatedBy: z.string().optional(),
    updatedAt: z.string(),
    version: z.number().int().positive(),
  })
  .meta({ id: 'Opportunity' });
export type Opportunity = z.infer<typeof Opportunity>;

export const isOpen = (o: Pick<Opportunity, 'stage'>) => o.stage !== 'Closed';

export function assertOpen(o: Opportunity): void {
  if (!isOpen(o)) throw conflict('opportunity_closed', `Opportunity ${o.id} is closed (${o.outcome}); it can no longer change.`);
}

export interface OpportunityContext {
  id: string;
  clientId: string;
  actor: Principal;
  now: Date;
  product: Product | undefined;
  stagesConfig: StagesConfig;
  currency: string;
  source?: Opportunity['source'];
}

export function newOpportunity(input: z.infer<typeof OpportunityInput>, ctx: OpportunityContext): Opportunity {
  if (!ctx.product || !ctx.product.active) {
    throw invalid([{ field: 'body.productId', code: 'unknown_product', message: `is not a product of the catalogue` }]);
  }
  // The creator carries the lead by default, unless they do not sell (a tenant admin): then they name who does.
  if (input.assignedTo === undefined && !(sellingRoles as readonly string[]).includes(ctx.actor.role)) {
    throw invalid([{ field: 'body.assignedTo', code: 'required', message: `is required: ${withArticle(ctx.actor.role).toLowerCase()} does not carry opportunities` }]);
  }
  const manual = input.closingProbability !== undefined;
  const closingProbability = input.closingProbability ?? defaultProbability(ctx.stagesConfig, input.stage);
  const dealValue = input.dealValue ?? ctx.product.standardValue;
  const at = ctx.now.toISOString();
  return {
    id: ctx.id,
    clientId: ctx.clientId,
    productId: ctx.product.id,
    stage: input.stage,
    dealValue,
    currency: ctx.currency,
    closingProbability,
    probabilitySource: manual ? 'manual' : 'stage',
    expectedRevenue: expectedRevenue(dealValue, closingProbability),
    assignedTo: input.assignedTo ?? ctx.actor.staffId,
    // The lead owner takes half the credit of a win: someone who sells. An admin entering a lead
    // for a salesperson enters it in their name.
    leadOwner: (sellingRoles as readonly string[]).includes(ctx.actor.role) ? ctx.actor.staffId : input.assignedTo!,
    coSalespersons: [...new Set(input.coSalespersons)],
    warriors: [...new Set(input.warriors)],
    ...(input.partnerCompanyId && { partnerCompanyId: input.partnerCompanyId }),
    ...(input.expectedCloseDate && { expectedCloseDate: input.expectedCloseDate }),
    // A lead that arrives at Demo has passed Lead, Qualified and Potential on the way.
    stagesReached: stages.slice(0, stages.indexOf(input.stage) + 1),
    stageChangedAt: at,
    ...(ctx.source && { source: ctx.source }),
    createdAt: at,
    updatedBy: ctx.actor.staffId,
    updatedAt: at,
    version: 1,
  };
}

/** Field edits of an open opportunity; the lead owner is immutable (not in the patch schema). */
export function patchOpportunity(o: Opportunity, patch: OpportunityPatch, ctx: { now: Date; actor: Principal; stagesConfig: StagesConfig }): Opportunity {
  assertOpen(o);
  const next: Opportunity = { ...o };
  if (patch.dealValue !== undefined) next.dealValue = patch.dealValue;
  if (patch.closingProbability === null) {
    next.probabilitySource = 'stage';
    next.closingProbability = defaultProbability(ctx.stagesConfig, o.stage);
  } else if (patch.closingProbability !== undefined) {
    next.probabilitySource = 'manual';
    next.closingProbability = patch.closingProbability;
  }
  if (patch.assignedTo !== undefined) next.assignedTo = patch.assignedTo;
  if (patch.expectedCloseDate === null) delete next.expectedCloseDate;
  else if (patch.expectedCloseDate !== undefined) next.expectedCloseDate = patch.expectedCloseDate;
  if (patch.coSalespersons !== undefined) next.coSalespersons = [...new Set(patch.coSalespersons)];
  if (patch.warriors !== undefined) next.warriors = [...new Set(patch.warriors)];
  if (patch.partnerCompanyId === null) delete next.partnerCompanyId;
  else if (patch.partnerCompanyId !== undefined) next.partnerCompanyId = patch.partnerCompanyId;
  next.expectedRevenue = expectedRevenue(next.dealValue, next.closingProbability);
  next.updatedBy = ctx.actor.staffId;
  next.updatedAt = ctx.now.toISOString();
  next.version = o.version + 1;
  return next;
}


/** Roles that may carry an opportunity as assignee or co-salesperson. */
export const sellingRoles = ['tse', 'sales_officer', 'manager', 'asst_manager'] as const;

/**
 * The staff an opportunity names must exist, be active and hold a role that fits:
 * assignee and co-salespersons sell, warriors are warriors.
 */
export function checkAssignees(
  o: { assignedTo?: string; coSalespersons?: readonly string[]; warriors?: readonly string[] },
  staff: ReadonlyMap<string, { role: string; active: boolean }>,
): void {
  const errors: { field: string; code: string; message: string }[] = [];
  const check = (field: string, id: string, roles: readonly string[], what: string) => {
    const s = staff.get(id);
    if (!s || !s.active) errors.push({ field, code: 'unknown_staff', message: `${id} is not an active member of staff` });
    else if (!roles.includes(s.role)) errors.push({ field, code: 'wrong_role', message: `${id} is ${withArticle(s.role).toLowerCase()}, not ${what}` });
  };
  if (o.assignedTo !== undefined) check('body.assignedTo', o.assignedTo, sellingRoles, 'a salesperson');
  o.coSalespersons?.forEach((id, i) => check(`body.coSalespersons.${i}`, id, sellingRoles, 'a salesperson'));
  o.warriors?.forEach((id, i) => check(`body.warriors.${i}`, id, ['warrior'], 'a warrior'));
  if (errors.length > 0) throw invalid(errors);
}
