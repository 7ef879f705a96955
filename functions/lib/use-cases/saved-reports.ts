import { authorize, can, mayListFor } from '../../../domain/access/policy';
import { DomainError, forbidden, invalid, notFound, type FieldError } from '../../../domain/errors';
import { canChange, canSee, DEFAULT_SAVED_REPORTS_PER_TENANT, isDue, newSavedReport, nextRunAt, parseSavedReportInput, parseSavedReportPatch, patchSavedReport, savedRunRequest, type SavedReport, type SavedRun } from '../../../domain/reports/saved';
import { SYSTEM_ACTOR } from '../../../domain/events/event';
import type { Staff } from '../../../domain/staff/staff';
import { MAX_LIMIT } from '../../../domain/reports/spec';
import { localDay } from '../../../domain/targets/periods';
import { ids } from '../ids';
import { logger } from '../logger';
import type { Mailer } from '../mail/mailer';
import { composeReportEmail, renderReportEmail } from '../mail/report-email';
import { assertVersion, contextOf, tenantConfig, type UseCaseContext } from './context';
import type { Page, PageRequest, Services, TenantConfig } from './ports';
import { reportsDeps, runCatalogueReport, runCustomReport, type ReportResult, type ReportsDeps } from './reports';

/**
 * Saved and scheduled reports (#16 item 4; `/v1/reports/saved`). Anyone who runs reports may save
 * one; its owner and tenant admins change it; shared ones are listed, read and run by everyone in
 * the tenant who runs reports. Every run — by the owner, by someone it is shared with, by the
 * schedule for each recipient — is over the runner's own scope (reports.ts), so a saved report
 * never shows anyone a row they could not read. A schedule's recipients are staff the owner may
 * see (a seller: themselves), active, whose role runs reports.
 */

const maxSaved = () => Math.max(1, Number(process.env.SAVED_REPORTS_PER_TENANT) || DEFAULT_SAVED_REPORTS_PER_TENANT);

async function visible(ctx: UseCaseContext, id: string): Promise<SavedReport> {
  authorize(ctx.actor, 'report:run');
  await tenantConfig(ctx);
  const s = await ctx.services.savedReports.get(ctx.actor.tenantId, id);
  // Someone else's private report does not exist for the caller.
  if (!s || !canSee(s, ctx.actor)) throw notFound('saved report', id);
  return s;
}

async function changeable(ctx: UseCaseContext, id: string): Promise<SavedReport> {
  const s = await visible(ctx, id);
  if (!canChange(s, ctx.actor)) throw forbidden('not_owner', 'Only its owner and tenant admins may change or delete a saved report; save a copy of your own instead.');
  return s;
}

/** Each recipient: a staff member the caller may see, active, whose role runs reports and who has an email. */
async function checkRecipients(ctx: UseCaseContext, recipients: readonly string[]): Promise<void> {
  const viewer = await ctx.viewer();
  const errors: FieldError[] = [];
  await Promise.all(
    recipients.map(async (staffId, i) => {
      const field = `body.schedule.recipients.${i}`;
      const staff = staffId === ctx.actor.staffId || mayListFor(viewer, staffId) ? await ctx.services.staff.get(ctx.actor.tenantId, staffId) : undefined;
      if (!staff) return errors.push({ field, code: 'unknown_recipient', message: `${staffId} is not a staff member you can see` });
      if (!staff.active) return errors.push({ field, code: 'recipient_inactive', message: `${staffId} is deactivated` });
      if (!can({ tenantId: ctx.actor.tenantId, staffId, role: staff.role }, 'report:run')) return errors.push({ field, code: 'recipient_cannot_run_reports', message: `a ${staff.role} does not receive reports` });
      if (!staff.email) errors.push({ field, code: 'recipient_without_email', message: `${staffId} has no email address` });
    }),
  );
  if (errors.length) throw invalid(errors.sort((a, b) => (a.field < b.field ? -1 : 1)));
}

/** POST /v1/reports/saved */
export async function createSavedReport(ctx: UseCaseContext, raw: unknown): Promise<SavedReport> {
  authorize(ctx.actor, 'report:run');
  const config = await tenantConfig(ctx);
  const s = newSavedReport(parseSavedReportInput(raw), { id: ids.savedReport(), owner: ctx.actor.staffId, now: ctx.now, timeZone: config.settings.timeZone });
  if (s.schedule) await checkRecipients(ctx, s.schedule.recipients);
  await ctx.services.savedReports.create(ctx.actor.tenantId, s, maxSaved());
  return s;
}

/** GET /v1/reports/saved: the caller's own, the shared ones (all, for tenant admins), oldest first. */
export async function listSavedReports(ctx: UseCaseContext, page: PageRequest): Promise<Page<SavedReport>> {
  authorize(ctx.actor, 'report:run');
  await tenantConfig(ctx);
  return ctx.services.savedReports.list(ctx.actor.tenantId, page, (s) => canSee(s, ctx.actor));
}

export const getSavedReport = (ctx: UseCaseContext, id: string): Promise<SavedReport> => visible(ctx, id);

