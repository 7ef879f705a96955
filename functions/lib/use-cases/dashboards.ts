import { authorize, inScope, mayListFor, policy, withArticle, type Viewer } from '../../../domain/access/policy';
import { productMix, type ProductMix } from '../../../domain/catalogue/product-mix';
import { forbidden, invalid, notFound } from '../../../domain/errors';
import { stages, type Stage } from '../../../domain/pipeline/stages';
import type { Staff } from '../../../domain/staff/staff';
import { noAchievement, periodTargets, targetGaps, type Achievement, type PeriodTargets, type TargetGap } from '../../../domain/targets/achievement';
import { conversions, noConversions, sumConversions, type Conversion } from '../../../domain/targets/conversion';
import { isoWeekMonday, isoWeekOf, localDay, periodOf, type Period, type PeriodKind } from '../../../domain/targets/periods';
import { pipelineValue, type PipelineStage } from '../../../domain/targets/pipeline-value';
import { activityMetrics, type ActivityMetric, type StaffTargetsVersion } from '../../../domain/targets/targets';
import { formatInrShort } from '../../../domain/pipeline/money';
import { allInOrder, tenantConfig, type UseCaseContext } from './context';
import { buildTasks } from './tasks';
import { taskCounts } from '../../../domain/tasks/tasks';
import { explainableFigures, type EventTally, type ExplainableFigure, type FactRef, type FactWindow, type LeadResponse, type OpenDeal, type StaffFigures, type TenantConfig } from './ports';

/**
 * Dashboards (spec §11–12, 16; DESIGN §3 Metrics and dashboards): target against achieved,
 * pipeline against required, conversion and product mix, from the facts alone. Scope is the
 * staff list's (DESIGN §4): a seller sees their own, a manager their subtree, analysts and admins
 * the tenant; a staff member outside that does not exist for the caller (404).
 */

export interface PeriodQuery {
  period: PeriodKind;
  /** A day in the period (tenant time zone); default today. */
  date?: string | undefined;
  explain?: boolean | undefined;
}

export interface PeriodView {
  kind: PeriodKind;
  from: string;
  to: string;
  /** The UTC instants the facts were counted between: [start, end). */
  start: string;
  end: string;
}

export const periodView = (p: Period): PeriodView => ({ kind: p.kind, from: p.from, to: p.to, start: p.start, end: p.end });
export const windowOf = (p: Period): FactWindow => ({ start: p.start, end: p.end });

export interface ActivityFigure {
  metric: ActivityMetric;
  /** For the whole period; null when the role has no target for it. */
  target: number | null;
  /** Due by now, pro-rata (equal to `target` once the period is over). */
  due: number | null;
  achieved: number;
}

export interface RevenueFigure {
  target: number | null;
  due: number | null;
  achieved: number;
  display: { target: string | null; achieved: string };
}

/**
 * Lead response time (issue #13 item 7; DESIGN §9): the leads from lead sources that arrived in
 * the period, timed from arrival to the first follow-up completed on their deal, against the
 * tenant's first-response SLA. `breached`: answered late, or not yet and past the SLA now; the
 * leads neither within nor breached are still inside it. Minutes over the answered leads (null
 * when none was).
 */
export interface LeadResponseFigure {
  leads: number;
  responded: number;
  withinSla: number;
  breached: number;
  medianMinutes: number | null;
  p90Minutes: number | null;
  slaMinutes: number;
}

const noLeads: LeadResponse = { leads: 0, responded: 0, withinSla: 0, breached: 0 };
const firstResponseMinutes = (config: TenantConfig) => config.assignment.value?.firstResponseMinutes ?? 15;
const leadResponseFigure = (r: LeadResponse | undefined, slaMinutes: number): LeadResponseFigure => {
  const f = r ?? noLeads;
  return { leads: f.leads, responded: f.responded, withinSla: f.withinSla, breached: f.breached, medianMinutes: f.medianMinutes ?? null, p90Minutes: f.p90Minutes ?? null, slaMinutes };
};
const leadResponseOf = (ctx: UseCaseContext, config: TenantConfig, staff: readonly string[] | undefined, window: FactWindow) =>
  ctx.services.insights.leadResponse(ctx.actor.tenantId, staff, window, { slaMinutes: firstResponseMinutes(config), asOf: ctx.now.toISOString() });

