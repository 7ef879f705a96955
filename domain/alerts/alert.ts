import { createHash } from 'node:crypto';
import { z } from 'zod';
import { conflict } from '../errors';
import { formatInrShort } from '../pipeline/money';
import type { ProductMix } from '../catalogue/product-mix';
import type { TargetGap } from '../targets/achievement';
import type { Conversion } from '../targets/conversion';
import { eventWords, localDateTime } from '../tasks/tasks';

/**
 * Alerts (spec §13, DESIGN §3 "Tasks, alerts, gap analysis"): a condition about one staff member
 * in one period, raised by the system, acknowledged and resolved by people, resolved by the system
 * when the condition clears. One alert per condition and period: the id is derived from
 * (kind, staff, period, subject), so a job run twice raises nothing twice.
 *
 *   missed_follow_up  a follow-up of theirs was marked Missed (period: the day; subject: the event)
 *   target_gap        an activity or revenue figure below 70 % of the pro-rata target (period: the day)
 *   low_conversion    a conversion step below its assumption by the tenant margin, from a sample of
 *                     at least `minimumSample` (period: the week; subject: the step)
 *   product_mix       low-ticket revenue above the tenant's share limit (period: the week)
 *   lead_response     a new lead's first-response call still Pending at its due time (issue #13
 *                     item 7; period: the day it was due; subject: the call)
 *   escalation        another alert unresolved past its deadline, or N follow-ups missed in a row:
 *                     to the staff member's manager, and up the hierarchy when unresolved again
 */
export const alertKinds = ['missed_follow_up', 'target_gap', 'low_conversion', 'product_mix', 'lead_response', 'escalation'] as const;
export const AlertKind = z.enum(alertKinds);
export type AlertKind = z.infer<typeof AlertKind>;
export const AlertStatus = z.enum(['open', 'acknowledged', 'resolved']);
export type AlertStatus = z.infer<typeof AlertStatus>;

export const Alert = z
  .object({
    id: z.string(),
    kind: AlertKind,
    /** Whom it is about. */
    staffId: z.string(),
    status: AlertStatus,
    /** A day (2026-12-01) or an ISO week (2026-W49), in the tenant's time zone. */
    period: z.string(),
    /** What in the period it is about: an event id, a conversion step, an escalated alert's id; '' for the staff member's period as a whole. */
    subject: z.string(),
    message: z.string(),
    evidence: z.record(z.string(), z.unknown()),
    createdAt: z.string(),
    /** Unresolved past this instant, it is escalated. */
    deadline: z.string(),
    /** Escalations: whom it went to, and how far up (1: the manager). */
    escalatedTo: z.string().optional(),
    level: z.number().int().min(1).optional(),
    acknowledgedAt: z.string().optional(),
    acknowledgedBy: z.string().optional(),
    resolvedAt: z.string().optional(),
    resolvedBy: z.string().optional(),
    /** `condition_cleared`: the system saw the condition end; `resolved`: a person closed it. */
    resolution: z.enum(['resolved', 'condition_cleared']).optional(),
    acknowledgeNote: z.string().optional(),
    resolveNote: z.string().optional(),
    version: z.number().int().min(1),
  })
  .meta({ id: 'Alert' });
export type Alert = z.infer<typeof Alert>;

export const alertId = (kind: AlertKind, staffId: string, period: string, subject = '') =>
  `al_${createHash('sha256').update(JSON.stringify([kind, staffId, period, subject])).digest('hex').slice(0, 32)}`;

export interface AlertDraft {
  kind: AlertKind;
  staffId: string;
  period: string;
  subject?: string;
  message: string;
  evidence: Record<string, unknown>;
  escalatedTo?: string;
  level?: number;
}

export function raise(d: AlertDraft, now: Date, escalateAfterHours: number): Alert {
  return {
    id: alertId(d.kind, d.staffId, d.period, d.subject),
    kind: d.kind,
    staffId: d.staffId,
    status: 'open',
    period: d.period,
    subject: d.subject ?? '',
    message: d.message,
    evidence: d.evidence,
    createdAt: now.toISOString(),
    deadline: new Date(now.getTime() + escalateAfterHours * 3_600_000).toISOString(),
    ...(d.escalatedTo && { escalatedTo: d.escalatedTo }),
    ...(d.level && { level: d.level }),
    version: 1,
  };
}

