import type { Role } from '../access/roles';
import { formatInrShort } from '../pipeline/money';
import { stages, type Stage, type StagesConfig } from '../pipeline/stages';
import { plannedStages } from '../targets/pipeline-value';

/**
 * The gap analysis engine (spec §14, DESIGN §3 "Tasks, alerts, gap analysis"): for one staff
 * member and one week, the root cause of a shortfall, each diagnosis with the figures that
 * triggered it. Pure: the figures come in, nothing is read.
 *
 *   lead_generation  the value of the week's leads (at the first stage the role plans: Lead for
 *                    sellers, Potential for managers — open there at the week's end, plus those
 *                    that moved on during it) covers less than `leadCoveragePercent` of the
 *                    pipeline required there (weekly revenue target × the stage's multiplier).
 *   poor_filtering   leads enough (at least `minimumLeads`), but the share of them that reached
 *                    the next stage falls below the seed's assumption for that step (Lead →
 *                    Qualified 40 %; Potential → Demo 50 %) by more than the tenant's margin.
 *   conversion       demos happened (at least `minimumDemos` deals reached Demo) but Demo → Closed
 *                    (won ÷ demos) falls below the seed chain Demo → Visit 60 % × Visit → Closed
 *                    40 % = 24 % by more than the margin.
 *
 * Too few leads is the root cause when it holds: a seller without enough leads is told that once,
 * not also that they filter or close badly (the other two are symptoms of the same shortage).
 */
export type DiagnosisCode = 'lead_generation' | 'poor_filtering' | 'conversion';
export const diagnosisCodes: readonly DiagnosisCode[] = ['lead_generation', 'poor_filtering', 'conversion'];

export interface GapThresholds {
  /** Lead value under this share (%) of the required lead pipeline is a lead generation issue. */
  leadCoveragePercent: number;
  /** Fewer leads than this is too small a sample to judge filtering. */
  minimumLeads: number;
  /** Fewer demos than this is too small a sample to judge closing. */
  minimumDemos: number;
  /** A step is low when it falls this many percentage points below its assumption. */
  marginPoints: number;
}

export const defaultGapThresholds: GapThresholds = { leadCoveragePercent: 80, minimumLeads: 10, minimumDemos: 3, marginPoints: 10 };

/** The seed's conversion assumptions between consecutive stages (spec §6). */
export const stepAssumptions: Record<Exclude<Stage, 'Closed'>, number> = { Lead: 0.4, Qualified: 0.3, Potential: 0.5, Demo: 0.6, Visit: 0.4 };
/** Demo → Closed, the seed chain Demo → Visit × Visit → Closed. */
export const demoToClosedAssumption = 0.24;

export interface WeekFigures {
  role: Role;
  /** The week's revenue target (paise); undefined when the role has none. */
  weeklyTarget: number | undefined;
  /** The week's leads at the role's first planned stage: how many, their deal value (paise), and how many of them reached the next stage. */
  leads: { count: number; value: number; advanced: number };
  /** Deals that reached Demo during the week, and deals won during it. */
  demos: number;
  won: number;
}

export interface Diagnosis {
  code: DiagnosisCode;
  message: string;
  evidence: Record<string, number | string>;
}

const percent = (ratio: number) => `${Math.round(ratio * 1000) / 10} %`;
const ratioOf = (n: number, d: number) => (d === 0 ? 0 : Math.round((n / d) * 10_000) / 10_000);

/** The stage a role's plan starts at (its "leads") and the stage after it. */
export function leadStageOf(role: Role): { stage: Stage; next: Stage } {
  const first = plannedStages(role)[0]!;
  return { stage: first, next: stages[stages.indexOf(first) + 1]! };
}

/** Is `n / d` more than `margin` points below `assumption`? (Exact for counts: no rounding before comparing.) */
const below = (n: number, d: number, assumption: number, marginPoints: number) => d > 0 && (n / d) * 100 < assumption * 100 - marginPoints - 1e-9;