export interface StaffDashboard {
  staffId: string;
  role: string;
  period: PeriodView;
  currency: string;
  asOf: string;
  activity: ActivityFigure[];
  revenue: RevenueFigure;
  /** Open pipeline now against what the weekly revenue target in force requires. */
  pipeline: PipelineStage[];
  conversion: Conversion[];
  productMix: ProductMix;
  /** The day's tasks (the dashboard's date, else today): pending and completed, as GET /v1/tasks counts them. */
  tasks: { pending: number; completed: number };
  /** Metrics below 70 % of the target due by now. */
  behind: TargetGap[];
  /** The period's leads assigned to them on arrival. */
  leadResponse: LeadResponseFigure;
  explain?: Explanation;
}

/** The facts behind the figures: for each, what was counted (ids the caller may open) and how many they may not. */
export type Explanation = Partial<Record<ExplainableFigure, { facts: FactRef[]; hidden: number; truncated: boolean }>>;

const EXPLAIN_LIMIT = 200;
const HEALTH_LIMIT = 50;

function periodFor(q: PeriodQuery, config: TenantConfig, now: Date): Period {
  const day = q.date ?? localDay(now, config.settings.timeZone);
  return periodOf(q.period, day, { timeZone: config.settings.timeZone, weekStartsOn: config.settings.weekStartsOn });
}

export async function visibleStaff(ctx: UseCaseContext, staffId: string): Promise<{ viewer: Viewer; staff: Staff }> {
  authorize(ctx.actor, 'dashboard:read');
  const [viewer, staff] = await allInOrder([ctx.viewer(), ctx.services.staff.get(ctx.actor.tenantId, staffId)] as const);
  if (!staff || !mayListFor(viewer, staffId)) throw notFound('staff', staffId);
  return { viewer, staff };
}

function activityFigures(achieved: Achievement, full: PeriodTargets | undefined, due: PeriodTargets | undefined): ActivityFigure[] {
  return activityMetrics.map((metric) => ({ metric, target: full?.activity[metric] ?? null, due: due?.activity[metric] ?? null, achieved: achieved[metric] }));
}

function revenueFigure(achieved: number, full: PeriodTargets | undefined, due: PeriodTargets | undefined): RevenueFigure {
  return { target: full?.revenue ?? null, due: due?.revenue ?? null, achieved, display: { target: full ? formatInrShort(full.revenue) : null, achieved: formatInrShort(achieved) } };
}

interface Judged {
  staff: Staff;
  figures: StaffFigures;
  full: PeriodTargets | undefined;
  due: PeriodTargets | undefined;
  pipeline: PipelineStage[];
}

/**
 * The pipeline value engine for one staff member and week: required from the week's revenue
 * target; actual = the open pipeline at each stage now, and at
 * Closed the revenue credited to them that week (what the Closed requirement asks for).
 */
function weekPipeline(staff: Staff, week: Period, config: TenantConfig, own: readonly StaffTargetsVersion[], open: Partial<Record<Stage, number>> | undefined, weekRevenue: number): PipelineStage[] {
  const weekly = weeklyTarget(staff, week, config, own);
  return weekly === undefined ? [] : pipelineValue(weekly, staff.role, config.stages.value, { ...open, Closed: weekRevenue });
}

/** The week's revenue target, day by day with the version in force on each (a change mid-week counts from its day). */
export const weeklyTarget = (staff: Staff, week: Period, config: TenantConfig, own: readonly StaffTargetsVersion[]) => periodTargets(week, { role: staff.role, tenant: config.targets.value, own })?.revenue;

/** One staff member's figures against their targets and their pipeline against what it should be. */
function judge(staff: Staff, period: Period, week: Period, config: TenantConfig, own: readonly StaffTargetsVersion[], figures: StaffFigures | undefined, open: Partial<Record<Stage, number>> | undefined, weekRevenue: number, now: Date): Judged {
  const sources = { role: staff.role, tenant: config.targets.value, own };
  return {
    staff,
    figures: figures ?? { achievement: { ...noAchievement }, conversion: { ...noConversions } },
    full: periodTargets(period, sources),
    due: periodTargets(period, sources, { now, timeZone: config.settings.timeZone }),
    pipeline: weekPipeline(staff, week, config, own, open, weekRevenue),
  };
}