export function acknowledge(a: Alert, by: string, now: Date, note?: string): Alert {
  if (a.status !== 'open') throw conflict('alert_not_open', `Alert ${a.id} is ${a.status}; only an open alert can be acknowledged.`);
  return { ...a, status: 'acknowledged', acknowledgedAt: now.toISOString(), acknowledgedBy: by, ...(note && { acknowledgeNote: note }), version: a.version + 1 };
}

export function resolve(a: Alert, by: string, now: Date, resolution: 'resolved' | 'condition_cleared', note?: string): Alert {
  if (a.status === 'resolved') throw conflict('alert_resolved', `Alert ${a.id} is already resolved.`);
  return { ...a, status: 'resolved', resolvedAt: now.toISOString(), resolvedBy: by, resolution, ...(note && { resolveNote: note }), version: a.version + 1 };
}

/** Unresolved (open or acknowledged) past its deadline: time to tell the next one up. */
export const overdue = (a: Alert, now: Date) => a.status !== 'resolved' && Date.parse(a.deadline) <= now.getTime();

// ── conditions → drafts ─────────────────────────────────────────────────────────────────────────

const pct = (r: number) => `${Math.round(r * 100)} %`;

export function missedFollowUpDraft(e: { id: string; type: string; opportunityId: string; clientId: string; scheduledAt: string; assignee: string }, day: string, timeZone: string): AlertDraft {
  return {
    kind: 'missed_follow_up',
    staffId: e.assignee,
    period: day,
    subject: e.id,
    message: `${eventWords[e.type] ?? e.type} due ${localDateTime(e.scheduledAt, timeZone)} was missed: follow the client up and put the next step in the diary.`,
    evidence: { eventId: e.id, type: e.type, opportunityId: e.opportunityId, clientId: e.clientId, scheduledAt: e.scheduledAt },
  };
}

/** A lead source's name in words ("New lead from Facebook Lead Ads"); the provider id otherwise. */
const channelWords: Record<string, string> = { facebook_lead_ads: 'Facebook Lead Ads', web_form: 'the web form', whatsapp: 'WhatsApp', generic: 'an integration' };

/** A new lead's first-response call (issue #13 item 7) still Pending at its due time: the SLA is breached from that instant. */
export const firstResponseOverdue = (e: { purpose?: string | undefined; status: string; scheduledAt: string }, now: Date) =>
  e.purpose === 'first_response' && e.status === 'Pending' && Date.parse(e.scheduledAt) <= now.getTime();

/**
 * The first-response SLA breached: raised at the call's due time, before the missed sweep's grace
 * marks it Missed (that raises its own missed_follow_up). `lead`: the opportunity's source, when
 * it has one (a repeat lead refreshes an opportunity that may have none of its own).
 */
export function leadResponseDraft(
  e: { id: string; opportunityId: string; clientId: string; scheduledAt: string; assignee: string },
  lead: { channel: string; connectionId?: string; arrivedAt: string } | undefined,
  slaMinutes: number,
  day: string,
  timeZone: string,
): AlertDraft {
  const from = lead ? (channelWords[lead.channel] ?? lead.channel) : 'a lead source';
  return {
    kind: 'lead_response',
    staffId: e.assignee,
    period: day,
    subject: e.id,
    message: `New lead from ${from} not called within ${slaMinutes} minutes (the call was due ${localDateTime(e.scheduledAt, timeZone)}): call them now.`,
    evidence: {
      eventId: e.id,
      opportunityId: e.opportunityId,
      clientId: e.clientId,
      dueAt: e.scheduledAt,
      slaMinutes,
      ...(lead && { channel: lead.channel, arrivedAt: lead.arrivedAt, ...(lead.connectionId && { connectionId: lead.connectionId }) }),
    },
  };
}

