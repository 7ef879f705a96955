import { ClientInput } from '../domain/clients/client';
import { EventInput, SYSTEM_ACTOR } from '../domain/events/event';
import { OpportunityInput, OpportunityPatch, type Opportunity } from '../domain/pipeline/opportunity';
import { StageChangeInput } from '../domain/pipeline/stage-change';
import { addDays, localDay, localMidnight, weekdayOf } from '../domain/targets/periods';
import { createClient } from '../functions/lib/use-cases/clients';
import { contextOf } from '../functions/lib/use-cases/context';
import { addEvent, completeEvent, sweepMissed } from '../functions/lib/use-cases/events';
import { createOpportunity, moveStage, updateOpportunity } from '../functions/lib/use-cases/opportunities';
import type { Services } from '../functions/lib/use-cases/ports';

/**
 * Demo history worth looking at (issue #9): `weeks` of a sales team's work up to yesterday, made
 * through the same use cases as the API, each at the instant it happened — new leads every working
 * day, calls done and missed, deals qualified, demos and visits with their feedback, wins (some
 * closed by a co-seller, so the credit splits), losses, a reassignment and a manager's correction —
 * so a new user's first dashboard shows real figures. Deterministic for a given tenant and `today`.
 */
export interface HistoryOptions {
  tenantId: string;
  weeks: number;
  /** The history ends the working day before this instant. */
  now: Date;
  timeZone?: string;
}

export interface HistorySummary {
  tenantId: string;
  from: string;
  to: string;
  clients: number;
  opportunities: number;
  events: number;
  won: number;
  lost: number;
  missed: number;
}

const SELLERS = ['tse-1', 'tse-2', 'so-1'] as const;
const ROLE = { 'tse-1': 'tse', 'tse-2': 'tse', 'so-1': 'sales_officer', manager: 'manager' } as const;
type Person = keyof typeof ROLE;
const PRODUCTS = ['website', 'kml', 'jewellery', 'chitty'] as const;
const TRADES = ['Jewellers', 'Textiles', 'Traders', 'Bakers', 'Pharma', 'Motors', 'Electricals', 'Hardware', 'Silks', 'Agencies', 'Foods', 'Opticals'];
const NAMES = ['Sree', 'Lakshmi', 'Kerala', 'Malabar', 'Cochin', 'Periyar', 'Anand', 'Nila', 'Sagar', 'Green Valley', 'Royal', 'Thrissur', 'Bharath', 'Sangam', 'Devi', 'Kairali'];
const OWNERS = ['Anil Kumar', 'Bindu Menon', 'Joseph Thomas', 'Fathima Beevi', 'Rajesh Nair', 'Sreeja Pillai', 'Mohammed Ali', 'Deepa Varghese', 'Suresh Babu', 'Anitha George'];
const LOSS_REASONS = ['price', 'went with a competitor', 'budget frozen', 'no decision maker'];
const feedback = (product: string, step: 'demo' | 'visit') => ({
  customerFeedback: step === 'demo' ? `Liked the ${product} walkthrough` : 'Comfortable with the terms',
  requirementDetails: 'Two branches, billing and stock',
  suggestions: 'Malayalam screens',
  budget: 2_000_000,
  expectedClosingTimeline: '2027-01-31',
  competitorInfo: 'A local vendor quoted lower',
  staffRemarks: step === 'demo' ? 'Strong intent' : 'Ready to sign',
  customerCommitments: step === 'demo' ? 'Branch visit next week' : 'Advance on signing',
});

/** A small deterministic generator (mulberry32), seeded from the tenant and the first day. */
function generator(seed: string) {
  let a = [...seed].reduce((h, c) => Math.imul(h ^ c.charCodeAt(0), 16777619), 2166136261) >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, pick: <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!, chance: (p: number) => next() < p };
}

/** How far a lead will get: most stay early, a few are won or lost. */
type Fate = 'Lead' | 'Qualified' | 'Potential' | 'Demo' | 'Won' | 'Lost';
const fateOf = (r: number): Fate => (r < 0.38 ? 'Lead' : r < 0.6 ? 'Qualified' : r < 0.74 ? 'Potential' : r < 0.82 ? 'Demo' : r < 0.93 ? 'Won' : 'Lost');

interface Deal {
  o: Opportunity;
  owner: (typeof SELLERS)[number];
  fate: Fate;
  /** The next working day on which something happens to it. */
  due: string;
  /** The pending demo or visit event, completed at the next step. */
  pendingVisitOrDemo?: string;
  /** A co-seller who closes it (the credit splits 50/50). */
  closer?: (typeof SELLERS)[number];
}

