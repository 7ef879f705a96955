import { describe, expect, it } from 'vitest';
import { formatInrShort } from '../pipeline/money';
import { seedStages } from '../pipeline/stages';
import { pipelineValue, plannedStages, requiredPipeline } from './pipeline-value';
import { seedTargets } from './targets';

const lakh = 1_00_000 * 100;
const crore = 100 * lakh;

/** Spec §7, value for value, in paise. */
describe('required pipeline: the seed’s §7 tables', () => {
  it('TSE ₹4L → Closed ₹4L, Visit ₹10L, Demo ₹16L, Potential ₹32L, Qualified ₹80L, Lead ₹2 Cr', () => {
    expect(requiredPipeline(seedTargets.roles.tse.revenueWeekly, 'tse', seedStages)).toEqual([
      { stage: 'Lead', multiplier: 50, required: 2 * crore },
      { stage: 'Qualified', multiplier: 20, required: 80 * lakh },
      { stage: 'Potential', multiplier: 8, required: 32 * lakh },
      { stage: 'Demo', multiplier: 4, required: 16 * lakh },
      { stage: 'Visit', multiplier: 2.5, required: 10 * lakh },
      { stage: 'Closed', multiplier: 1, required: 4 * lakh },
    ]);
  });

  it('TS Officer ₹5L → Closed ₹5L, Visit ₹12.5L, Demo ₹20L, Potential ₹40L, Qualified ₹1 Cr, Lead ₹2.5 Cr', () => {
    expect(requiredPipeline(seedTargets.roles.sales_officer.revenueWeekly, 'sales_officer', seedStages).map((s) => [s.stage, s.required])).toEqual([
      ['Lead', 2.5 * crore],
      ['Qualified', 1 * crore],
      ['Potential', 40 * lakh],
      ['Demo', 20 * lakh],
      ['Visit', 12.5 * lakh],
      ['Closed', 5 * lakh],
    ]);
  });

  it('Manager ₹8L plans Potential ₹64L, Demo ₹32L, Visit ₹20L, Closed ₹8L', () => {
    expect(requiredPipeline(seedTargets.roles.manager.revenueWeekly, 'manager', seedStages).map((s) => [s.stage, s.required])).toEqual([
      ['Potential', 64 * lakh],
      ['Demo', 32 * lakh],
      ['Visit', 20 * lakh],
      ['Closed', 8 * lakh],
    ]);
  });

  it('Asst Manager ₹10L plans Potential ₹80L, Demo ₹40L, Visit ₹25L, Closed ₹10L', () => {
    expect(requiredPipeline(seedTargets.roles.asst_manager.revenueWeekly, 'asst_manager', seedStages).map((s) => [s.stage, s.required])).toEqual([
      ['Potential', 80 * lakh],
      ['Demo', 40 * lakh],
      ['Visit', 25 * lakh],
      ['Closed', 10 * lakh],
    ]);
  });

  it('plans all six stages for sellers and Closed…Potential for managers', () => {
    expect(plannedStages('tse')).toEqual(['Lead', 'Qualified', 'Potential', 'Demo', 'Visit', 'Closed']);
    expect(plannedStages('manager')).toEqual(['Potential', 'Demo', 'Visit', 'Closed']);
  });
});

describe('coverage and shortfall', () => {
  it('compares actual with required at each stage, with Indian display', () => {
    const rows = pipelineValue(4 * lakh, 'tse', seedStages, { Lead: 50 * lakh, Qualified: 80 * lakh, Demo: 20 * lakh });
    expect(rows.map((r) => [r.stage, r.actual, r.coverage, r.shortfall, r.display])).toEqual([
      ['Lead', 50 * lakh, 0.25, 1.5 * crore, { required: '₹2 Cr', actual: '₹50L', shortfall: '₹1.5 Cr' }],
      ['Qualified', 80 * lakh, 1, 0, { required: '₹80L', actual: '₹80L', shortfall: '₹0' }],
      ['Potential', 0, 0, 32 * lakh, { required: '₹32L', actual: '₹0', shortfall: '₹32L' }],
      ['Demo', 20 * lakh, 1.25, 0, { required: '₹16L', actual: '₹20L', shortfall: '₹0' }],
      ['Visit', 0, 0, 10 * lakh, { required: '₹10L', actual: '₹0', shortfall: '₹10L' }],
      ['Closed', 0, 0, 4 * lakh, { required: '₹4L', actual: '₹0', shortfall: '₹4L' }],
    ]);
  });
});

describe('formatInrShort', () => {
  it.each([
    [2 * crore, '₹2 Cr'],
    [2.5 * crore, '₹2.5 Cr'],
    [12.5 * lakh, '₹12.5L'],
    [80 * lakh, '₹80L'],
    [1 * lakh, '₹1L'],
    [3_000_000, '₹30,000'],
    [1_234_567_89, '₹12.35L'],
    [0, '₹0'],
    [-4 * lakh, '-₹4L'],
  ])('%i paise → %s', (paise, text) => {
    expect(formatInrShort(paise)).toBe(text);
  });
});
