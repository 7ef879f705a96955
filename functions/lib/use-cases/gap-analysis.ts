import type { Role } from '../../../domain/access/roles';
import { diagnose, leadStageOf, teamRollUp, type Diagnosis, type GapThresholds, type TeamRollUp, type WeekFigures } from '../../../domain/gap/gap-analysis';
import type { Stage } from '../../../domain/pipeline/stages';
import type { Staff } from '../../../domain/staff/staff';
import { isoWeekOf, type Period } from '../../../domain/targets/periods';
import { allInOrder, tenantConfig, type UseCaseContext } from './context';
import { periodView, visibleStaff, weekPeriod, weeklyTarget, windowOf, type PeriodView } from './dashboards';
import type { TenantConfig } from './ports';

/**
 * GET /v1/gap-analysis/{staffId}?week= (spec §14, DESIGN §3): the week's root causes for one staff
 * member (domain/gap/gap-analysis.ts decides them from the figures gathered here), and for a
 * manager each member's and the team's roll-up. Scope as for dashboards: a staff member the caller
 * may not list is a 404.
 */
export interface StaffGap {
  staffId: string;
  name: string;
  role: Role;
  figures: WeekFigures & { leadStage: Stage };
  diagnoses: Diagnosis[];
}

export interface GapReport extends StaffGap {
  week: string;
  period: PeriodView;
  currency: string;
  asOf: string;
  thresholds: GapThresholds;
  team?: { rollUp: TeamRollUp; members: StaffGap[] };
}

export const thresholdsOf = (config: TenantConfig): GapThresholds => ({
  leadCoveragePercent: config.settings.gapLeadCoveragePercent,
  minimumLeads: config.settings.gapMinimumLeads,
  minimumDemos: config.settings.gapMinimumDemos,
  marginPoints: config.settings.conversionMarginPoints,
});

/** Each staff member's week, diagnosed: the figures come from the facts in three queries for everyone at once. */
export async function diagnoseWeek(ctx: UseCaseContext, config: TenantConfig, staff: readonly Staff[], period: Period): Promise<StaffGap[]> {
  const tenantId = ctx.actor.tenantId;
  const ids = staff.map((s) => s.staffId);
  const window = windowOf(period);
  const sellers = staff.filter((s) => leadStageOf(s.role).stage === 'Lead').map((s) => s.staffId);
  const managers = staff.filter((s) => leadStageOf(s.role).stage !== 'Lead').map((s) => s.staffId);
  const [own, figures, leads, potentials] = await Promise.all([
    ctx.services.tenants.staffTargets(tenantId, ids),
    ctx.services.insights.figures(tenantId, ids, window),
    ctx.services.insights.leadFlow(tenantId, sellers, window, 'Lead', 'Qualified'),
    ctx.services.insights.leadFlow(tenantId, managers, window, 'Potential', 'Demo'),
  ]);
  const thresholds = thresholdsOf(config);
  return staff.map((s) => {
    const { stage } = leadStageOf(s.role);
    const flow = (stage === 'Lead' ? leads : potentials).get(s.staffId) ?? { count: 0, value: 0, advanced: 0 };
    const conversion = figures.get(s.staffId)?.conversion;
    const week: WeekFigures = { role: s.role, weeklyTarget: weeklyTarget(s, period, config, own.get(s.staffId)?.value ?? []), leads: flow, demos: conversion?.demo ?? 0, won: conversion?.won ?? 0 };
    return { staffId: s.staffId, name: s.name, role: s.role, figures: { ...week, leadStage: stage }, diagnoses: diagnose(week, config.stages.value, thresholds) };
  });
}

export async function gapAnalysis(ctx: UseCaseContext, staffId: string, week: string | undefined): Promise<GapReport> {
  const [config, { staff }] = await allInOrder([tenantConfig(ctx), visibleStaff(ctx, staffId)] as const);
  const period = weekPeriod(config, ctx.now, week);
  const isManager = staff.role === 'manager' || staff.role === 'asst_manager';
  const below = isManager ? (await ctx.services.staff.subtree(ctx.actor.tenantId, staff.path)).filter((s) => s.active) : [];
  const [self, ...members] = await diagnoseWeek(ctx, config, [staff, ...below], period);
  return {
    ...self!,
    week: week ?? isoWeekOf(period.from),
    period: periodView(period),
    currency: config.settings.currency,
    asOf: ctx.now.toISOString(),
    thresholds: thresholdsOf(config),
    ...(isManager && { team: { rollUp: teamRollUp(members.map((m) => ({ figures: m.figures, diagnoses: m.diagnoses })), config.stages.value), members } }),
  };
}
