import {
  escalationDraft,
  firstResponseOverdue,
  leadResponseDraft,
  lowConversionDrafts,
  missedFollowUpDraft,
  missedInARow,
  overdue,
  productMixDraft,
  raise,
  repeatedMissesDraft,
  resolve,
  targetGapDraft,
  type Alert,
  type AlertDraft,
  type AlertKind,
} from '../../../domain/alerts/alert';
import { productMix } from '../../../domain/catalogue/product-mix';
import { DomainError } from '../../../domain/errors';
import { SYSTEM_ACTOR, type CrmEvent } from '../../../domain/events/event';
import type { Staff } from '../../../domain/staff/staff';
import { taskCounts } from '../../../domain/tasks/tasks';
import { noAchievement, periodTargets, targetGaps } from '../../../domain/targets/achievement';
import { conversions, lowConversions, noConversions } from '../../../domain/targets/conversion';
import { isoWeekOf, localDay, periodOf } from '../../../domain/targets/periods';
import type { JobName } from '../../../events/jobs';
import { reconcileTenant } from './reconcile';
import { contextOf, tenantConfig, type UseCaseContext } from './context';
import { sweepMissed } from './events';
import { weekPeriod } from './dashboards';
import type { Services, TenantConfig } from './ports';
import { buildTasks } from './tasks';
import { runScheduledReports, type ScheduledReportDeps } from './saved-reports';

/**
 * The scheduled jobs for one tenant at one instant (issue #10; DESIGN §3 "Tasks, alerts, gap
 * analysis"), run by the jobs queue consumer, `npm run job` and the tests alike. Each is
 * idempotent: alerts have ids derived from their condition and period, job runs are claimed once.
 *
 *   missed-sweep   A new lead's first-response call still Pending at its due time → a
 *                  lead_response alert (issue #13 item 7), cleared once the lead is answered;
 *                  Pending follow-ups past their time plus grace → Missed; a missed_follow_up
 *                  alert for each; N misses in a row escalate to the manager; missed alerts whose
 *                  deal has a next step again, or closed, resolve themselves; every alert
 *                  unresolved past its deadline escalates one level up.
 *   daily-tasks    each active staff member's tasks for the day (counted and recorded for the
 *                  day), and the target-gap alert when the week so far is below 70 % of what is
 *                  due (the earlier ones resolve themselves when it no longer is).
 *   gap-analysis   the week's low conversions and product-mix over-dependence per staff member
 *                  (resolving those that cleared); then the nightly email to each manager with a
 *                  team (nightly.ts).
 */
export interface JobDeps {
  services: Services;
  /** The nightly email (gap-analysis): built and sent per manager, once per night. */
  sendNightly?: (ctx: UseCaseContext, config: TenantConfig, manager: Staff, team: Staff[], day: string) => Promise<{ messageId: string }>;
  /** Scheduled reports (#16): the reporting store and the mailer they are emailed through. */
  scheduledReports?: ScheduledReportDeps;
}

export type JobSummary = Record<string, number | string | string[]>;

const systemContext = (services: Services, tenantId: string, at: Date) => contextOf({ tenantId, staffId: SYSTEM_ACTOR, role: 'tenant_admin' }, at, services);

const SYSTEM = { actor: SYSTEM_ACTOR } as const;

async function activeStaff(ctx: UseCaseContext): Promise<Staff[]> {
  const out: Staff[] = [];
  let cursor: string | undefined;
  do {
    const page = await ctx.services.staff.list(ctx.actor.tenantId, { limit: 100, ...(cursor && { cursor }) });
    out.push(...page.items.filter((s) => s.active));
    cursor = page.cursor;
  } while (cursor);
  return out;
}

async function raiseAll(ctx: UseCaseContext, config: TenantConfig, drafts: readonly (AlertDraft | undefined)[]): Promise<number> {
  let raised = 0;
  for (const d of drafts) if (d && (await ctx.services.alerts.raise(ctx.actor.tenantId, raise(d, ctx.now, config.settings.alertEscalationHours)))) raised++;
  return raised;
}

