import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CrmEvent } from '../events/event';
import type { StageTransition } from '../pipeline/stage-change';
import type { Message } from './message';
import { compareTimeline, eventItem, inTimelineOrder, mergeTimeline, messageItem, stageChangeItem, timelinePage, timelineTypes, typesOf, type TimelinePosition } from './timeline';

const event = { id: 'e_1', opportunityId: 'o_1', clientId: 'c_1', type: 'Call', status: 'Completed', scheduledAt: '2026-12-01T10:00:00+05:30', completedAt: '2026-12-02T09:00:00.000Z' } as CrmEvent;
const message = { id: 'm_1', clientId: 'c_1', createdAt: '2026-12-01T04:30:00Z' } as Message;
const move = { opportunityId: 'o_1', clientId: 'c_1', seq: 3, from: 'Lead', to: 'Qualified', at: '2026-12-01T04:30:00.000Z' } as StageTransition;

describe('timeline items', () => {
  it('sit at a time that never changes, spelled one way: an event at its scheduled time, a message at its creation, a move when it was made', () => {
    expect(eventItem(event)).toEqual({ type: 'event', at: '2026-12-01T04:30:00.000Z', id: 'e_1', opportunityId: 'o_1', event });
    expect(messageItem(message)).toEqual({ type: 'message', at: '2026-12-01T04:30:00.000Z', id: 'm_1', message });
    expect(messageItem({ ...message, opportunityId: 'o_1' })).toMatchObject({ opportunityId: 'o_1' });
    expect(stageChangeItem(move)).toEqual({ type: 'stage_change', at: '2026-12-01T04:30:00.000Z', id: 'o_1.3', opportunityId: 'o_1', stageChange: move });
  });

  it('are newest first; at one instant by type, then id, both descending', () => {
    const items = [eventItem(event), messageItem(message), stageChangeItem(move), messageItem({ ...message, id: 'm_2', createdAt: '2026-12-01T05:00:00.000Z' }), messageItem({ ...message, id: 'm_0' })];
    expect(inTimelineOrder(items).map((i) => i.id)).toEqual(['m_2', 'o_1.3', 'm_1', 'm_0', 'e_1']);
  });

  it('types= lists the types asked for, each once; none asked: all three', () => {
    expect(typesOf(undefined)).toEqual(['event', 'message', 'stage_change']);
    expect(typesOf('stage_change,event,event')).toEqual(['event', 'stage_change']);
  });
});

// ── the merge, for any sources ──

const instants = ['2026-12-01T10:00:00.000Z', '2026-12-01T10:00:01.000Z', '2026-12-02T00:00:00.000Z', '2027-01-01T00:00:00.000Z'];
/** Up to four sources of distinct items, few instants (so ties are common), each source sorted. */
const sources = fc
  .uniqueArray(fc.record({ at: fc.constantFrom(...instants), type: fc.constantFrom(...timelineTypes), id: fc.stringMatching(/^[a-e]{1,3}$/), source: fc.nat(3) }), {
    maxLength: 40,
    selector: (i) => `${i.type}|${i.id}`,
  })
  .map((items) => [0, 1, 2, 3].map((s) => inTimelineOrder(items.filter((i) => i.source === s))));
const key = (p: TimelinePosition) => `${p.at}|${p.type}|${p.id}`;

/** Pages from the start until no `next`: each page's items, in order. */
function allPages<T extends TimelinePosition>(srcs: T[][], limit: number, keep: (i: T) => boolean): T[][] {
  const pages: T[][] = [];
  let after: TimelinePosition | undefined;
  for (let n = 0; n < 1000; n++) {
    const page = timelinePage(srcs, { limit, after, keep });
    pages.push(page.items);
    if (!page.next) return pages;
    after = page.next;
  }
  throw new Error('paging did not end');
}

describe('merging sorted sources', () => {
  it('is ordered and complete: every item of every source once, each strictly before the next', () => {
    fc.assert(
      fc.property(sources, (srcs) => {
        const merged = mergeTimeline(srcs);
        for (let i = 1; i < merged.length; i++) expect(compareTimeline(merged[i - 1]!, merged[i]!)).toBeLessThan(0);
        expect(merged.map(key).sort()).toEqual(srcs.flat().map(key).sort());
      }),
    );
  });

  it('pages without loss or duplicates: full pages but the last, a next position only when more follow, whatever is kept', () => {
    fc.assert(
      fc.property(sources, fc.integer({ min: 1, max: 7 }), fc.func(fc.boolean()), (srcs, limit, keepOf) => {
        const keep = (i: TimelinePosition) => keepOf(key(i));
        const pages = allPages(srcs, limit, keep);
        expect(pages.flat().map(key)).toEqual(mergeTimeline(srcs).filter(keep).map(key));
        for (const page of pages.slice(0, -1)) expect(page).toHaveLength(limit);
        expect(pages.at(-1)!.length).toBeLessThanOrEqual(limit);
        // The last page is empty only when nothing is kept at all.
        if (pages.length > 1 || mergeTimeline(srcs).some(keep)) expect(pages.at(-1)!.length).toBeGreaterThan(0);
      }),
    );
  });

  it('continues after its position however items arrive meanwhile: nothing at or before it comes again', () => {
    fc.assert(
      fc.property(sources, sources, fc.integer({ min: 1, max: 5 }), (srcs, arrivals, limit) => {
        const first = timelinePage(srcs, { limit });
        fc.pre(first.next !== undefined);
        // Items that arrive between two requests (their ids told apart from the first ones).
        const later = srcs.map((s, i) => inTimelineOrder([...s, ...arrivals[i]!.map((a) => ({ ...a, id: `new-${a.id}` }))]));
        const rest = timelinePage(later, { limit: 1000, after: first.next });
        for (const item of rest.items) expect(compareTimeline(first.next!, item)).toBeLessThan(0);
        // Every first-generation item after the boundary is still there.
        expect(rest.items.filter((i) => !i.id.startsWith('new-')).map(key)).toEqual(mergeTimeline(srcs).slice(limit).map(key));
      }),
    );
  });

  it('refuses a page of no items', () => {
    expect(() => timelinePage([], { limit: 0 })).toThrow(RangeError);
  });
});
