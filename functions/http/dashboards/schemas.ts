import { z } from 'zod';
import { Slug } from '../../../domain/access/roles';
import { Stage } from '../../../domain/pipeline/stages';
import { IsoDate } from '../../../domain/shared/schemas';
import { ActivityMetric } from '../../../domain/targets/targets';
import { PeriodKind } from '../../../domain/targets/periods';

/**
 * The dashboards' query and answers (DESIGN §6 "Names client apps rely on"). Money is integer
 * paise with `currency` beside it, and a `display` of each amount in Indian short form (₹2 Cr).
 */

const flag = z.enum(['0', '1', 'true', 'false']).transform((v) => v === '1' || v === 'true');

export const PeriodQuery = z.strictObject({
  period: PeriodKind.default('week'),
  date: IsoDate.optional(),
  explain: flag.optional(),
});

export const EventsQuery = PeriodQuery.omit({ explain: true }).extend({ staffId: Slug.optional() });
export const PipelineQuery = z.strictObject({ week: z.string().regex(/^\d{4}-W\d{2}$/, 'must be an ISO week like 2026-W48').optional() });

const Ratio = z.number().meta({ description: 'to 4 places' });
const Paise = z.number().int();

export const PeriodView = z
  .object({ kind: PeriodKind, from: z.string(), to: z.string(), start: z.string(), end: z.string() })
  .meta({ id: 'Period', description: 'Local calendar days from–to (tenant time zone); facts counted in [start, end) UTC.' });

export const ActivityFigure = z
  .object({ metric: ActivityMetric, target: z.number().nullable(), due: z.number().nullable(), achieved: z.number().int() })
  .meta({ id: 'ActivityFigure', description: 'target: the whole period (null: no target for the role); due: pro-rata by now.' });

export const RevenueFigure = z
  .object({ target: Paise.nullable(), due: Paise.nullable(), achieved: Paise, display: z.object({ target: z.string().nullable(), achieved: z.string() }) })
  .meta({ id: 'RevenueFigure' });

export const PipelineStage = z
  .object({
    stage: Stage,
    multiplier: z.number(),
    required: Paise,
    actual: Paise,
    coverage: Ratio,
    shortfall: Paise,
    display: z.object({ required: z.string(), actual: z.string(), shortfall: z.string() }),
  })
  .meta({ id: 'PipelineStage' });

export const Conversion = z
  .object({ from: z.string(), to: z.string(), ratio: Ratio.nullable(), assumption: Ratio, numerator: z.number().int(), denominator: z.number().int() })
  .meta({ id: 'Conversion', description: 'numerator ÷ denominator in the period; the seed’s assumption beside it.' });

export const ProductMix = z
  .object({
    products: z.array(z.object({ productId: z.string(), name: z.string(), revenue: Paise, share: Ratio, deals: z.number().int() })),
    highValue: z.object({ revenue: Paise, share: Ratio }),
    lowValue: z.object({ revenue: Paise, share: Ratio }),
    threshold: Paise,
    lowTicketLimit: z.number(),
    overLowTicketLimit: z.boolean(),
    total: Paise,
  })
  .meta({ id: 'ProductMix' });

export const TargetGap = z
  .object({ metric: z.union([ActivityMetric, z.literal('revenue')]), target: z.number(), due: z.number(), achieved: z.number(), ratio: Ratio })
  .meta({ id: 'TargetGap' });

const LeadResponseCounts = {
  leads: z.number().int(),
  responded: z.number().int(),
  withinSla: z.number().int(),
  breached: z.number().int(),
  medianMinutes: z.number().nullable(),
  p90Minutes: z.number().nullable(),
};
export const LeadResponse = z.object({ ...LeadResponseCounts, slaMinutes: z.number().int() }).meta({
  id: 'LeadResponse',
  description:
    'Leads from lead sources that arrived in the period (by their assignee on arrival), timed from arrival to the first follow-up completed on their deal (any type). withinSla: answered within slaMinutes (the tenant’s first-response time); breached: answered late, or not yet and past it now; the rest are still inside it. medianMinutes, p90Minutes: over the answered leads, interpolated, to 0.1 (null when none was answered).',
});
const ManagerLeadResponse = LeadResponse.extend({ byStaff: z.array(z.object({ staffId: z.string(), ...LeadResponseCounts })) });

