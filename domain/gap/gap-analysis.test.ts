import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seedStages } from '../pipeline/stages';
import { defaultGapThresholds, diagnose, leadStageOf, teamRollUp, type WeekFigures } from './gap-analysis';

const L = 100_00_000; // ₹1 lakh in paise
const tse = (over: Partial<WeekFigures> = {}): WeekFigures => ({
  role: 'tse',
  weeklyTarget: 4 * L,
  // ₹2 Cr required at Lead (₹4L × 50): ₹2 Cr of leads, 40 of them, 16 qualified (40 %)
  leads: { count: 40, value: 200 * L, advanced: 16 },
  demos: 5,
  won: 2,
  ...over,
});

describe('gap analysis (DESIGN §3): root causes with the figures that triggered them', () => {
  it('finds nothing wrong with a seller on every assumption', () => {
    expect(diagnose(tse(), seedStages)).toEqual([]);
  });

  it('names lead generation when the week’s leads cover too little of the ₹2 Cr a ₹4L week needs, and nothing else', () => {
    // ₹1 Cr of leads (50 %), and they also filter (5 of 40) and close (0 of 5) badly: one root cause.
    expect(diagnose(tse({ leads: { count: 40, value: 100 * L, advanced: 5 }, won: 0 }), seedStages)).toEqual([
      {
        code: 'lead_generation',
        message: 'Lead pipeline of ₹1 Cr covers 50 % of the ₹2 Cr a ₹4L week needs: generate about ₹60L more in leads before anything else.',
        evidence: { stage: 'Lead', leads: 40, leadValue: 1_000_000_000, required: 2_000_000_000, coverage: 0.5, threshold: 0.8, weeklyTarget: 40_000_000, multiplier: 50 },
      },
    ]);
  });

  it('holds lead value at exactly 80 % of the requirement as enough', () => {
    expect(diagnose(tse({ leads: { count: 40, value: 160 * L, advanced: 16 } }), seedStages)).toEqual([]);
    expect(diagnose(tse({ leads: { count: 40, value: 160 * L - 1, advanced: 16 } }), seedStages).map((d) => d.code)).toEqual(['lead_generation']);
  });

  it('names poor filtering when leads are enough but Lead → Qualified falls below 40 % by more than the margin', () => {
    // 11 of 40 = 27.5 %: more than 10 points under 40 %. 12 of 40 = 30 %: exactly 10 under, not low.
    expect(diagnose(tse({ leads: { count: 40, value: 200 * L, advanced: 12 } }), seedStages)).toEqual([]);
    expect(diagnose(tse({ leads: { count: 40, value: 200 * L, advanced: 11 } }), seedStages)).toEqual([
      {
        code: 'poor_filtering',
        message: 'Only 11 of 40 leads reached Qualified (27.5 % against the 40 % assumed): the leads worked are not the right ones — qualify them earlier and drop poor fits.',
        evidence: { from: 'Lead', to: 'Qualified', leads: 40, advanced: 11, ratio: 0.275, assumption: 0.4, marginPoints: 10 },
      },
    ]);
  });

  it('names a conversion issue when demos happened but Demo → Closed falls below the seed chain’s 24 % by more than the margin', () => {
    expect(diagnose(tse({ demos: 8, won: 1 }), seedStages)).toEqual([
      {
        code: 'conversion',
        message: '8 deals reached Demo but 1 closed won (12.5 % against the 24 % the seed chain assumes): demos are not turning into sales — follow each demo with a visit and a quote, and handle objections.',
        evidence: { demos: 8, won: 1, ratio: 0.125, assumption: 0.24, marginPoints: 10 },
      },
    ]);
    // 2 of 10 = 20 %: 4 points under, inside the margin.
    expect(diagnose(tse({ demos: 10, won: 2 }), seedStages)).toEqual([]);
  });

  it('names both filtering and conversion when both hold', () => {
    expect(diagnose(tse({ leads: { count: 40, value: 250 * L, advanced: 4 }, demos: 6, won: 0 }), seedStages).map((d) => d.code)).toEqual(['poor_filtering', 'conversion']);
  });

  it('does not judge a sample too small: 9 leads, 2 demos', () => {
    expect(diagnose(tse({ leads: { count: 9, value: 200 * L, advanced: 0 }, demos: 2, won: 0 }), seedStages)).toEqual([]);
  });

  it('plans a manager from Potential: ₹8L × 8 = ₹64L of potentials, Potential → Demo 50 %', () => {
    expect(leadStageOf('manager')).toEqual({ stage: 'Potential', next: 'Demo' });
    const manager: WeekFigures = { role: 'manager', weeklyTarget: 8 * L, leads: { count: 20, value: 32 * L, advanced: 10 }, demos: 10, won: 3 };
    expect(diagnose(manager, seedStages)).toEqual([
      {
        code: 'lead_generation',
        message: 'Potential pipeline of ₹32L covers 50 % of the ₹64L a ₹8L week needs: generate about ₹19.2L more in potentials before anything else.',
        evidence: { stage: 'Potential', leads: 20, leadValue: 320_000_000, required: 640_000_000, coverage: 0.5, threshold: 0.8, weeklyTarget: 80_000_000, multiplier: 8 },
      },
    ]);
    expect(diagnose({ ...manager, leads: { count: 20, value: 64 * L, advanced: 7 } }, seedStages).map((d) => d.code)).toEqual(['poor_filtering']);
  });

  it('judges no lead generation without a revenue target', () => {
    expect(diagnose(tse({ weeklyTarget: undefined, leads: { count: 0, value: 0, advanced: 0 }, demos: 0, won: 0 }), seedStages)).toEqual([]);
  });

  it('follows the tenant’s thresholds', () => {
    const strict = { ...defaultGapThresholds, leadCoveragePercent: 100, marginPoints: 0 };
    expect(diagnose(tse({ leads: { count: 40, value: 190 * L, advanced: 16 } }), seedStages, strict).map((d) => d.code)).toEqual(['lead_generation']);
    expect(diagnose(tse({ leads: { count: 40, value: 200 * L, advanced: 15 } }), seedStages, strict).map((d) => d.code)).toEqual(['poor_filtering']);
  });

  it('rolls a team up: who carries which diagnosis, and the team’s leads against its members’ requirements', () => {
    const members = [tse(), tse({ leads: { count: 40, value: 100 * L, advanced: 16 } }), tse({ demos: 8, won: 1 })].map((figures) => ({ figures, diagnoses: diagnose(figures, seedStages) }));
    expect(teamRollUp(members, seedStages)).toEqual({
      members: 3,
      diagnosed: { lead_generation: 1, poor_filtering: 0, conversion: 1 },
      leadValue: 500 * L,
      leadRequired: 600 * L,
      leadCoverage: 0.8333,
      demos: 18,
      won: 5,
    });
  });
});