export function diagnose(week: WeekFigures, config: StagesConfig, t: GapThresholds = defaultGapThresholds): Diagnosis[] {
  const { stage, next } = leadStageOf(week.role);
  const multiplier = config.find((s) => s.stage === stage)?.multiplier ?? 1;
  if (week.weeklyTarget !== undefined && week.weeklyTarget > 0) {
    const required = week.weeklyTarget * multiplier;
    if (week.leads.value * 100 < required * t.leadCoveragePercent) {
      const coverage = ratioOf(week.leads.value, required);
      const missing = Math.max(0, Math.round(required * (t.leadCoveragePercent / 100)) - week.leads.value);
      return [
        {
          code: 'lead_generation',
          message:
            `${stage} pipeline of ${formatInrShort(week.leads.value)} covers ${percent(coverage)} of the ${formatInrShort(Math.round(required))} a ` +
            `${formatInrShort(week.weeklyTarget)} week needs: generate about ${formatInrShort(missing)} more in ${stage.toLowerCase()}s before anything else.`,
          evidence: {
            stage,
            leads: week.leads.count,
            leadValue: week.leads.value,
            required: Math.round(required),
            coverage,
            threshold: t.leadCoveragePercent / 100,
            weeklyTarget: week.weeklyTarget,
            multiplier,
          },
        },
      ];
    }
  }
  const out: Diagnosis[] = [];
  const assumption = stepAssumptions[stage as Exclude<Stage, 'Closed'>];
  if (week.leads.count >= t.minimumLeads && below(week.leads.advanced, week.leads.count, assumption, t.marginPoints)) {
    const ratio = ratioOf(week.leads.advanced, week.leads.count);
    out.push({
      code: 'poor_filtering',
      message:
        `Only ${week.leads.advanced} of ${week.leads.count} ${stage.toLowerCase()}s reached ${next} (${percent(ratio)} against the ${percent(assumption)} assumed): ` +
        `the ${stage.toLowerCase()}s worked are not the right ones — qualify them earlier and drop poor fits.`,
      evidence: { from: stage, to: next, leads: week.leads.count, advanced: week.leads.advanced, ratio, assumption, marginPoints: t.marginPoints },
    });
  }
  if (week.demos >= t.minimumDemos && below(week.won, week.demos, demoToClosedAssumption, t.marginPoints)) {
    const ratio = ratioOf(week.won, week.demos);
    out.push({
      code: 'conversion',
      message:
        `${week.demos} deals reached Demo but ${week.won} closed won (${percent(ratio)} against the ${percent(demoToClosedAssumption)} the seed chain assumes): ` +
        `demos are not turning into sales — follow each demo with a visit and a quote, and handle objections.`,
      evidence: { demos: week.demos, won: week.won, ratio, assumption: demoToClosedAssumption, marginPoints: t.marginPoints },
    });
  }
  return out;
}

export interface TeamRollUp {
  members: number;
  /** How many members carry each diagnosis. */
  diagnosed: Record<DiagnosisCode, number>;
  /** The team's leads against what its members' targets require at their first planned stages. */
  leadValue: number;
  leadRequired: number;
  leadCoverage: number;
  demos: number;
  won: number;
}

export function teamRollUp(members: readonly { figures: WeekFigures; diagnoses: readonly Diagnosis[] }[], config: StagesConfig): TeamRollUp {
  const diagnosed = { lead_generation: 0, poor_filtering: 0, conversion: 0 } satisfies Record<DiagnosisCode, number>;
  let leadValue = 0;
  let leadRequired = 0;
  let demos = 0;
  let won = 0;
  for (const m of members) {
    for (const d of m.diagnoses) diagnosed[d.code]++;
    const { stage } = leadStageOf(m.figures.role);
    leadValue += m.figures.leads.value;
    leadRequired += Math.round((m.figures.weeklyTarget ?? 0) * (config.find((s) => s.stage === stage)?.multiplier ?? 1));
    demos += m.figures.demos;
    won += m.figures.won;
  }
  return { members: members.length, diagnosed, leadValue, leadRequired, leadCoverage: ratioOf(leadValue, leadRequired), demos, won };
}
