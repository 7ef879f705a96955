import { z } from 'zod';
import { can, withArticle } from '../access/policy';
import type { Principal } from '../access/roles';
import { Slug } from '../access/roles';
import { DomainError, forbidden, invalid } from '../errors';
import { CreditRecord, creditRecords, defaultSplit } from './credit-split';
import { expectedRevenue } from './money';
import { text } from '../shared/schemas';
import { assertOpen, sellingRoles, type Opportunity } from './opportunity';
import { defaultProbability, Outcome, Stage, stageIndex, stages, stagesPassed, type StagesConfig } from './stages';

/** POST /v1/opportunities/{id}/stage {stage, outcome?, reason?} */
export const StageChangeInput = z.strictObject({
  stage: Stage,
  outcome: Outcome.optional(),
  reason: text({ max: 500 }).optional(),
  /** Who closed a won deal; defaults to the caller, or the assignee when a manager records it. */
  closingOwner: Slug.optional(),
});
export type StageChangeInput = z.infer<typeof StageChangeInput>;

/** An immutable record of one move (DESIGN §3: history is never rewritten). */
export const StageTransition = z
  .object({
    opportunityId: z.string(),
    clientId: z.string(),
    /** The opportunity's version before the move: orders the history. */
    seq: z.number().int(),
    from: Stage,
    to: Stage,
    direction: z.enum(['forward', 'backward']),
    outcome: Outcome.optional(),
    reason: z.string().optional(),
    /** Stages counted for the first time by this move. */
    newlyReached: z.array(Stage),
    by: z.string(),
    at: z.string(),
    /** The opportunity as the move left it: what funnel and revenue facts need, without a second read. */
    productId: z.string().optional(),
    assignedTo: z.string().optional(),
    leadOwner: z.string().optional(),
    currency: z.string().optional(),
    dealValue: z.number().int(),
    expectedRevenue: z.number().int(),
    /** A win: who closed it and the credit split. */
    closingOwner: z.string().optional(),
    credit: z.array(CreditRecord).optional(),
  })
  .meta({ id: 'StageTransition' });
export type StageTransition = z.infer<typeof StageTransition>;

export interface StageChangeContext {
  actor: Principal;
  now: Date;
  stagesConfig: StagesConfig;
  leadOwnerCreditPercent: number;
  /** Closing Won: the staff record of the closing owner (`closerOf`), when there is one. */
  closer?: { role: string; active: boolean };
}

/**
 * Who closed a won deal: the one named, else — a manager or admin recording the win — the
 * assignee, else the seller closing it. Undefined unless the command closes the deal Won.
 */
export function closerOf(o: Opportunity, cmd: Pick<StageChangeInput, 'stage' | 'outcome' | 'closingOwner'>, actor: Principal): string | undefined {
  if (cmd.stage !== 'Closed' || cmd.outcome !== 'Won') return undefined;
  return cmd.closingOwner ?? (can(actor, 'opportunity:correct') ? o.assignedTo : actor.staffId);
}

/**
 * Spec §9 credit: half a won deal goes to its closer, so the closer must be an active salesperson
 * on the deal (assignee, lead owner, co-salesperson). A manager who closed it personally is added
 * as a co-salesperson first.
 */
function checkCloser(o: Opportunity, closer: string, ctx: StageChangeContext): void {
  const field = 'body.closingOwner';
  const onDeal = [o.assignedTo, o.leadOwner, ...o.coSalespersons].includes(closer);
  if (!ctx.closer || !ctx.closer.active) throw invalid([{ field, code: 'unknown_staff', message: `${closer} is not an active member of staff` }]);
  if (!(sellingRoles as readonly string[]).includes(ctx.closer.role)) {
    throw invalid([{ field, code: 'wrong_role', message: `${closer} is ${withArticle(ctx.closer.role).toLowerCase()}, not a salesperson` }]);
  }
  if (!onDeal) throw invalid([{ field, code: 'not_on_opportunity', message: `${closer} is not on this opportunity` }]);
}