async function clear(ctx: UseCaseContext, alerts: readonly Alert[]): Promise<number> {
  let cleared = 0;
  for (const a of alerts) {
    try {
      await ctx.services.alerts.save(ctx.actor.tenantId, a, resolve(a, SYSTEM_ACTOR, ctx.now, 'condition_cleared'), SYSTEM);
      cleared++;
    } catch (error) {
      // Changed meanwhile (someone resolved it): it is no longer ours to clear. Anything else fails the run.
      if (!(error instanceof DomainError && error.kind === 'conflict')) throw error;
    }
  }
  return cleared;
}

const unresolvedOf = async (ctx: UseCaseContext, kind: AlertKind, staffId?: string) => (await ctx.services.alerts.unresolved(ctx.actor.tenantId, staffId)).filter((a) => a.kind === kind);

// ── missed sweep ────────────────────────────────────────────────────────────────────────────────

async function newestDue(ctx: UseCaseContext, staffId: string, n: number): Promise<CrmEvent[]> {
  const pages = await Promise.all(
    (['Missed', 'Completed'] as const).map((status) => ctx.services.pipeline.listEvents(ctx.actor.tenantId, { assignee: staffId, status, to: ctx.now.toISOString(), limit: n, newestFirst: true })),
  );
  return pages.flatMap((p) => p.items);
}

/**
 * First-response calls past their due time and still Pending: the SLA is breached now, so the
 * alert comes at the due time (the sweep runs every 15 minutes), well before the grace period
 * marks the call Missed. Read before the sweep marks anything Missed, so a call already past the
 * grace (no sweep ran for hours) still gets its alert. Raising twice is the same alert. In steady
 * state the Pending events due before now are those of the last grace period (older ones are
 * marked Missed by the same run).
 */
async function leadResponseAlerts(ctx: UseCaseContext, config: TenantConfig): Promise<number> {
  const tz = config.settings.timeZone;
  const slaMinutes = config.assignment.value?.firstResponseMinutes ?? 15;
  const late: CrmEvent[] = [];
  let cursor: string | undefined;
  do {
    const page = await ctx.services.pipeline.listEvents(ctx.actor.tenantId, { status: 'Pending', to: ctx.now.toISOString(), limit: 100, ...(cursor && { cursor }) });
    late.push(...page.items.filter((e) => firstResponseOverdue(e, ctx.now)));
    cursor = page.cursor;
  } while (cursor);
  if (late.length === 0) return 0;
  const opportunities = await ctx.services.pipeline.getOpportunities(ctx.actor.tenantId, [...new Set(late.map((e) => e.opportunityId))]);
  return raiseAll(
    ctx,
    config,
    late.map((e) => leadResponseDraft(e, opportunities.get(e.opportunityId)?.source, slaMinutes, localDay(new Date(e.scheduledAt), tz), tz)),
  );
}