/** The week the pipeline is judged in: the one holding the period's day (the period itself, for a week). */
const weekFor = (q: PeriodQuery, config: TenantConfig, now: Date) => periodFor({ ...q, period: 'week' }, config, now);

/** Revenue credited per staff member in the week: the period's figures when the period is that week. */
async function weekRevenue(ctx: UseCaseContext, period: Period, week: Period, ids: readonly string[], figures: Map<string, StaffFigures>): Promise<Map<string, number>> {
  const source = period.kind === 'week' ? figures : await ctx.services.insights.figures(ctx.actor.tenantId, ids, windowOf(week));
  return new Map(ids.map((id) => [id, source.get(id)?.achievement.revenue ?? 0]));
}

export async function staffDashboard(ctx: UseCaseContext, staffId: string, q: PeriodQuery): Promise<StaffDashboard> {
  const [config, { viewer, staff }] = await allInOrder([tenantConfig(ctx), visibleStaff(ctx, staffId)] as const);
  const period = periodFor(q, config, ctx.now);
  const tenantId = ctx.actor.tenantId;
  const insights = ctx.services.insights;
  const [own, figures, open, mix, leads] = await Promise.all([
    ctx.services.tenants.staffTargets(tenantId, [staffId]),
    insights.figures(tenantId, [staffId], windowOf(period)),
    insights.openPipeline(tenantId, [staffId]),
    insights.productRevenue(tenantId, [staffId], windowOf(period), config.settings.highValueThreshold),
    leadResponseOf(ctx, config, [staffId], windowOf(period)),
  ]);
  const week = weekFor(q, config, ctx.now);
  // The tasks of the dashboard's day (today, or the day asked for), as GET /v1/tasks lists them.
  const taskDay = periodOf('day', q.date ?? localDay(ctx.now, config.settings.timeZone), config.settings);
  const [revenueInWeek, tasks] = await Promise.all([weekRevenue(ctx, period, week, [staffId], figures), buildTasks(ctx, config, staff, taskDay)]);
  const j = judge(staff, period, week, config, own.get(staffId)?.value ?? [], figures.get(staffId), open.get(staffId), revenueInWeek.get(staffId)!, ctx.now);
  const dashboard: StaffDashboard = {
    staffId,
    role: staff.role,
    period: periodView(period),
    currency: config.settings.currency,
    asOf: ctx.now.toISOString(),
    activity: activityFigures(j.figures.achievement, j.full, j.due),
    revenue: revenueFigure(j.figures.achievement.revenue, j.full, j.due),
    pipeline: j.pipeline,
    conversion: conversions(j.figures.conversion),
    productMix: productMix(mix, config.products.value, { threshold: config.settings.highValueThreshold, lowTicketLimit: config.settings.lowTicketShareLimit }),
    tasks: taskCounts(tasks),
    behind: j.full && j.due ? targetGaps(j.figures.achievement, j.full, j.due) : [],
    leadResponse: leadResponseFigure(leads.byStaff.get(staffId), firstResponseMinutes(config)),
  };
  if (q.explain) dashboard.explain = await explain(ctx, viewer, staffId, windowOf(period));
  return dashboard;
}

/**
 * The facts behind each figure of one staff member, limited to what the caller may open: a call a
 * seller completed on a deal since reassigned away from them still counts, but is listed only as
 * hidden. Visibility is checked on the opportunities as stored (DynamoDB), not on the facts.
 */
