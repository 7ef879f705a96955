import { z } from 'zod';
import { Slug } from '../access/roles';
import { DomainError, invalid, type FieldError } from '../errors';
import { IsoDate, text } from '../shared/schemas';
import { addDays, localDay, localMidnight, weekdayOf } from '../targets/periods';
import { WEEKDAYS, type Weekday } from '../targets/targets';
import { parseOrThrow } from '../validation';
import { catalogueReport, compileCatalogueReport, resolvePeriod, type DefaultPeriod } from './catalogue';
import { defaultPeriods } from './catalogue/types';
import { compileReport, type CompileContext } from './compile';
import { ReportFilter, parseReportSpec, type ReportSpecInput } from './spec';
import { sources } from './sources';

/**
 * Saved and scheduled reports (#16 item 4; DESIGN §13 "saved reports are per tenant; a report can
 * be scheduled to email its result"). A saved report is a prebuilt report with its run request
 * (filters, groupBy) or a custom spec, and a period — relative (`last_week`, `this_month`, …: the
 * days it covers move with the day it runs) or fixed. Its owner may share it with the tenant and
 * schedule it daily or weekly at a local time of the tenant's zone, to email its CSV and a chart
 * to chosen staff.
 *
 * Whoever runs it — the owner, someone it is shared with, or the schedule for each recipient —
 * sees it over their own scope (DESIGN §4): a saved report holds a question, never an answer, so
 * sharing it or emailing it never shows anyone a row they could not read themselves.
 */

export const MAX_RECIPIENTS = 20;
/** A tenant keeps at most this many saved reports (SAVED_REPORTS_PER_TENANT). */
export const DEFAULT_SAVED_REPORTS_PER_TENANT = 200;

export const Frequency = z.enum(['daily', 'weekly']);
export type Frequency = z.infer<typeof Frequency>;

/** A local time on the quarter hour (the schedule's job runs every 15 minutes). */
const QuarterHour = z.string().regex(/^([01]\d|2[0-3]):(00|15|30|45)$/, 'must be a local time on the quarter hour, HH:MM with MM 00, 15, 30 or 45');

export const ReportSchedule = z
  .strictObject({
    frequency: Frequency,
    /** Weekly schedules: the day it goes out. */
    weekday: z.enum(WEEKDAYS).optional(),
    /** Local time in the tenant's zone. */
    time: QuarterHour,
    /** Staff ids it is emailed to; each receives it over their own scope. */
    recipients: z.array(Slug).min(1).max(MAX_RECIPIENTS),
  })
  .superRefine((s, ctx) => {
    if (s.frequency === 'weekly' && !s.weekday) ctx.addIssue({ code: 'custom', path: ['weekday'], message: 'a weekly schedule names its weekday', params: { code: 'required' } });
    if (s.frequency === 'daily' && s.weekday) ctx.addIssue({ code: 'custom', path: ['weekday'], message: 'a daily schedule takes no weekday', params: { code: 'not_allowed' } });
    const seen = new Set<string>();
    s.recipients.forEach((r, i) => {
      if (seen.has(r)) ctx.addIssue({ code: 'custom', path: ['recipients', i], message: `${r} is listed twice`, params: { code: 'duplicate' } });
      seen.add(r);
    });
  });
export type ReportSchedule = z.infer<typeof ReportSchedule>;

/** A relative period (one of the catalogue's default periods) or fixed local days. */
export const SavedPeriod = z.union([z.enum(defaultPeriods), z.strictObject({ from: IsoDate, to: IsoDate })]);
export type SavedPeriod = z.infer<typeof SavedPeriod>;

/**
 * A custom spec as saved (checked whole by checkDefinition; its period is the saved report's). Kept
 * as it came, not copied into a record: a `__proto__` key would be dropped by a copy, where a run
 * refuses it as an unknown field.
 */
const SavedSpec = z.custom<Record<string, unknown>>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), 'must be a custom report spec (an object)').check((ctx) => {
  for (const key of ['__proto__', 'constructor', 'prototype']) {
    if (Object.hasOwn(ctx.value, key)) ctx.issues.push({ code: 'custom', path: [key], message: 'is not a known field', params: { code: 'unknown_field' }, input: ctx.value });
  }
}).meta({ type: 'object', description: 'A custom report spec as POST /v1/reports/custom/run takes it (source, dimensions, measures, ratios, filters, sort, limit), without its period.' });

