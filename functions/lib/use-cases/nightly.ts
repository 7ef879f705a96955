import type { Alert } from '../../../domain/alerts/alert';
import type { Staff } from '../../../domain/staff/staff';
import { isoWeekOf } from '../../../domain/targets/periods';
import { composeNightly, renderNightly, type NightlyReport } from '../mail/nightly-email';
import type { Mailer } from '../mail/mailer';
import type { UseCaseContext } from './context';
import { managerDashboard } from './dashboards';
import { gapAnalysis } from './gap-analysis';
import type { TenantConfig } from './ports';

/** The latest news on top; alerts raised together by kind, then by what they say. */
const newestFirst = (a: Alert, b: Alert) => (a.createdAt !== b.createdAt ? (a.createdAt < b.createdAt ? 1 : -1) : a.kind !== b.kind ? (a.kind < b.kind ? -1 : 1) : a.message < b.message ? -1 : a.message > b.message ? 1 : 0);

/**
 * The nightly email's figures for one manager: the manager dashboard's week (target against
 * achieved, coverage), the gap analysis of each member, and each member's open alerts — the same
 * numbers the API answers, read as the system.
 */
export async function nightlyReport(ctx: UseCaseContext, config: TenantConfig, manager: Staff, team: readonly Staff[], day: string): Promise<NightlyReport> {
  const [dashboard, gaps, alerts] = await Promise.all([
    managerDashboard(ctx, manager.staffId, { period: 'week', date: day }),
    gapAnalysis(ctx, manager.staffId, isoWeekOf(day)),
    Promise.all(team.map((m) => ctx.services.alerts.unresolved(ctx.actor.tenantId, m.staffId))),
  ]);
  const rows = new Map(dashboard.team.map((r) => [r.staffId, r]));
  const diagnoses = new Map((gaps.team?.members ?? []).map((m) => [m.staffId, m.diagnoses]));
  return {
    tenantName: config.settings.name,
    manager: { staffId: manager.staffId, name: manager.name, email: manager.email },
    date: day,
    week: gaps.week,
    currency: config.settings.currency,
    team: {
      stages: dashboard.pipelineHealth.stages.filter((s) => s.required > 0).map((s) => ({ stage: s.stage, required: s.required, actual: s.actual, coverage: s.coverage })),
      members: team.map((m, i) => {
        const row = rows.get(m.staffId);
        return {
          staffId: m.staffId,
          name: m.name,
          role: m.role,
          revenue: { target: row?.revenue.target ?? null, achieved: row?.revenue.achieved ?? 0 },
          activity: (row?.activity ?? []).map((a) => ({ metric: a.metric, target: a.target, achieved: a.achieved })),
          coverage: row?.coverage ?? null,
          diagnoses: diagnoses.get(m.staffId) ?? [],
          alerts: [...alerts[i]!].sort(newestFirst).map((a) => ({ id: a.id, kind: a.kind, message: a.message, status: a.status, createdAt: a.createdAt })),
        };
      }),
    },
  };
}

/** Builds, renders and sends one manager's nightly email. */
export function nightlySender(mail: { mailer: Mailer; from: string }) {
  return async (ctx: UseCaseContext, config: TenantConfig, manager: Staff, team: Staff[], day: string) => {
    const report = await nightlyReport(ctx, config, manager, team, day);
    const raw = await composeNightly(report, await renderNightly(report), mail.from);
    return mail.mailer.send({ from: mail.from, to: [manager.email], raw, key: `nightly-${ctx.actor.tenantId}-${day}-${manager.staffId}` });
  };
}
