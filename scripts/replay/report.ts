import { z } from 'zod';
import { rules } from '../../events/rules';

/**
 * What `npm run replay` is told and what it answers, the same for the local files and the AWS
 * queues: a report is plain JSON, so the running stack can send it back over its control channel.
 */
export const STREAM_DLQ_NAME = 'stream-publisher';

export const dlqNames = () => [...rules.map((r) => r.name), STREAM_DLQ_NAME];

export const ReplayArgs = z.strictObject({
  dlq: z.string().refine((name) => dlqNames().includes(name), {
    error: (issue) => `unknown dead-letter queue "${String(issue.input)}": name a rule of events/rules.ts or ${STREAM_DLQ_NAME} (one of ${dlqNames().join(', ')})`,
  }),
  dryRun: z.boolean().default(false),
});
export type ReplayArgs = z.input<typeof ReplayArgs>;

export type Outcome =
  /** Delivered again (rules) or published again (stream). */
  | 'replayed'
  /** Tried once more and failed: still a dead letter, with the new reason. */
  | 'failed again'
  /** A stream pointer whose records the stream no longer holds. */
  | 'expired'
  /** Left as it was (not attempted, or could not be read back). */
  | 'kept';

export interface LetterView {
  /** The message id (rule dead letters, AWS queues) or the stream record's eventID (local stream). */
  id: string;
  failedAt?: string;
  /** When it was first sent (AWS rule DLQs, which do not record when it failed). */
  sentAt?: string;
  /** Receives (rule queues) or invocations (stream) before it was dead-lettered. */
  receiveCount?: number;
  reason: string;
  /** What it carries: the domain event (type and id), or the stream records. */
  event: string;
  outcome?: Outcome;
  detail?: string;
}

export interface ReplayReport {
  dlq: string;
  /** The JSONL file or the queue URL. */
  source: string;
  where: 'running stack' | 'this process' | 'AWS';
  dryRun: boolean;
  letters: LetterView[];
  /** Lines or messages that are not dead letters of this queue: listed, never replayed or removed. */
  unreadable: { at: string; error: string }[];
  notes: string[];
}

export function countOf(report: ReplayReport, outcome: Outcome): number {
  return report.letters.filter((l) => l.outcome === outcome).length;
}

/** True when every dead letter was replayed (a dry run changes nothing, so it is always done). */
export const allReplayed = (report: ReplayReport) => report.dryRun || (report.unreadable.length === 0 && report.letters.every((l) => l.outcome === 'replayed'));

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The report as the command prints it. */
export function formatReport(report: ReplayReport): string {
  const kind = report.dlq === STREAM_DLQ_NAME && report.where === 'AWS' ? 'on-failure pointer' : 'dead letter';
  const found = plural(report.letters.length, kind);
  const head = `${report.dlq}: ${found} in ${report.source} (${report.where})`;
  const summary = report.dryRun
    ? 'dry run: nothing replayed, nothing changed'
    : (['replayed', 'failed again', 'expired', 'kept'] as const)
        .map((o) => [o, countOf(report, o)] as const)
        .filter(([o, n]) => n > 0 || o === 'replayed')
        .map(([o, n]) => `${n} ${o}`)
        .join(', ');
  // The stream mapping counts invocations of the publisher; a queue counts receives.
  const counted = report.dlq === STREAM_DLQ_NAME ? 'invoke count' : 'receive count';
  const out = [`${head}; ${summary}`];
  report.letters.forEach((l, i) => {
    const facts = [`id ${l.id}`, l.failedAt && `failed at ${l.failedAt}`, l.sentAt && `first sent at ${l.sentAt}`, l.receiveCount !== undefined && `${counted} ${l.receiveCount}`].filter(Boolean).join('  ');
    out.push(`  ${String(i + 1).padStart(3)}. ${l.outcome ? `[${l.outcome}] ` : ''}${facts}`);
    out.push(`       event:  ${l.event}`);
    out.push(`       reason: ${l.reason}`);
    if (l.detail) out.push(`       ${l.outcome ? 'now:    ' : 'note:   '}${l.detail}`);
  });
  for (const u of report.unreadable) out.push(`  unreadable ${u.at}: ${u.error} (left as it is)`);
  for (const note of report.notes) out.push(note);
  return out.join('\n');
}

/** "client.created c_…  (tenant demo, client c_…)" from an EventBridge event body. */
export function describeBusEvent(body: string): string {
  try {
    const event = JSON.parse(body) as { 'detail-type'?: unknown; detail?: { eventId?: unknown; tenantId?: unknown; entity?: unknown; entityId?: unknown } };
    const d = event.detail ?? {};
    const about = [d.tenantId && `tenant ${String(d.tenantId)}`, d.entity && `${String(d.entity)} ${String(d.entityId ?? '?')}`].filter(Boolean).join(', ');
    return `${String(event['detail-type'] ?? '?')} ${String(d.eventId ?? '(no event id)')}${about ? `  (${about})` : ''}`;
  } catch {
    return `(body is not JSON: ${body.slice(0, 60)}${body.length > 60 ? '…' : ''})`;
  }
}