async function explain(ctx: UseCaseContext, viewer: Viewer, staffId: string, window: FactWindow): Promise<Explanation> {
  const tenantId = ctx.actor.tenantId;
  const lists = await Promise.all(explainableFigures.map((f) => ctx.services.insights.explain(tenantId, staffId, f, window, EXPLAIN_LIMIT + 1)));
  const ids = lists.flatMap((l) => l.map((r) => r.opportunityId));
  const tenantWide = policy[viewer.role].scope === 'tenant';
  const visible = tenantWide ? undefined : await ctx.services.pipeline.getOpportunities(tenantId, ids);
  const canOpen = (r: FactRef) => {
    if (!visible) return true;
    const o = visible.get(r.opportunityId);
    return o !== undefined && inScope(viewer, o);
  };
  return Object.fromEntries(
    explainableFigures.map((figure, i) => {
      const listed = lists[i]!.slice(0, EXPLAIN_LIMIT);
      const facts = listed.filter(canOpen);
      return [figure, { facts, hidden: listed.length - facts.length, truncated: lists[i]!.length > EXPLAIN_LIMIT }];
    }),
  );
}

// ── manager ─────────────────────────────────────────────────────────────────────────────────────

export interface TeamRow {
  staffId: string;
  name: string;
  role: string;
  activity: ActivityFigure[];
  revenue: RevenueFigure;
  /** The lowest coverage over the stages they plan, and which stage it is (their bottleneck). */
  coverage: { stage: Stage; coverage: number } | null;
  conversion: Conversion[];
}

export interface ManagerDashboard {
  staffId: string;
  role: string;
  period: PeriodView;
  currency: string;
  asOf: string;
  team: TeamRow[];
  /** The team's pipeline (the manager's own included): each stage's required and actual summed over everyone who plans it. */
  pipelineHealth: {
    stages: { stage: Stage; required: number; actual: number; coverage: number; display: { required: string; actual: string } }[];
    noNextStep: { count: number; deals: OpenDeal[] };
    staleDays: number;
    stale: { count: number; deals: OpenDeal[] };
  };
  missedFollowUps: { total: number; byStaff: { staffId: string; missed: number }[] };
  underperforming: { staffId: string; reasons: (TargetGap & { text: string })[] }[];
  conversion: Conversion[];
  productMix: ProductMix;
  /** The team's leads (the manager's own included), and each member's who had any, by staff id. */
  leadResponse: LeadResponseFigure & { byStaff: ({ staffId: string } & Omit<LeadResponseFigure, 'slaMinutes'>)[] };
}

const metricWords: Record<ActivityMetric | 'revenue', string> = { calls: 'calls', qualified: 'qualified', potential: 'potential', demos: 'demos', visits: 'visits', revenue: 'revenue' };

function gapText(g: TargetGap): string {
  const pct = `${Math.round(g.ratio * 100)} %`;
  if (g.metric === 'revenue') return `revenue ${formatInrShort(g.achieved)} of ${formatInrShort(g.due)} due by now (${pct})`;
  return `${metricWords[g.metric]} ${g.achieved} of ${g.due} due by now (${pct})`;
}