/** PATCH /v1/reports/saved/{id} (If-Match) */
export async function updateSavedReport(ctx: UseCaseContext, id: string, raw: unknown, expectedVersion: number): Promise<SavedReport> {
  const before = await changeable(ctx, id);
  const patch = parseSavedReportPatch(raw);
  assertVersion(before.version, expectedVersion, 'saved report');
  const config = await tenantConfig(ctx);
  const after = patchSavedReport(before, patch, { staffId: ctx.actor.staffId, now: ctx.now, timeZone: config.settings.timeZone });
  if (patch.schedule) await checkRecipients(ctx, patch.schedule.recipients);
  await ctx.services.savedReports.save(ctx.actor.tenantId, before, after);
  return after;
}

/** DELETE /v1/reports/saved/{id} */
export async function deleteSavedReport(ctx: UseCaseContext, id: string, expectedVersion: number | undefined): Promise<void> {
  const before = await changeable(ctx, id);
  assertVersion(before.version, expectedVersion, 'saved report');
  await ctx.services.savedReports.delete(ctx.actor.tenantId, before);
}

/** A page of a run: `limit` rows, after the previous page's `cursor`. */
export interface SavedRunPage {
  limit?: number | undefined;
  cursor?: string | undefined;
}

/** Runs a saved report over the caller's scope, its period resolved on the tenant's today. */
async function runSaved(ctx: UseCaseContext, deps: ReportsDeps, s: SavedReport, page: SavedRunPage = {}): Promise<ReportResult> {
  const config = await tenantConfig(ctx);
  const run = savedRunRequest(s, localDay(ctx.now, config.settings.timeZone), config.settings.weekStartsOn);
  const paging = { ...(page.limit !== undefined && { limit: page.limit }), ...(page.cursor !== undefined && { cursor: page.cursor }) };
  return run.kind === 'prebuilt' ? runCatalogueReport(ctx, deps, run.reportId, { ...run.request, ...paging }) : runCustomReport(ctx, deps, { ...run.spec, ...paging });
}

/** POST /v1/reports/saved/{id}/run */
export async function runSavedReport(ctx: UseCaseContext, deps: ReportsDeps, id: string, page: SavedRunPage = {}): Promise<ReportResult> {
  return runSaved(ctx, deps, await visible(ctx, id), page);
}

// ── the schedule ──────────────────────────────────────────────────────────────────────────────

export interface ScheduledReportDeps {
  reports: ReportsDeps;
  mail: { mailer: Mailer; from: string };
}

/**
 * The job's reporting store and mailer. Its runs count in the tenant's minute like any run (so
 * people's runs meet what the schedule takes) but are not refused by it: a schedule is not a burst.
 */
export async function scheduledReportDeps(mail: { mailer: Mailer; from: string }): Promise<ScheduledReportDeps> {
  return { reports: { ...(await reportsDeps()), perMinute: Number.MAX_SAFE_INTEGER }, mail };
}

/** A run that keeps failing is given up on after this long (the next one is scheduled). */
const GIVE_UP_MS = 6 * 3_600_000;
const JOB = 'scheduled-report';

/**
 * The scheduled-reports job (every 15 minutes, each tenant): each due saved report, run for each
 * recipient over the recipient's own scope and emailed (CSV attached, a chart inline) — once per
 * recipient and scheduled instant (a job-run marker), so a retry sends only what failed. A
 * recipient who can no longer receive it (deactivated, a role that runs no reports) or whose scope
 * the report cannot be limited to is skipped and says why in `lastRun`. The next run is the next
 * scheduled instant after now (a late job sends one, not a backlog); a failure that may pass (the
 * mailer, the reporting store) leaves it due and fails the job, so the queue brings it back.
 */
export async function runScheduledReports(services: Services, deps: ScheduledReportDeps, tenantId: string, at: Date): Promise<{ due: number; sent: number; skipped: number; failed: string[] }> {
  const system = contextOf({ tenantId, staffId: SYSTEM_ACTOR, role: 'tenant_admin' }, at, services);
  const config = await tenantConfig(system);
  const due = (await services.savedReports.scheduled(tenantId)).filter((s) => isDue(s, at));
  let names: Promise<Map<string, string>> | undefined;
  const job: JobRun = { services, deps, tenantId, config, at, namesOf: () => (names ??= namesFor(services, tenantId, config)) };
  const failed: string[] = [];
  let sent = 0;
  let skipped = 0;
  for (const s of due) {
    const run = await sendScheduled(job, s);
    sent += run.recipients.filter((r) => r.status === 'sent').length;
    skipped += run.recipients.filter((r) => r.status === 'skipped').length;
    const gaveUp = at.getTime() - Date.parse(s.nextRunAt!) > GIVE_UP_MS;
    if (run.status !== 'failed' || gaveUp) await advance(services, tenantId, s, run, at, config.settings.timeZone);
    if (run.recipients.some((r) => r.status === 'failed') && !gaveUp) failed.push(s.id);
  }
  if (failed.length) throw new Error(`scheduled reports failed for ${failed.join(', ')} (sent ${sent})`);
  return { due: due.length, sent, skipped, failed };
}