const fields = {
  name: text({ max: 120 }),
  description: text({ max: 1000, multiline: true, allowEmpty: true }).optional(),
  /** A prebuilt report's id… */
  reportId: z.string().regex(/^[a-z0-9][a-z0-9-]{0,79}$/, 'is not a report id (lower-case letters, digits and -)').optional(),
  /** …with these added to its filters, and this replacing its dimensions; */
  filters: z.array(ReportFilter).max(20).optional(),
  groupBy: z.array(z.string().max(64)).max(4).optional(),
  /** …or a custom spec (DESIGN §13), without its period. */
  spec: SavedSpec.optional(),
  /** Default: the prebuilt report's default period; `last_30_days` for a custom spec (none for a snapshot source). */
  period: SavedPeriod.optional(),
  /** Everyone in the tenant who runs reports may list, read and run it (each over their own scope). */
  shared: z.boolean().default(false),
  schedule: ReportSchedule.nullable().optional(),
};

export const SavedReportInput = z.strictObject(fields);
export type SavedReportInput = z.infer<typeof SavedReportInput>;
// No defaults in a patch: what it does not name stays as saved.
const { reportId: _reportId, shared: _shared, ...patchable } = fields;
export const SavedReportPatch = z.strictObject({ ...patchable, shared: z.boolean() }).partial();
export type SavedReportPatch = z.infer<typeof SavedReportPatch>;

export interface SavedRun {
  /** The scheduled instant it ran for. */
  at: string;
  status: 'sent' | 'partial' | 'failed';
  recipients: { staffId: string; status: 'sent' | 'skipped' | 'failed'; rows?: number; reason?: string }[];
}

export interface SavedReport {
  id: string;
  name: string;
  description?: string;
  reportId?: string;
  filters?: z.infer<typeof ReportFilter>[];
  groupBy?: string[];
  spec?: Omit<ReportSpecInput, 'period'>;
  period: SavedPeriod;
  shared: boolean;
  owner: string;
  schedule?: ReportSchedule;
  /** The next scheduled instant (UTC), while scheduled. */
  nextRunAt?: string;
  lastRun?: SavedRun;
  createdAt: string;
  updatedAt: string;
  updatedBy: string;
  version: number;
}

// ── checking a definition ─────────────────────────────────────────────────────────────────────

/** A compile context for checking a definition: the compiler is pure; its scope and tenant do not change what is valid. */
const checkContext: CompileContext = { tenantId: 'check', scope: { kind: 'tenant' }, timeZone: 'UTC', weekStartsOn: 'monday', asOf: '2026-01-01T00:00:00.000Z', highValueThreshold: 0, leadResponseSlaMinutes: 15 };
const CHECK_DAY = '2026-01-01';

/** The period a custom spec's source opens with when none is saved. */
const defaultCustomPeriod = (spec: Record<string, unknown>): DefaultPeriod => {
  const source = typeof spec.source === 'string' && Object.hasOwn(sources, spec.source) ? sources[spec.source as keyof typeof sources] : undefined;
  return source?.periodOptional ? 'none' : 'last_30_days';
};

/** The period a saved report covers on `today` (the tenant's local day); undefined for a snapshot of now. */
export function savedPeriodOn(period: SavedPeriod, today: string, weekStartsOn: 'monday' | 'sunday'): { from: string; to: string } | undefined {
  return typeof period === 'string' ? resolvePeriod(period, today, weekStartsOn) : period;
}

/** What a run of the saved report asks: the prebuilt report's id and request, or the custom spec. */
export type SavedRunRequest =
  | { kind: 'prebuilt'; reportId: string; request: { period?: { from: string; to: string }; filters?: z.infer<typeof ReportFilter>[]; groupBy?: string[] } }
  | { kind: 'custom'; spec: ReportSpecInput };