export async function seedHistory(services: Services, opts: HistoryOptions): Promise<HistorySummary> {
  const tz = opts.timeZone ?? 'Asia/Kolkata';
  const today = localDay(opts.now, tz);
  const first = addDays(today, -7 * opts.weeks);
  const rnd = generator(`${opts.tenantId}:${first}`);
  const summary: HistorySummary = { tenantId: opts.tenantId, from: first, to: addDays(today, -1), clients: 0, opportunities: 0, events: 0, won: 0, lost: 0, missed: 0 };
  const days: string[] = [];
  for (let d = first; d < today; d = addDays(d, 1)) if (weekdayOf(d) !== 'sunday') days.push(d);

  /** An instant on `day`, `minutes` after 09:00 local time. */
  const at = (day: string, minutes: number) => new Date(Date.parse(localMidnight(day, tz)) + (9 * 60 + minutes) * 60_000);
  const as = (who: Person, when: Date) => contextOf({ tenantId: opts.tenantId, staffId: who, role: ROLE[who] }, when, services);
  const nextWorkingDay = (day: string, gap: number) => {
    let d = day;
    for (let n = 0; n < gap; ) {
      d = addDays(d, 1);
      if (weekdayOf(d) !== 'sunday') n++;
    }
    return d;
  };

  const deals: Deal[] = [];
  let phone = 9400000000 + Math.floor(rnd.next() * 500_000) * 10;
  const move = async (who: Person, when: Date, deal: Deal, cmd: Record<string, unknown>) => {
    deal.o = (await moveStage(as(who, when), deal.o.id, StageChangeInput.parse(cmd), undefined)).opportunity;
  };
  const event = async (who: Person, when: Date, deal: Deal, type: string, scheduledAt: Date) => {
    summary.events++;
    return addEvent(as(who, when), deal.o.id, EventInput.parse({ type, scheduledAt: scheduledAt.toISOString() }));
  };
  const done = async (who: Person, when: Date, eventId: string, fb?: unknown) => completeEvent(as(who, when), eventId, { ...(fb !== undefined && { feedback: fb }) }, undefined);

  for (const [index, day] of days.entries()) {
    // Overnight, yesterday's follow-ups nobody did are marked Missed.
    summary.missed += (await sweepMissed(contextOf({ tenantId: opts.tenantId, staffId: SYSTEM_ACTOR, role: 'tenant_admin' }, at(day, -60), services))).length;
    let minute = 0;
    const tick = () => at(day, (minute += 7));

    for (const owner of SELLERS) {
      // New leads: two or three a day each.
      for (let n = 2 + (rnd.chance(0.5) ? 1 : 0); n > 0; n--) {
        const when = tick();
        phone += 7;
        const { client } = await createClient(
          as(owner, when),
          ClientInput.parse({ companyName: `${rnd.pick(NAMES)} ${rnd.pick(TRADES)} ${summary.clients + 1}`, ownerName: rnd.pick(OWNERS), mobile: String(phone) }),
        );
        summary.clients++;
        const fate = fateOf(rnd.next());
        // Now and then tse-1 brings in so-1 on a deal, who closes it: the credit splits.
        const closer = owner === 'tse-1' && fate === 'Won' && rnd.chance(0.4) ? 'so-1' : undefined;
        const o = await createOpportunity(as(owner, when), client.id, OpportunityInput.parse({ productId: rnd.pick(PRODUCTS), ...(closer && { coSalespersons: [closer] }) }));
        summary.opportunities++;
        deals.push({ o, owner, fate, due: day, ...(closer && { closer }) });
      }
      // Once a week a walk-in buys on the spot: won straight from Lead.
      if (index % 6 === 3) {
        const when = tick();
        phone += 7;
        const { client } = await createClient(as(owner, when), ClientInput.parse({ companyName: `${rnd.pick(NAMES)} Walk-in ${summary.clients + 1}`, ownerName: rnd.pick(OWNERS), mobile: String(phone) }));
        summary.clients++;
        const deal: Deal = { o: await createOpportunity(as(owner, when), client.id, OpportunityInput.parse({ productId: rnd.pick(PRODUCTS) })), owner, fate: 'Won', due: '9999-12-31' };
        summary.opportunities++;
        await move(owner, tick(), deal, { stage: 'Closed', outcome: 'Won' });
        summary.won++;
      }
    }

    // Calls to keep early leads warm: six to ten a seller, nearly all made.
    for (const owner of SELLERS) {
      const warm = deals.filter((d) => d.owner === owner && (d.o.stage === 'Lead' || d.o.stage === 'Qualified'));
      for (let n = 6 + Math.floor(rnd.next() * 5); n > 0 && warm.length > 0; n--) {
        const deal = rnd.pick(warm);
        const call = await event(owner, tick(), deal, 'Call', tick());
        if (rnd.chance(0.9)) await done(owner, tick(), call.id);
      }
    }

    // The day's work on every deal due today.
    for (const deal of deals.filter((d) => d.due === day && d.o.stage !== 'Closed')) {
      const who = deal.owner;
      const stage = deal.o.stage;
      if (stage === 'Lead' || stage === 'Qualified') {
        const call = await event(who, tick(), deal, 'Call', tick());
        // One call in six is not made: tomorrow's sweep marks it Missed.
        if (rnd.chance(5 / 6)) {
          await done(who, tick(), call.id);
          if (stage === 'Lead' && deal.fate !== 'Lead') await move(who, tick(), deal, { stage: 'Qualified' });
          else if (stage === 'Qualified' && deal.fate !== 'Qualified') await move(who, tick(), deal, { stage: 'Potential' });
        }
      } else if (stage === 'Potential') {
        const demoAt = at(nextWorkingDay(day, 1), 120 + Math.floor(rnd.next() * 240));
        deal.pendingVisitOrDemo = (await event(who, tick(), deal, 'DemoScheduled', demoAt)).id;
        await move(who, tick(), deal, { stage: 'Demo' });
      } else if (stage === 'Demo' && deal.pendingVisitOrDemo) {
        await done(who, tick(), deal.pendingVisitOrDemo, feedback(deal.o.productId, 'demo'));
        summary.events++; // the Demo Completed record
        if (deal.fate === 'Demo') {
          deal.pendingVisitOrDemo = undefined;
        } else {
          const visitAt = at(nextWorkingDay(day, 1), 90 + Math.floor(rnd.next() * 240));
          deal.pendingVisitOrDemo = (await event(who, tick(), deal, 'VisitScheduled', visitAt)).id;
          await move(who, tick(), deal, { stage: 'Visit' });
        }
      } else if (stage === 'Visit' && deal.pendingVisitOrDemo) {
        await done(who, tick(), deal.pendingVisitOrDemo, feedback(deal.o.productId, 'visit'));
        summary.events++;
        deal.pendingVisitOrDemo = undefined;
        if (deal.fate === 'Won') {
          await move(deal.closer ?? who, tick(), deal, { stage: 'Closed', outcome: 'Won' });
          summary.won++;
        } else {
          await move(who, tick(), deal, { stage: 'Closed', outcome: 'Lost', reason: rnd.pick(LOSS_REASONS) });
          summary.lost++;
        }
      }
      // Reached where it was heading (or closed): no more scheduled work; else again in 1–2 days.
      const settled = deal.o.stage === 'Closed' || (deal.o.stage === deal.fate && !deal.pendingVisitOrDemo) || (deal.fate === 'Demo' && deal.o.stage === 'Demo' && !deal.pendingVisitOrDemo);
      deal.due = settled ? '9999-12-31' : nextWorkingDay(day, 1 + (rnd.chance(0.3) ? 1 : 0));
    }

    // In the second week the manager hands one of tse-1's qualified leads to tse-2, and corrects a
    // demo booked too early back to Potential.
    if (index === 7) {
      const handOver = deals.find((d) => d.owner === 'tse-1' && d.o.stage === 'Qualified' && !d.closer);
      if (handOver) {
        handOver.o = await updateOpportunity(as('manager', tick()), handOver.o.id, OpportunityPatch.parse({ assignedTo: 'tse-2' }), handOver.o.version);
        handOver.owner = 'tse-2';
      }
      const early = deals.find((d) => d.o.stage === 'Demo' && d.pendingVisitOrDemo);
      if (early) {
        await move('manager', tick(), early, { stage: 'Potential', reason: 'demo booked before the budget was confirmed' });
        early.due = nextWorkingDay(day, 2);
      }
    }
  }

  // The last day's follow-ups nobody did are Missed by now; what is still open gets its next step
  // on the next working day — except a few, which show up as having none.
  summary.missed += (await sweepMissed(contextOf({ tenantId: opts.tenantId, staffId: SYSTEM_ACTOR, role: 'tenant_admin' }, opts.now, services))).length;
  const lastDay = days.at(-1)!;
  const tomorrow = nextWorkingDay(today, 1);
  for (const deal of deals.filter((d) => d.o.stage !== 'Closed' && !d.pendingVisitOrDemo)) {
    if (rnd.chance(0.2)) continue;
    await event(deal.owner, at(lastDay, 600), deal, 'Call', at(tomorrow, 60 + Math.floor(rnd.next() * 420)));
  }
  return summary;
}