export async function managerDashboard(ctx: UseCaseContext, staffId: string, q: PeriodQuery): Promise<ManagerDashboard> {
  const [config, { staff: manager }] = await allInOrder([tenantConfig(ctx), visibleStaff(ctx, staffId)] as const);
  if (manager.role !== 'manager' && manager.role !== 'asst_manager' && manager.role !== 'tenant_admin') {
    throw invalid([{ field: 'path.staffId', code: 'not_a_manager', message: `${staffId} is a ${manager.role}; the manager dashboard is for managers` }]);
  }
  const tenantId = ctx.actor.tenantId;
  const below = (await ctx.services.staff.subtree(tenantId, manager.path)).filter((s) => s.active);
  const team = [manager, ...below];
  const ids = team.map((s) => s.staffId);
  const period = periodFor(q, config, ctx.now);
  const window = windowOf(period);
  const insights = ctx.services.insights;
  const staleBefore = new Date(ctx.now.getTime() - config.settings.staleStageDays * 86_400_000).toISOString();
  const [own, figures, open, tallies, health, mix, leads] = await Promise.all([
    ctx.services.tenants.staffTargets(tenantId, ids),
    insights.figures(tenantId, ids, window),
    insights.openPipeline(tenantId, ids),
    insights.eventTallies(tenantId, ids, window),
    insights.pipelineHealth(tenantId, ids, { staleBefore, limit: HEALTH_LIMIT }),
    insights.productRevenue(tenantId, ids, window, config.settings.highValueThreshold),
    leadResponseOf(ctx, config, ids, window),
  ]);
  const sla = firstResponseMinutes(config);
  const week = weekFor(q, config, ctx.now);
  const revenueInWeek = await weekRevenue(ctx, period, week, ids, figures);
  const judged = team.map((s) => judge(s, period, week, config, own.get(s.staffId)?.value ?? [], figures.get(s.staffId), open.get(s.staffId), revenueInWeek.get(s.staffId)!, ctx.now));

  const rows: TeamRow[] = judged
    .filter((j) => j.staff.staffId !== staffId)
    .map((j) => {
      const lowest = j.pipeline.reduce<PipelineStage | undefined>((low, s) => (!low || s.coverage < low.coverage ? s : low), undefined);
      return {
        staffId: j.staff.staffId,
        name: j.staff.name,
        role: j.staff.role,
        activity: activityFigures(j.figures.achievement, j.full, j.due),
        revenue: revenueFigure(j.figures.achievement.revenue, j.full, j.due),
        coverage: lowest ? { stage: lowest.stage, coverage: lowest.coverage } : null,
        conversion: conversions(j.figures.conversion),
      };
    });

  const rollUp = stages.map((stage) => {
    const planned = judged.flatMap((j) => j.pipeline.filter((p) => p.stage === stage));
    const required = planned.reduce((sum, p) => sum + p.required, 0);
    const actual = judged.reduce((sum, j) => sum + (stage === 'Closed' ? revenueInWeek.get(j.staff.staffId)! : (open.get(j.staff.staffId)?.[stage] ?? 0)), 0);
    return { stage, required, actual, coverage: required === 0 ? 0 : Math.round((actual / required) * 10_000) / 10_000, display: { required: formatInrShort(required), actual: formatInrShort(actual) } };
  });

  const missed = new Map<string, number>();
  for (const t of tallies) if (t.missed > 0) missed.set(t.staffId, (missed.get(t.staffId) ?? 0) + t.missed);
  const byStaff = [...missed].map(([id, n]) => ({ staffId: id, missed: n })).sort((a, b) => b.missed - a.missed || a.staffId.localeCompare(b.staffId));

  return {
    staffId,
    role: manager.role,
    period: periodView(period),
    currency: config.settings.currency,
    asOf: ctx.now.toISOString(),
    team: rows,
    pipelineHealth: { stages: rollUp, noNextStep: health.noNextStep, staleDays: config.settings.staleStageDays, stale: health.stale },
    missedFollowUps: { total: byStaff.reduce((s, r) => s + r.missed, 0), byStaff },
    underperforming: judged
      .filter((j) => j.staff.staffId !== staffId && j.full && j.due)
      .map((j) => ({ staffId: j.staff.staffId, reasons: targetGaps(j.figures.achievement, j.full!, j.due!).map((g) => ({ ...g, text: gapText(g) })) }))
      .filter((u) => u.reasons.length > 0),
    conversion: conversions(sumConversions(judged.map((j) => j.figures.conversion))),
    productMix: productMix(mix, config.products.value, { threshold: config.settings.highValueThreshold, lowTicketLimit: config.settings.lowTicketShareLimit }),
    leadResponse: {
      ...leadResponseFigure(leads.total, sla),
      byStaff: [...leads.byStaff]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([id, r]) => {
          const { slaMinutes: _, ...figure } = leadResponseFigure(r, sla);
          return { staffId: id, ...figure };
        }),
    },
  };
}

// ── events ──────────────────────────────────────────────────────────────────────────────────────

export interface EventFigures {
  demos: { scheduled: number; completed: number };
  visits: { scheduled: number; completed: number };
  calls: { scheduled: number; completed: number; missed: number };
  messages: { scheduled: number; completed: number; missed: number };
  quotes: { completed: number };
  negotiations: { scheduled: number; completed: number; missed: number };
}

export interface EventsDashboard {
  /** Whose: a staff member and their reports, or (absent) everyone the caller sees. */
  staffId: string | null;
  period: PeriodView;
  asOf: string;
  team: EventFigures;
  staff: ({ staffId: string } & EventFigures)[];
}