export function savedRunRequest(s: Pick<SavedReport, 'reportId' | 'filters' | 'groupBy' | 'spec' | 'period'>, today: string, weekStartsOn: 'monday' | 'sunday'): SavedRunRequest {
  const period = savedPeriodOn(s.period, today, weekStartsOn);
  if (s.reportId !== undefined) return { kind: 'prebuilt', reportId: s.reportId, request: { ...(period && { period }), ...(s.filters && { filters: s.filters }), ...(s.groupBy && { groupBy: s.groupBy }) } };
  return { kind: 'custom', spec: { ...(s.spec as ReportSpecInput), ...(period && { period }) } };
}

/** Re-roots errors a check found at `body.*` (a custom spec's own paths are under `body.spec`). */
const reroot = (error: unknown, from: RegExp, to: string): never => {
  if (error instanceof DomainError && error.details.errors) for (const e of error.details.errors as FieldError[]) e.field = e.field.replace(from, to);
  throw error;
};

/**
 * Checks what a saved report runs, as a run would (every name against its source's allow-list),
 * so a schedule never fails for a definition that could not run: errors at their paths
 * (`body.reportId` unknown_report, `body.filters.0.op`, `body.spec.measures.1`, `body.period`).
 */
export function checkDefinition(s: Pick<SavedReport, 'reportId' | 'filters' | 'groupBy' | 'spec' | 'period'>): void {
  const one = [s.reportId !== undefined, s.spec !== undefined].filter(Boolean).length;
  if (one !== 1) throw invalid([{ field: 'body.reportId', code: 'one_required', message: 'name a prebuilt report (reportId) or give a custom spec (spec), not both' }]);
  if (s.spec !== undefined && (s.filters !== undefined || s.groupBy !== undefined)) {
    throw invalid([{ field: s.filters !== undefined ? 'body.filters' : 'body.groupBy', code: 'not_allowed', message: 'a custom spec carries its own filters and dimensions' }]);
  }
  if (s.spec !== undefined && Object.hasOwn(s.spec, 'period')) throw invalid([{ field: 'body.spec.period', code: 'not_allowed', message: 'the saved report’s period is its own field, body.period' }]);
  const run = savedRunRequest(s, CHECK_DAY, 'monday');
  if (run.kind === 'prebuilt') {
    const report = catalogueReport(run.reportId);
    if (!report) throw invalid([{ field: 'body.reportId', code: 'unknown_report', message: `${run.reportId} is not a prebuilt report (GET /v1/reports lists them)` }]);
    if (report.defaultPeriod !== 'none' && s.period === 'none') throw invalid([{ field: 'body.period', code: 'period_required', message: `${report.id} reports on a period` }]);
    compileCatalogueReport(report, run.request, checkContext);
    return;
  }
  try {
    compileReport(parseReportSpec(run.spec, 'body'), checkContext);
  } catch (error) {
    // The spec's own fields under body.spec; its period is the saved report's.
    reroot(error, /^body\.(?!period\b)/, 'body.spec.');
  }
}

/** The saved report a create makes (owner, defaults, the first scheduled instant), its definition checked. */
export function newSavedReport(input: SavedReportInput, by: { id: string; owner: string; now: Date; timeZone: string }): SavedReport {
  const period = input.period ?? (input.reportId !== undefined ? (catalogueReport(input.reportId)?.defaultPeriod ?? 'none') : defaultCustomPeriod(input.spec ?? {}));
  const at = by.now.toISOString();
  const s: SavedReport = {
    id: by.id,
    name: input.name,
    ...(input.description && { description: input.description }),
    ...(input.reportId !== undefined && { reportId: input.reportId }),
    ...(input.filters && { filters: input.filters }),
    ...(input.groupBy && { groupBy: input.groupBy }),
    ...(input.spec && { spec: input.spec as SavedReport['spec'] }),
    period,
    shared: input.shared,
    owner: by.owner,
    ...(input.schedule && { schedule: input.schedule, nextRunAt: nextRunAt(input.schedule, by.now, by.timeZone) }),
    createdAt: at,
    updatedAt: at,
    updatedBy: by.owner,
    version: 1,
  };
  checkDefinition(s);
  return s;
}

