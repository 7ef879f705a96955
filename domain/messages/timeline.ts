import { z } from 'zod';
import { CrmEvent } from '../events/event';
import { StageTransition } from '../pipeline/stage-change';
import { Message } from './message';

/**
 * A client's timeline (#14 item 4, DESIGN §11): its follow-up events, messages and stage changes
 * in one stream, newest first. Each item sits at a time that never changes — an event at its
 * scheduled time (a completion is shown in the event, not moved), a message when it was written
 * or arrived, a stage change when it was made — so a page boundary stays where it was however
 * the items change meanwhile. Ties are broken by type, then id: the order is total, and a
 * position (at, type, id) names the exact place a page ended.
 */
export const timelineTypes = ['event', 'message', 'stage_change'] as const;
export const TimelineType = z.enum(timelineTypes);
export type TimelineType = z.infer<typeof TimelineType>;

const at = z.string().meta({ description: 'ISO-8601 UTC: an event’s scheduled time, a message’s creation (or arrival), a stage change’s time.' });

export const TimelineItem = z
  .discriminatedUnion('type', [
    z.object({ type: z.literal('event'), at, id: z.string(), opportunityId: z.string(), event: CrmEvent }),
    z.object({ type: z.literal('message'), at, id: z.string(), opportunityId: z.string().optional(), message: Message }),
    z.object({
      type: z.literal('stage_change'),
      at,
      /** `{opportunityId}.{seq}`: the move's place in its opportunity's history. */
      id: z.string(),
      opportunityId: z.string(),
      stageChange: StageTransition,
    }),
  ])
  .meta({ id: 'TimelineItem' });
export type TimelineItem = z.infer<typeof TimelineItem>;

/** Where an item sits in the order, and where a page ended. */
export const TimelinePosition = z.strictObject({ at: z.string(), type: TimelineType, id: z.string() });
export type TimelinePosition = z.infer<typeof TimelinePosition>;

/** One instant, one spelling (`2026-12-01T10:00:00Z` and `…00.000Z` sort alike). */
function canonical(instant: string): string {
  const ms = Date.parse(instant);
  return Number.isNaN(ms) ? instant : new Date(ms).toISOString();
}

export const eventItem = (e: CrmEvent): TimelineItem => ({ type: 'event', at: canonical(e.scheduledAt), id: e.id, opportunityId: e.opportunityId, event: e });
export const messageItem = (m: Message): TimelineItem => ({ type: 'message', at: canonical(m.createdAt), id: m.id, ...(m.opportunityId && { opportunityId: m.opportunityId }), message: m });
export const stageChangeItem = (t: StageTransition): TimelineItem => ({ type: 'stage_change', at: canonical(t.at), id: `${t.opportunityId}.${t.seq}`, opportunityId: t.opportunityId, stageChange: t });

/** Negative when `a` comes first: newest first, then type, then id (both descending). */
export function compareTimeline(a: TimelinePosition, b: TimelinePosition): number {
  if (a.at !== b.at) return a.at > b.at ? -1 : 1;
  if (a.type !== b.type) return a.type > b.type ? -1 : 1;
  if (a.id !== b.id) return a.id > b.id ? -1 : 1;
  return 0;
}

export const positionOf = (item: TimelinePosition): TimelinePosition => ({ at: item.at, type: item.type, id: item.id });

/** A source in timeline order (stores hand over what they read in key order). */
export const inTimelineOrder = <T extends TimelinePosition>(items: readonly T[]): T[] => [...items].sort(compareTimeline);

/** The index of the first item of a sorted source that comes after `after`. */
function firstAfter(source: readonly TimelinePosition[], after: TimelinePosition): number {
  let [lo, hi] = [0, source.length];
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareTimeline(source[mid]!, after) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export interface TimelinePage<T> {
  items: T[];
  /** Where this page ended, when more items (that `keep` passes) follow. */
  next?: TimelinePosition;
}

/**
 * One page of the merge of `sources` (each in timeline order, their items distinct): the first
 * `limit` items after `after` that `keep` passes, and — only when another such item follows —
 * the position to continue from. Paging on from `next` until it is absent yields every kept item
 * once, in order (property-tested for any sources).
 */
export function timelinePage<T extends TimelinePosition>(
  sources: readonly (readonly T[])[],
  q: { limit: number; after?: TimelinePosition | undefined; keep?: (item: T) => boolean },
): TimelinePage<T> {
  if (!(q.limit >= 1)) throw new RangeError('a page holds at least one item');
  const at = sources.map((s) => (q.after ? firstAfter(s, q.after) : 0));
  const items: T[] = [];
  for (;;) {
    let pick = -1;
    for (const [i, s] of sources.entries()) if (at[i]! < s.length && (pick < 0 || compareTimeline(s[at[i]!]!, sources[pick]![at[pick]!]!) < 0)) pick = i;
    if (pick < 0) return { items };
    const item = sources[pick]![at[pick]!++]!;
    if (q.keep && !q.keep(item)) continue;
    if (items.length === q.limit) return { items, next: positionOf(items[items.length - 1]!) };
    items.push(item);
  }
}

/** Every item of the sources, in timeline order. */
export const mergeTimeline = <T extends TimelinePosition>(sources: readonly (readonly T[])[]): T[] => timelinePage(sources, { limit: Number.POSITIVE_INFINITY }).items;

/** `types=event,message` of GET /v1/clients/{id}/timeline: the types asked for, each once, in a fixed order. */
export const typesOf = (list: string | undefined): TimelineType[] => (list === undefined ? [...timelineTypes] : timelineTypes.filter((t) => list.split(',').includes(t)));