async function missedSweep(ctx: UseCaseContext, config: TenantConfig): Promise<JobSummary> {
  const tz = config.settings.timeZone;
  let raised = await leadResponseAlerts(ctx, config);
  const marked = await sweepMissed(ctx);
  raised += await raiseAll(ctx, config, marked.map((e) => missedFollowUpDraft(e, localDay(new Date(e.scheduledAt), tz), tz)));
  const staff = new Map<string, Staff | undefined>();
  const staffOf = async (id: string) => (staff.has(id) ? staff.get(id) : staff.set(id, await ctx.services.staff.get(ctx.actor.tenantId, id)).get(id));

  // N misses in a row: straight to the manager.
  for (const staffId of new Set(marked.map((e) => e.assignee))) {
    const run = missedInARow(await newestDue(ctx, staffId, config.settings.missedInARowLimit), config.settings.missedInARowLimit);
    const manager = (await staffOf(staffId))?.managerId;
    if (run && manager) raised += await raiseAll(ctx, config, [repeatedMissesDraft(staffId, localDay(ctx.now, tz), run, manager, tz)]);
  }

  // A missed follow-up clears once it is done after all (completed late), the deal is closed, or
  // the deal was given a new follow-up after the miss. A lead response alert clears once the lead
  // is answered: a follow-up of its deal completed since the first-response call was made (the
  // call itself, or a message instead), or the deal is closed.
  const unresolved = await ctx.services.alerts.unresolved(ctx.actor.tenantId);
  const missedAlerts = unresolved.filter((a) => a.kind === 'missed_follow_up');
  const leadAlerts = unresolved.filter((a) => a.kind === 'lead_response');
  const opportunities = await ctx.services.pipeline.getOpportunities(ctx.actor.tenantId, [...new Set([...missedAlerts, ...leadAlerts].map((a) => String(a.evidence.opportunityId)))]);
  const partitions = new Map<string, Promise<CrmEvent[]>>();
  const eventsOfClient = (clientId: string) => partitions.get(clientId) ?? partitions.set(clientId, ctx.services.pipeline.clientPartition(ctx.actor.tenantId, clientId).then((p) => p.events)).get(clientId)!;
  const cleared: Alert[] = [];
  for (const a of missedAlerts) {
    const o = opportunities.get(String(a.evidence.opportunityId));
    if (!o || o.stage === 'Closed') {
      cleared.push(a);
      continue;
    }
    const events = (await eventsOfClient(o.clientId)).filter((e) => e.opportunityId === o.id);
    const missed = events.find((e) => e.id === a.evidence.eventId);
    const rescheduled = missed?.missedAt !== undefined && events.some((e) => e.status === 'Pending' && e.createdAt > missed.missedAt!);
    if (!missed || missed.status === 'Completed' || rescheduled) cleared.push(a);
  }
  for (const a of leadAlerts) {
    const o = opportunities.get(String(a.evidence.opportunityId));
    if (!o || o.stage === 'Closed') {
      cleared.push(a);
      continue;
    }
    const events = (await eventsOfClient(o.clientId)).filter((e) => e.opportunityId === o.id);
    const call = events.find((e) => e.id === a.evidence.eventId);
    if (!call || events.some((e) => e.status === 'Completed' && (e.completedAt ?? '') >= call.createdAt)) cleared.push(a);
  }
  const resolved = await clear(ctx, cleared);

  // Unresolved past the deadline: one level up (the staff member's manager, then theirs).
  let escalated = 0;
  for (const a of (await ctx.services.alerts.unresolved(ctx.actor.tenantId)).filter((x) => overdue(x, ctx.now))) {
    const level = a.kind === 'escalation' ? (a.level ?? 1) + 1 : 1;
    const from = a.kind === 'escalation' ? a.escalatedTo : a.staffId;
    const to = from ? (await staffOf(from))?.managerId : undefined;
    if (to) escalated += await raiseAll(ctx, config, [escalationDraft(a, to, level)]);
  }
  return { marked: marked.length, raised, resolved, escalated };
}

// ── daily tasks ─────────────────────────────────────────────────────────────────────────────────

async function dailyTasksJob(ctx: UseCaseContext, config: TenantConfig): Promise<JobSummary> {
  const tz = config.settings.timeZone;
  const date = localDay(ctx.now, tz);
  const day = periodOf('day', date, config.settings);
  const week = periodOf('week', date, config.settings);
  const staff = await activeStaff(ctx);
  const ids = staff.map((s) => s.staffId);
  const [own, figures] = await Promise.all([ctx.services.tenants.staffTargets(ctx.actor.tenantId, ids), ctx.services.insights.figures(ctx.actor.tenantId, ids, { start: week.start, end: week.end })]);
  let tasks = 0;
  let pending = 0;
  let raised = 0;
  let resolved = 0;
  const withTasks: string[] = [];
  for (const s of staff) {
    const list = await buildTasks(ctx, config, s, day);
    if (list.length > 0) withTasks.push(s.staffId);
    tasks += list.length;
    pending += taskCounts(list).pending;
    const sources = { role: s.role, tenant: config.targets.value, own: own.get(s.staffId)?.value ?? [] };
    const full = periodTargets(week, sources);
    const due = periodTargets(week, sources, { now: ctx.now, timeZone: tz });
    // No targets for the role (admins, analysts): nothing to be behind on.
    if (!full || !due) continue;
    const draft = targetGapDraft(s.staffId, date, targetGaps(figures.get(s.staffId)?.achievement ?? noAchievement, full, due));
    if (draft) raised += await raiseAll(ctx, config, [draft]);
    else resolved += await clear(ctx, (await unresolvedOf(ctx, 'target_gap', s.staffId)).filter((a) => a.period < date));
  }
  return { date, staff: staff.length, tasks, pending, withTasks, raised, resolved };
}