/** One tenant's run of the job: what every send of it shares (the staff and product names read once, on the first send). */
interface JobRun {
  services: Services;
  deps: ScheduledReportDeps;
  tenantId: string;
  config: TenantConfig;
  at: Date;
  namesOf: () => Promise<Map<string, string>>;
}

async function sendScheduled(job: JobRun, s: SavedReport): Promise<SavedRun> {
  const { services, tenantId, at } = job;
  const runAt = s.nextRunAt!;
  const recipients: SavedRun['recipients'] = [];
  for (const staffId of s.schedule!.recipients) {
    const runKey = `${s.id}#${runAt}#${staffId}`;
    if (!(await services.alerts.claimRun(tenantId, JOB, runKey, at.toISOString()))) {
      recipients.push({ staffId, status: 'sent', reason: 'sent by an earlier try' });
      continue;
    }
    const outcome = await sendTo(job, s, staffId);
    recipients.push({ staffId, ...outcome });
    await services.alerts.finishRun(tenantId, JOB, runKey, outcome.status === 'failed' ? 'failed' : 'done', { status: outcome.status, ...(outcome.reason && { reason: outcome.reason }) });
  }
  const n = (status: string) => recipients.filter((r) => r.status === status).length;
  return { at: runAt, status: n('failed') === 0 ? 'sent' : n('failed') === recipients.length ? 'failed' : 'partial', recipients };
}

async function sendTo(job: JobRun, s: SavedReport, staffId: string): Promise<Omit<SavedRun['recipients'][number], 'staffId'>> {
  const { services, deps, tenantId, config, at } = job;
  const staff: Staff | undefined = await services.staff.get(tenantId, staffId);
  if (!staff?.active) return { status: 'skipped', reason: staff ? 'deactivated' : 'no such staff member' };
  if (!can({ tenantId: tenantId, staffId, role: staff.role }, 'report:run')) return { status: 'skipped', reason: `a ${staff.role} does not receive reports` };
  const ctx = contextOf({ tenantId: tenantId, staffId, role: staff.role }, at, services);
  let result: ReportResult;
  try {
    // The email's CSV holds the whole result up to the largest page (it says so when there is more).
    result = await runSaved(ctx, deps.reports, s, { limit: MAX_LIMIT });
  } catch (error) {
    // What the recipient may not run (a scope the report cannot be limited to, a result too large) will not pass by retrying.
    if (error instanceof DomainError) return { status: 'skipped', reason: `${error.code}: ${error.message}` };
    logger.warn('scheduled report failed to run', { savedReportId: s.id, staffId, error: error instanceof Error ? error.message : String(error) });
    return { status: 'failed', reason: 'the report could not be run' };
  }
  try {
    const names = await job.namesOf();
    const rendered = await renderReportEmail({ tenantName: config.settings.name, saved: s, recipient: staff, result, names, currency: config.settings.currency });
    const raw = await composeReportEmail(rendered, { from: deps.mail.from, to: staff }, s.id);
    await deps.mail.mailer.send({ from: deps.mail.from, to: [staff.email], raw, key: `report-${tenantId}-${s.id}-${s.nextRunAt}-${staffId}`, tenantId: tenantId });
    return { status: 'sent', rows: result.rows.length };
  } catch (error) {
    logger.warn('scheduled report failed to send', { savedReportId: s.id, staffId, error: error instanceof Error ? error.message : String(error) });
    return { status: 'failed', reason: 'the email could not be sent' };
  }
}

/** Staff names by id, for the email's rows (the CSV keeps the ids); product names join them. */
async function namesFor(services: Services, tenantId: string, config: TenantConfig): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  let cursor: string | undefined;
  do {
    const page = await services.staff.list(tenantId, { limit: 100, ...(cursor && { cursor }) });
    for (const m of page.items) names.set(m.staffId, m.name);
    cursor = page.cursor;
  } while (cursor);
  for (const p of config.products.value) if (!names.has(p.id)) names.set(p.id, p.name);
  return names;
}

/** Records the run and schedules the next; an owner's edit meanwhile wins (its own next run stands). */
async function advance(services: Services, tenantId: string, s: SavedReport, run: SavedRun, at: Date, timeZone: string): Promise<void> {
  let before = s;
  for (let attempt = 0; attempt < 3; attempt++) {
    const after: SavedReport = { ...before, lastRun: run, ...(before.schedule && { nextRunAt: nextRunAt(before.schedule, at, timeZone) }) };
    try {
      await services.savedReports.save(tenantId, before, after);
      return;
    } catch (error) {
      if (!(error instanceof DomainError && error.code === 'concurrent_update')) throw error;
      const fresh = await services.savedReports.get(tenantId, s.id);
      // Deleted, unscheduled or rescheduled meanwhile: nothing more to do.
      if (!fresh || fresh.nextRunAt !== s.nextRunAt) return;
      before = fresh;
    }
  }
}