function eventFigures(tallies: readonly EventTally[]): EventFigures {
  const sum = (type: string, key: 'scheduled' | 'completed' | 'missed') => tallies.filter((t) => t.type === type).reduce((s, t) => s + t[key], 0);
  const three = (type: string) => ({ scheduled: sum(type, 'scheduled'), completed: sum(type, 'completed'), missed: sum(type, 'missed') });
  return {
    // Completing a Demo Scheduled event creates the Demo Completed one: demos done are those.
    demos: { scheduled: sum('DemoScheduled', 'scheduled'), completed: sum('DemoCompleted', 'completed') },
    visits: { scheduled: sum('VisitScheduled', 'scheduled'), completed: sum('VisitCompleted', 'completed') },
    calls: three('Call'),
    messages: three('Message'),
    quotes: { completed: sum('QuoteShared', 'completed') },
    negotiations: three('Negotiation'),
  };
}

export async function eventsDashboard(ctx: UseCaseContext, q: PeriodQuery & { staffId?: string | undefined }): Promise<EventsDashboard> {
  authorize(ctx.actor, 'dashboard:read');
  const tenantId = ctx.actor.tenantId;
  const config = await tenantConfig(ctx);
  let staff: string[] | undefined;
  if (q.staffId) {
    const { staff: head } = await visibleStaff(ctx, q.staffId);
    staff = [head.staffId, ...(await ctx.services.staff.subtree(tenantId, head.path)).map((s) => s.staffId)];
  } else {
    const viewer = await ctx.viewer();
    const scope = policy[viewer.role].scope;
    staff = scope === 'tenant' ? undefined : scope === 'subtree' ? [...(viewer.subtree ?? [viewer.staffId])] : [viewer.staffId];
  }
  const period = periodFor(q, config, ctx.now);
  const tallies = await ctx.services.insights.eventTallies(tenantId, staff, windowOf(period));
  const byStaff = new Map<string, EventTally[]>();
  for (const t of tallies) (byStaff.get(t.staffId) ?? byStaff.set(t.staffId, []).get(t.staffId)!).push(t);
  return {
    staffId: q.staffId ?? null,
    period: periodView(period),
    asOf: ctx.now.toISOString(),
    team: eventFigures(tallies),
    staff: [...byStaff].sort(([a], [b]) => a.localeCompare(b)).map(([id, list]) => ({ staffId: id, ...eventFigures(list) })),
  };
}

// ── tenant ──────────────────────────────────────────────────────────────────────────────────────

export interface TenantDashboard {
  period: PeriodView;
  currency: string;
  asOf: string;
  activity: { metric: ActivityMetric; achieved: number }[];
  revenue: { achieved: number; display: string };
  pipeline: { stage: Stage; actual: number; display: string }[];
  conversion: Conversion[];
  productMix: ProductMix;
  leadResponse: LeadResponseFigure;
}

/** The whole tenant's figures: for analysts and admins (tenant scope). */
export async function tenantDashboard(ctx: UseCaseContext, q: PeriodQuery): Promise<TenantDashboard> {
  authorize(ctx.actor, 'dashboard:read');
  if (policy[ctx.actor.role].scope !== 'tenant') throw forbidden('tenant_scope_required', `${withArticle(ctx.actor.role)} sees part of the tenant; the tenant dashboard is for analysts and admins.`);
  const config = await tenantConfig(ctx);
  const period = periodFor(q, config, ctx.now);
  const tenantId = ctx.actor.tenantId;
  const [figures, open, mix, leads] = await Promise.all([
    ctx.services.insights.figures(tenantId, undefined, windowOf(period)),
    ctx.services.insights.openPipeline(tenantId, undefined),
    ctx.services.insights.productRevenue(tenantId, undefined, windowOf(period), config.settings.highValueThreshold),
    leadResponseOf(ctx, config, undefined, windowOf(period)),
  ]);
  const all = [...figures.values()];
  const total = (m: keyof Achievement) => all.reduce((s, f) => s + f.achievement[m], 0);
  const revenue = total('revenue');
  return {
    period: periodView(period),
    currency: config.settings.currency,
    asOf: ctx.now.toISOString(),
    activity: activityMetrics.map((metric) => ({ metric, achieved: total(metric) })),
    revenue: { achieved: revenue, display: formatInrShort(revenue) },
    pipeline: stages
      .filter((s) => s !== 'Closed')
      .map((stage) => {
        const actual = [...open.values()].reduce((s, o) => s + (o[stage] ?? 0), 0);
        return { stage, actual, display: formatInrShort(actual) };
      }),
    conversion: conversions(sumConversions(all.map((f) => f.conversion))),
    productMix: productMix(mix, config.products.value, { threshold: config.settings.highValueThreshold, lowTicketLimit: config.settings.lowTicketShareLimit }),
    leadResponse: leadResponseFigure(leads.total, firstResponseMinutes(config)),
  };
}