export function changeStage(o: Opportunity, cmd: StageChangeInput, ctx: StageChangeContext): { opportunity: Opportunity; transition: StageTransition } {
  assertOpen(o);
  const from = o.stage;
  const to = cmd.stage;
  if (to === from) throw new DomainError('conflict', 'same_stage', `The opportunity is already at ${from}.`);
  const backward = stageIndex(to) < stageIndex(from);
  if (backward) {
    if (!can(ctx.actor, 'opportunity:correct')) throw forbidden('backward_move_forbidden', 'Only managers and admins may move an opportunity backwards.');
    if (!cmd.reason) throw invalid([{ field: 'body.reason', code: 'required', message: 'is required to move an opportunity backwards' }]);
  }
  if (to === 'Closed') {
    if (!can(ctx.actor, 'opportunity:close')) throw forbidden('close_forbidden', `${withArticle(ctx.actor.role)} may not close an opportunity.`);
    if (!cmd.outcome) throw invalid([{ field: 'body.outcome', code: 'required', message: 'is required when closing: Won or Lost' }]);
    if (cmd.outcome === 'Lost' && !cmd.reason) throw invalid([{ field: 'body.reason', code: 'required', message: 'is required when an opportunity is lost' }]);
  } else if (cmd.outcome) {
    throw invalid([{ field: 'body.outcome', code: 'not_applicable', message: 'applies only when the stage is Closed' }]);
  }
  if (cmd.closingOwner && cmd.outcome !== 'Won') {
    throw invalid([{ field: 'body.closingOwner', code: 'not_applicable', message: 'applies only when the deal is won' }]);
  }

  const at = ctx.now.toISOString();
  // A lost deal did not pass the stages between where it was and Closed: losing counts no stage
  // (funnel metrics count only stages really reached). A won deal went through every one of them.
  const lost = to === 'Closed' && cmd.outcome === 'Lost';
  const newlyReached = backward || lost ? [] : stagesPassed(from, to).filter((s) => !o.stagesReached.includes(s));
  const next: Opportunity = {
    ...o,
    stage: to,
    stagesReached: stages.filter((s) => o.stagesReached.includes(s) || newlyReached.includes(s)),
    stageChangedAt: at,
    updatedBy: ctx.actor.staffId,
    updatedAt: at,
    version: o.version + 1,
  };
  if (o.probabilitySource === 'stage') next.closingProbability = defaultProbability(ctx.stagesConfig, to);
  if (to === 'Closed') {
    next.outcome = cmd.outcome;
    next.closedAt = at;
    if (cmd.outcome === 'Won') {
      const closer = closerOf(o, cmd, ctx.actor)!;
      checkCloser(o, closer, ctx);
      next.closingOwner = closer;
      next.closingProbability = 100;
      next.credit = wonCredit(o.dealValue, o.leadOwner, closer, ctx.leadOwnerCreditPercent);
    } else {
      next.lostReason = cmd.reason;
      next.closingProbability = 0;
    }
  }
  next.expectedRevenue = expectedRevenue(next.dealValue, next.closingProbability);
  return {
    opportunity: next,
    transition: {
      opportunityId: o.id,
      clientId: o.clientId,
      seq: o.version,
      from,
      to,
      direction: backward ? 'backward' : 'forward',
      ...(cmd.outcome && { outcome: cmd.outcome }),
      ...(cmd.reason && { reason: cmd.reason }),
      newlyReached,
      by: ctx.actor.staffId,
      at,
      productId: next.productId,
      assignedTo: next.assignedTo,
      leadOwner: next.leadOwner,
      currency: next.currency,
      dealValue: next.dealValue,
      expectedRevenue: next.expectedRevenue,
      ...(next.closingOwner && { closingOwner: next.closingOwner }),
      ...(next.credit && { credit: next.credit }),
    },
  };
}

function wonCredit(dealValue: number, leadOwner: string, closer: string, leadOwnerPercent: number): CreditRecord[] {
  return creditRecords(dealValue, defaultSplit(leadOwner, closer, leadOwnerPercent));
}