describe('gap analysis properties', () => {
  const week = fc.record({
    role: fc.constantFrom('tse' as const, 'sales_officer' as const, 'manager' as const, 'asst_manager' as const),
    weeklyTarget: fc.integer({ min: 1, max: 10 ** 9 }),
    count: fc.integer({ min: 0, max: 500 }),
    value: fc.integer({ min: 0, max: 10 ** 11 }),
    advancedShare: fc.double({ min: 0, max: 1, noNaN: true }),
    demos: fc.integer({ min: 0, max: 200 }),
    wonShare: fc.double({ min: 0, max: 1, noNaN: true }),
  }).map(({ role, weeklyTarget, count, value, advancedShare, demos, wonShare }): WeekFigures => ({
    role,
    weeklyTarget,
    leads: { count, value, advanced: Math.floor(count * advancedShare) },
    demos,
    won: Math.floor(demos * wonShare),
  }));

  it('a staff member on or above every assumption gets no diagnosis', () => {
    fc.assert(
      fc.property(week, fc.integer({ min: 0, max: 5 }), (w, extra) => {
        const { stage } = leadStageOf(w.role);
        const multiplier = seedStages.find((s) => s.stage === stage)!.multiplier;
        const assumption = stage === 'Lead' ? 0.4 : 0.5;
        const good: WeekFigures = {
          ...w,
          leads: { count: w.leads.count, value: Math.ceil(w.weeklyTarget! * multiplier) + extra, advanced: Math.min(w.leads.count, Math.ceil(w.leads.count * assumption) + extra) },
          won: Math.min(w.demos, Math.ceil(w.demos * 0.24) + extra),
        };
        expect(diagnose(good, seedStages)).toEqual([]);
      }),
    );
  });

  it('scaling every value by a constant changes no diagnosis', () => {
    fc.assert(
      fc.property(week, fc.integer({ min: 2, max: 1000 }), (w, k) => {
        const codes = (x: WeekFigures) => diagnose(x, seedStages).map((d) => [d.code, d.evidence.coverage ?? d.evidence.ratio]);
        const money = { ...w, weeklyTarget: w.weeklyTarget! * k, leads: { ...w.leads, value: w.leads.value * k } };
        expect(codes(money)).toEqual(codes(w));
        // Counts scaled too, from samples already large enough to judge (a sample crossing the minimum is a new fact).
        if (w.leads.count >= defaultGapThresholds.minimumLeads && w.demos >= defaultGapThresholds.minimumDemos) {
          const counts = { ...money, leads: { count: w.leads.count * k, value: money.leads.value, advanced: w.leads.advanced * k }, demos: w.demos * k, won: w.won * k };
          expect(codes(counts)).toEqual(codes(w));
        }
      }),
    );
  });

  it('never names lead generation beside another cause', () => {
    fc.assert(
      fc.property(week, (w) => {
        const list = diagnose(w, seedStages).map((d) => d.code);
        if (list.includes('lead_generation')) expect(list).toEqual(['lead_generation']);
      }),
    );
  });
});