export function targetGapDraft(staffId: string, day: string, gaps: readonly TargetGap[]): AlertDraft | undefined {
  if (gaps.length === 0) return undefined;
  // Whole numbers in words (12.5 calls due reads "13"); the evidence keeps the exact figures.
  const words = gaps.map((g) => (g.metric === 'revenue' ? `revenue ${formatInrShort(g.achieved)} of ${formatInrShort(g.due)}` : `${g.metric} ${g.achieved} of ${Math.round(g.due)}`));
  return {
    kind: 'target_gap',
    staffId,
    period: day,
    message: `Behind the target due by now (below 70 %): ${words.join(', ')}.`,
    evidence: { gaps: gaps.map((g) => ({ metric: g.metric, achieved: g.achieved, due: g.due, ratio: g.ratio })) },
  };
}

/** Low steps with at least `minimumSample` entering them (one lost deal is not an alert). */
export function lowConversionDrafts(staffId: string, week: string, low: readonly Conversion[], minimumSample: number): AlertDraft[] {
  return low
    .filter((c) => c.denominator >= minimumSample)
    .map((c) => ({
      kind: 'low_conversion' as const,
      staffId,
      period: week,
      subject: `${c.from}->${c.to}`,
      message: `${c.from} → ${c.to} at ${pct(c.ratio ?? 0)} (${c.numerator} of ${c.denominator}) against the ${pct(c.assumption)} assumed.`,
      evidence: { from: c.from, to: c.to, ratio: c.ratio, assumption: c.assumption, numerator: c.numerator, denominator: c.denominator },
    }));
}

export function productMixDraft(staffId: string, week: string, mix: ProductMix): AlertDraft | undefined {
  if (!mix.overLowTicketLimit) return undefined;
  return {
    kind: 'product_mix',
    staffId,
    period: week,
    message: `Low-ticket deals made ${pct(mix.lowValue.share)} of revenue (limit ${pct(mix.lowTicketLimit / 100)}): sell the higher tiers too.`,
    evidence: { lowValueShare: mix.lowValue.share, limit: mix.lowTicketLimit / 100, revenue: mix.total, lowValueRevenue: mix.lowValue.revenue },
  };
}

/** An escalation of `a` to `to`, `level` steps up. */
export function escalationDraft(a: Alert, to: string, level: number): AlertDraft {
  return {
    kind: 'escalation',
    staffId: a.staffId,
    period: a.period,
    subject: `${a.id}#${level}`,
    escalatedTo: to,
    level,
    message: a.kind === 'escalation' ? `Still unresolved after escalation: ${a.message}` : `Unresolved past its deadline: ${a.message}`,
    evidence: { alertId: a.id, kind: a.kind, deadline: a.deadline, ...(a.kind === 'escalation' && { escalated: a.evidence }) },
  };
}

/**
 * N follow-ups missed in a row (default 3): the staff member's follow-ups that were due, newest
 * first, begin with N misses. Returns the run when it does.
 */
export function missedInARow<E extends { status: string; scheduledAt: string; id: string }>(due: readonly E[], n: number): E[] | undefined {
  const newestFirst = [...due].filter((e) => e.status !== 'Pending').sort((a, b) => (a.scheduledAt < b.scheduledAt ? 1 : a.scheduledAt > b.scheduledAt ? -1 : a.id < b.id ? 1 : -1));
  const run = newestFirst.slice(0, n);
  return run.length === n && run.every((e) => e.status === 'Missed') ? run : undefined;
}

export function repeatedMissesDraft(staffId: string, day: string, run: readonly { id: string; type: string; scheduledAt: string }[], to: string, timeZone: string): AlertDraft {
  return {
    kind: 'escalation',
    staffId,
    period: day,
    subject: `missed-in-a-row#${run[0]!.id}`,
    escalatedTo: to,
    level: 1,
    message: `${run.length} follow-ups missed in a row (the last, a ${eventWords[run[0]!.type] ?? run[0]!.type}, due ${localDateTime(run[0]!.scheduledAt, timeZone)}).`,
    evidence: { missed: run.map((e) => ({ eventId: e.id, type: e.type, scheduledAt: e.scheduledAt })) },
  };
}