/** A patch applied: what it names replaces what was saved (`schedule: null` unschedules); the definition checked again. */
export function patchSavedReport(before: SavedReport, patch: SavedReportPatch, by: { staffId: string; now: Date; timeZone: string }): SavedReport {
  const { schedule, description, spec, ...rest } = patch;
  if (spec !== undefined && before.spec === undefined) throw invalid([{ field: 'body.spec', code: 'not_allowed', message: 'a saved prebuilt report stays one; save a new report for a custom spec' }]);
  if (before.spec !== undefined && (patch.filters !== undefined || patch.groupBy !== undefined)) {
    throw invalid([{ field: patch.filters !== undefined ? 'body.filters' : 'body.groupBy', code: 'not_allowed', message: 'a custom spec carries its own filters and dimensions' }]);
  }
  const after: SavedReport = { ...before, ...rest, ...(spec !== undefined && { spec: spec as SavedReport['spec'] }), updatedAt: by.now.toISOString(), updatedBy: by.staffId, version: before.version + 1 };
  if (description !== undefined) {
    if (description === '') delete after.description;
    else after.description = description;
  }
  if (schedule === null) {
    delete after.schedule;
    delete after.nextRunAt;
  } else if (schedule !== undefined) {
    after.schedule = schedule;
    after.nextRunAt = nextRunAt(schedule, by.now, by.timeZone);
  }
  checkDefinition(after);
  return after;
}

export const parseSavedReportInput = (raw: unknown): SavedReportInput => parseOrThrow(SavedReportInput, raw, 'body');
export const parseSavedReportPatch = (raw: unknown): SavedReportPatch => parseOrThrow(SavedReportPatch, raw, 'body');

// ── the schedule ──────────────────────────────────────────────────────────────────────────────

/** The instant of local `time` on local `day` in `timeZone`. */
function localInstant(day: string, time: string, timeZone: string): Date {
  const [h, m] = time.split(':').map(Number) as [number, number];
  const guess = new Date(Date.parse(localMidnight(day, timeZone)) + (h * 60 + m) * 60_000);
  // The offset changed between midnight and `time` (a daylight-saving day): move by what the clock shows apart.
  const shown = new Intl.DateTimeFormat('en-GB', { timeZone, hourCycle: 'h23', hour: '2-digit', minute: '2-digit' }).formatToParts(guess);
  const minutes = Number(shown.find((p) => p.type === 'hour')!.value) * 60 + Number(shown.find((p) => p.type === 'minute')!.value);
  const apart = ((h * 60 + m - minutes + 720 + 1440) % 1440) - 720;
  return new Date(guess.getTime() + apart * 60_000);
}

/** The first scheduled instant strictly after `after`: the next day (or the next `weekday`) at `time`, local to `timeZone`. */
export function nextRunAt(schedule: Pick<ReportSchedule, 'frequency' | 'weekday' | 'time'>, after: Date, timeZone: string): string {
  const today = localDay(after, timeZone);
  for (let d = 0; d <= 8; d++) {
    const day = addDays(today, d);
    if (schedule.frequency === 'weekly' && weekdayOf(day) !== (schedule.weekday as Weekday)) continue;
    const at = localInstant(day, schedule.time, timeZone);
    if (at.getTime() > after.getTime()) return at.toISOString();
  }
  /* c8 ignore next */
  throw new Error('no scheduled instant within 8 days');
}

/** Whether the schedule is due at the job's instant. */
export const isDue = (s: Pick<SavedReport, 'schedule' | 'nextRunAt'>, at: Date): boolean => s.schedule !== undefined && s.nextRunAt !== undefined && Date.parse(s.nextRunAt) <= at.getTime();

/** Who may see a saved report: its owner, tenant admins, and everyone who runs reports when it is shared. */
export const canSee = (s: Pick<SavedReport, 'owner' | 'shared'>, viewer: { staffId: string; role: string }): boolean => s.shared || s.owner === viewer.staffId || viewer.role === 'tenant_admin';
/** Who may change or delete it: its owner and tenant admins. */
export const canChange = (s: Pick<SavedReport, 'owner'>, viewer: { staffId: string; role: string }): boolean => s.owner === viewer.staffId || viewer.role === 'tenant_admin';