const FactRef = z.object({ opportunityId: z.string(), eventId: z.string().optional(), at: z.string().optional(), amount: Paise.optional() });
const Explained = z.object({ facts: z.array(FactRef), hidden: z.number().int(), truncated: z.boolean() });
export const Explanation = z
  .object({
    calls: Explained,
    qualified: Explained,
    potential: Explained,
    demos: Explained,
    visits: Explained,
    revenue: Explained,
    demo: Explained,
    won: Explained,
    missed: Explained,
    pipeline: Explained,
  })
  .partial()
  .meta({ id: 'Explanation', description: 'The facts behind each figure: ids you may open; `hidden` counts the ones you may not.' });

export const StaffDashboard = z
  .object({
    staffId: z.string(),
    role: z.string(),
    period: PeriodView,
    currency: z.string(),
    asOf: z.string(),
    activity: z.array(ActivityFigure),
    revenue: RevenueFigure,
    pipeline: z.array(PipelineStage),
    conversion: z.array(Conversion),
    productMix: ProductMix,
    tasks: z.object({ pending: z.number().int(), completed: z.number().int() }),
    behind: z.array(TargetGap),
    leadResponse: LeadResponse,
    explain: Explanation.optional(),
  })
  .meta({ id: 'StaffDashboard' });

const OpenDeal = z.object({ opportunityId: z.string(), assignedTo: z.string(), stage: Stage, dealValue: Paise, since: z.string() });
const DealList = z.object({ count: z.number().int(), deals: z.array(OpenDeal) });

export const ManagerDashboard = z
  .object({
    staffId: z.string(),
    role: z.string(),
    period: PeriodView,
    currency: z.string(),
    asOf: z.string(),
    team: z.array(
      z.object({
        staffId: z.string(),
        name: z.string(),
        role: z.string(),
        activity: z.array(ActivityFigure),
        revenue: RevenueFigure,
        coverage: z.object({ stage: Stage, coverage: Ratio }).nullable(),
        conversion: z.array(Conversion),
      }),
    ),
    pipelineHealth: z.object({
      stages: z.array(z.object({ stage: Stage, required: Paise, actual: Paise, coverage: Ratio, display: z.object({ required: z.string(), actual: z.string() }) })),
      noNextStep: DealList,
      staleDays: z.number().int(),
      stale: DealList,
    }),
    missedFollowUps: z.object({ total: z.number().int(), byStaff: z.array(z.object({ staffId: z.string(), missed: z.number().int() })) }),
    underperforming: z.array(z.object({ staffId: z.string(), reasons: z.array(TargetGap.extend({ text: z.string() })) })),
    conversion: z.array(Conversion),
    productMix: ProductMix,
    leadResponse: ManagerLeadResponse,
  })
  .meta({ id: 'ManagerDashboard' });

const Three = z.object({ scheduled: z.number().int(), completed: z.number().int(), missed: z.number().int() });
const Two = z.object({ scheduled: z.number().int(), completed: z.number().int() });
const EventFigures = z.object({ demos: Two, visits: Two, calls: Three, messages: Three, quotes: z.object({ completed: z.number().int() }), negotiations: Three });

export const EventsDashboard = z
  .object({
    staffId: z.string().nullable(),
    period: PeriodView,
    asOf: z.string(),
    team: EventFigures,
    staff: z.array(EventFigures.extend({ staffId: z.string() })),
  })
  .meta({ id: 'EventsDashboard' });

export const TenantDashboard = z
  .object({
    period: PeriodView,
    currency: z.string(),
    asOf: z.string(),
    activity: z.array(z.object({ metric: ActivityMetric, achieved: z.number().int() })),
    revenue: z.object({ achieved: Paise, display: z.string() }),
    pipeline: z.array(z.object({ stage: Stage, actual: Paise, display: z.string() })),
    conversion: z.array(Conversion),
    productMix: ProductMix,
    leadResponse: LeadResponse,
  })
  .meta({ id: 'TenantDashboard' });

const TeamStage = z.object({ stage: Stage, required: Paise, actual: Paise, coverage: Ratio, shortfall: Paise, display: z.object({ required: z.string(), actual: z.string(), shortfall: z.string() }) });

export const PipelineView = z
  .object({
    staffId: z.string(),
    role: z.string(),
    week: z.string(),
    target: Paise.nullable(),
    currency: z.string(),
    asOf: z.string(),
    stages: z.array(PipelineStage),
    team: z.object({ members: z.number().int(), stages: z.array(TeamStage) }).optional(),
  })
  .meta({ id: 'Pipeline' });
