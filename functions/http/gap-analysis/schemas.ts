import { z } from 'zod';
import { Role } from '../../../domain/access/roles';
import { Stage } from '../../../domain/pipeline/stages';
import { PeriodView } from '../dashboards/schemas';

/** GET /v1/gap-analysis/{staffId} (DESIGN §6 "gap"): root causes, each with the figures that triggered it. */
export const GapQuery = z.strictObject({ week: z.string().regex(/^\d{4}-W\d{2}$/, 'must be an ISO week like 2026-W48').optional() });

const Ratio = z.number().meta({ description: 'to 4 places' });
const Paise = z.number().int();

export const Diagnosis = z
  .object({
    code: z.enum(['lead_generation', 'poor_filtering', 'conversion']),
    message: z.string().meta({ description: 'What is wrong and what to do, in words a manager can act on.' }),
    evidence: z.record(z.string(), z.union([z.number(), z.string()])).meta({ description: 'The figures that triggered it (money in paise).' }),
  })
  .meta({ id: 'Diagnosis' });

const WeekFigures = z.object({
  role: Role,
  leadStage: Stage.meta({ description: 'The first stage the role plans: Lead for sellers, Potential for managers.' }),
  weeklyTarget: Paise.optional(),
  leads: z.object({ count: z.number().int(), value: Paise, advanced: z.number().int().meta({ description: 'How many reached the next stage in the week.' }) }),
  demos: z.number().int(),
  won: z.number().int(),
});

const StaffGap = z.object({ staffId: z.string(), name: z.string(), role: Role, figures: WeekFigures, diagnoses: z.array(Diagnosis) });

export const GapReport = StaffGap.extend({
  week: z.string(),
  period: PeriodView,
  currency: z.string(),
  asOf: z.string(),
  thresholds: z.object({ leadCoveragePercent: z.number(), minimumLeads: z.number().int(), minimumDemos: z.number().int(), marginPoints: z.number() }),
  team: z
    .object({
      rollUp: z.object({
        members: z.number().int(),
        diagnosed: z.object({ lead_generation: z.number().int(), poor_filtering: z.number().int(), conversion: z.number().int() }),
        leadValue: Paise,
        leadRequired: Paise,
        leadCoverage: Ratio,
        demos: z.number().int(),
        won: z.number().int(),
      }),
      members: z.array(StaffGap),
    })
    .optional(),
}).meta({ id: 'GapReport' });