// ── gap analysis and the nightly email ──────────────────────────────────────────────────────────

async function gapAnalysisJob(ctx: UseCaseContext, config: TenantConfig, deps: JobDeps): Promise<JobSummary> {
  const tz = config.settings.timeZone;
  const date = localDay(ctx.now, tz);
  const week = weekPeriod(config, ctx.now);
  const weekName = isoWeekOf(week.from);
  const staff = await activeStaff(ctx);
  const ids = staff.map((s) => s.staffId);
  const window = { start: week.start, end: week.end };
  const figures = await ctx.services.insights.figures(ctx.actor.tenantId, ids, window);
  let raised = 0;
  let resolved = 0;
  for (const s of staff) {
    const low = lowConversionDrafts(s.staffId, weekName, lowConversions(conversions(figures.get(s.staffId)?.conversion ?? noConversions), config.settings.conversionMarginPoints), config.settings.lowConversionMinimumSample);
    const mix = productMixDraft(s.staffId, weekName, productMix(await ctx.services.insights.productRevenue(ctx.actor.tenantId, [s.staffId], window, config.settings.highValueThreshold), config.products.value, { threshold: config.settings.highValueThreshold, lowTicketLimit: config.settings.lowTicketShareLimit }));
    raised += await raiseAll(ctx, config, [...low, mix]);
    const still = new Set(low.map((d) => d.subject));
    // The week's alerts of this staff member that no longer hold (one read of their open alerts).
    const stale = (await ctx.services.alerts.unresolved(ctx.actor.tenantId, s.staffId)).filter(
      (a) => a.period === weekName && ((a.kind === 'low_conversion' && !still.has(a.subject)) || (a.kind === 'product_mix' && !mix)),
    );
    resolved += await clear(ctx, stale);
  }

  // The nightly email: each manager (and asst manager) with someone reporting to them, once a night.
  const sent: string[] = [];
  const failed: string[] = [];
  const managers = staff.filter((s) => s.role === 'manager' || s.role === 'asst_manager');
  for (const m of managers) {
    const team = staff.filter((s) => s.staffId !== m.staffId && s.path.startsWith(`${m.path}/`));
    if (team.length === 0 || !deps.sendNightly) continue;
    const runKey = `${date}#${m.staffId}`;
    if (!(await ctx.services.alerts.claimRun(ctx.actor.tenantId, 'nightly-email', runKey, ctx.now.toISOString()))) continue;
    try {
      const { messageId } = await deps.sendNightly(ctx, config, m, team, date);
      await ctx.services.alerts.finishRun(ctx.actor.tenantId, 'nightly-email', runKey, 'done', { messageId, sentAt: new Date().toISOString() });
      sent.push(m.staffId);
    } catch (error) {
      await ctx.services.alerts.finishRun(ctx.actor.tenantId, 'nightly-email', runKey, 'failed', { error: error instanceof Error ? error.message : String(error) });
      failed.push(m.staffId);
    }
  }
  // A failed send fails the run, so the queue brings it back; what was sent is not sent again.
  if (failed.length > 0) throw new Error(`nightly email failed for ${failed.join(', ')} (sent: ${sent.join(', ') || 'none'})`);
  return { date, week: weekName, staff: staff.length, raised, resolved, emailed: sent };
}

export async function runJob(deps: JobDeps, job: JobName, tenantId: string, at: Date): Promise<JobSummary> {
  const ctx = systemContext(deps.services, tenantId, at);
  const config = await tenantConfig(ctx);
  switch (job) {
    case 'missed-sweep':
      return missedSweep(ctx, config);
    case 'daily-tasks':
      return dailyTasksJob(ctx, config);
    case 'gap-analysis':
      return gapAnalysisJob(ctx, config, deps);
    case 'scheduled-reports': {
      if (!deps.scheduledReports) return { due: 0, sent: 0, skipped: 0, failed: [] };
      return runScheduledReports(deps.services, deps.scheduledReports, tenantId, at);
    }
    case 'reconcile': {
      // Every connection that can be polled pulls what changed since its last pull (#13).
      const { pulled, failed } = await reconcileTenant(deps.services, tenantId, at);
      return { connections: pulled.length, records: pulled.reduce((n, p) => n + p.records, 0), failed };
    }
  }
}