// ── pipeline value engine ───────────────────────────────────────────────────────────────────────

export interface PipelineView {
  staffId: string;
  role: string;
  week: string;
  /** Paise: the week's revenue target (day by day, with the version in force on each). */
  target: number | null;
  currency: string;
  asOf: string;
  stages: PipelineStage[];
  /** For a manager: their team's (everyone below them) summed stage by stage. */
  team?: { members: number; stages: { stage: Stage; required: number; actual: number; coverage: number; shortfall: number; display: { required: string; actual: string; shortfall: string } }[] };
}

/** GET /v1/pipeline/{staffId}?week=: required pipeline per stage against the open pipeline now. */
/** An ISO week (`2026-W48`, Monday to Sunday in the tenant's time zone), or the one holding today. */
export const weekPeriod = (config: TenantConfig, now: Date, week?: string): Period =>
  periodOf('week', week ? isoWeekMonday(week) : localDay(now, config.settings.timeZone), { timeZone: config.settings.timeZone, weekStartsOn: 'monday' });

export async function pipelineFor(ctx: UseCaseContext, staffId: string, week: string | undefined): Promise<PipelineView> {
  const [config, { staff }] = await allInOrder([tenantConfig(ctx), visibleStaff(ctx, staffId)] as const);
  const tenantId = ctx.actor.tenantId;
  const period = weekPeriod(config, ctx.now, week);
  const isManager = staff.role === 'manager' || staff.role === 'asst_manager';
  const below = isManager ? (await ctx.services.staff.subtree(tenantId, staff.path)).filter((s) => s.active) : [];
  const everyone = [staff, ...below];
  const ids = everyone.map((s) => s.staffId);
  const [own, open, figures] = await Promise.all([
    ctx.services.tenants.staffTargets(tenantId, ids),
    ctx.services.insights.openPipeline(tenantId, ids),
    ctx.services.insights.figures(tenantId, ids, windowOf(period)),
  ]);
  const revenueOf = (id: string) => figures.get(id)?.achievement.revenue ?? 0;
  const weeklyOf = (s: Staff) => weeklyTarget(s, period, config, own.get(s.staffId)?.value ?? []);
  const planOf = (s: Staff) => weekPipeline(s, period, config, own.get(s.staffId)?.value ?? [], open.get(s.staffId), revenueOf(s.staffId));
  const view: PipelineView = {
    staffId,
    role: staff.role,
    week: week ?? isoWeekOf(period.from),
    target: weeklyOf(staff) ?? null,
    currency: config.settings.currency,
    asOf: ctx.now.toISOString(),
    stages: planOf(staff),
  };
  if (isManager) {
    const plans = below.map(planOf);
    view.team = {
      members: below.length,
      stages: stages.map((stage) => {
        const required = plans.reduce((s, p) => s + (p.find((x) => x.stage === stage)?.required ?? 0), 0);
        const actual = below.reduce((s, m) => s + (stage === 'Closed' ? revenueOf(m.staffId) : (open.get(m.staffId)?.[stage] ?? 0)), 0);
        const shortfall = Math.max(0, required - actual);
        return {
          stage,
          required,
          actual,
          coverage: required === 0 ? 0 : Math.round((actual / required) * 10_000) / 10_000,
          shortfall,
          display: { required: formatInrShort(required), actual: formatInrShort(actual), shortfall: formatInrShort(shortfall) },
        };
      }),
    };
  }
  return view;
}

