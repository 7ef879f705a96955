import { describe, expect, it } from 'vitest';
import type { Principal } from '../access/roles';
import { seedProducts, type Product } from '../catalogue/products';
import { fieldErrorsOf } from '../validation';
import { expectedRevenue } from './money';
import {
  checkAssignees,
  isOpen,
  newOpportunity,
  OpportunityInput,
  OpportunityPatch,
  patchOpportunity,
  type Opportunity,
  type OpportunityContext,
} from './opportunity';
import { defaultProbability, seedStages, stageIndex, stages, type Stage } from './stages';
import { aPrincipal, anOpportunity, fixtureCreatedAt } from '../testing/builders';

const created = fixtureCreatedAt;
const later = new Date('2026-03-05T09:15:00.000Z');

const aProduct = (overrides: Partial<Product> = {}): Product => ({ ...seedProducts.find((p) => p.id === 'website')!, ...overrides });

const aContext = (overrides: Partial<OpportunityContext> = {}): OpportunityContext => ({
  id: 'opp-1',
  clientId: 'client-1',
  actor: aPrincipal(),
  now: created,
  product: aProduct(),
  stagesConfig: seedStages,
  currency: 'INR',
  ...overrides,
});


const input = (raw: Record<string, unknown> = {}) => OpportunityInput.parse({ productId: 'website', ...raw });

const inputErrors = (raw: unknown) => {
  const result = OpportunityInput.safeParse(raw);
  return result.success ? [] : fieldErrorsOf(result.error, 'body');
};
const patchErrors = (raw: unknown) => {
  const result = OpportunityPatch.safeParse(raw);
  return result.success ? [] : fieldErrorsOf(result.error, 'body');
};

describe('newOpportunity', () => {
  it('defaults a new Website lead: standard value, Lead probability, expected revenue, creator as lead owner and assignee', () => {
    expect(newOpportunity(input(), aContext())).toEqual({
      id: 'opp-1',
      clientId: 'client-1',
      productId: 'website',
      stage: 'Lead',
      dealValue: 1_500_000,
      currency: 'INR',
      closingProbability: 2,
      probabilitySource: 'stage',
      expectedRevenue: 30_000,
      assignedTo: 'tse-1',
      leadOwner: 'tse-1',
      coSalespersons: [],
      warriors: [],
      stagesReached: ['Lead'],
      stageChangedAt: '2026-03-02T04:30:00.000Z',
      createdAt: '2026-03-02T04:30:00.000Z',
      updatedBy: 'tse-1',
      updatedAt: '2026-03-02T04:30:00.000Z',
      version: 1,
    });
  });

  it('takes the deal value from the catalogue standard value of the product', () => {
    const nbfc = seedProducts.find((p) => p.id === 'nbfc-mscs')!;
    const opportunity = newOpportunity(input({ productId: 'nbfc-mscs' }), aContext({ product: nbfc }));
    expect(opportunity).toMatchObject({ productId: 'nbfc-mscs', dealValue: 10_000_000, closingProbability: 2, expectedRevenue: 200_000 });
  });

  it('counts every stage up to the one a lead arrives at: a lead created at Demo has reached Lead, Qualified, Potential and Demo', () => {
    const opportunity = newOpportunity(input({ stage: 'Demo' }), aContext());
    expect(opportunity).toMatchObject({
      stage: 'Demo',
      stagesReached: ['Lead', 'Qualified', 'Potential', 'Demo'],
      closingProbability: 25,
      probabilitySource: 'stage',
      expectedRevenue: 375_000,
    });
  });

  it.each([
    ['Lead', ['Lead'], 2, 30_000],
    ['Qualified', ['Lead', 'Qualified'], 5, 75_000],
    ['Potential', ['Lead', 'Qualified', 'Potential'], 12.5, 187_500],
    ['Demo', ['Lead', 'Qualified', 'Potential', 'Demo'], 25, 375_000],
    ['Visit', ['Lead', 'Qualified', 'Potential', 'Demo', 'Visit'], 40, 600_000],
  ] as const)('created at %s: reached %j, probability %d %%, expected revenue %i paise', (stage, reached, probability, revenue) => {
    expect(newOpportunity(input({ stage }), aContext())).toMatchObject({ stage, stagesReached: reached, closingProbability: probability, expectedRevenue: revenue });
  });

  it('takes the default probability from the tenant stages config', () => {
    const config = seedStages.map((s) => (s.stage === 'Lead' ? { ...s, multiplier: 40 } : s));
    expect(newOpportunity(input(), aContext({ stagesConfig: config }))).toMatchObject({ closingProbability: 2.5, expectedRevenue: 37_500 });
  });

  it('keeps a deal value and probability given by hand, marking the probability manual', () => {
    expect(newOpportunity(input({ dealValue: 2_000_000, closingProbability: 30 }), aContext())).toMatchObject({
      dealValue: 2_000_000,
      closingProbability: 30,
      probabilitySource: 'manual',
      expectedRevenue: 600_000,
    });
  });

  it('treats a hand-set probability of 0 as manual, not as absent', () => {
    expect(newOpportunity(input({ closingProbability: 0 }), aContext())).toMatchObject({ closingProbability: 0, probabilitySource: 'manual', expectedRevenue: 0 });
  });

  it('assigns the opportunity to the given staff while the creator stays lead owner', () => {
    expect(newOpportunity(input({ assignedTo: 'so-1' }), aContext())).toMatchObject({ assignedTo: 'so-1', leadOwner: 'tse-1' });
  });

  it('names each co-salesperson once', () => {
    expect(newOpportunity(input({ coSalespersons: ['so-1', 'tse-2', 'so-1'] }), aContext()).coSalespersons).toEqual(['so-1', 'tse-2']);
  });

  it('names each warrior once and records the partner company it is handed to', () => {
    expect(newOpportunity(input({ warriors: ['warrior-1', 'warrior-1', 'warrior-2'], partnerCompanyId: 'acme-partners' }), aContext())).toMatchObject({
      warriors: ['warrior-1', 'warrior-2'],
      partnerCompanyId: 'acme-partners',
    });
    expect(newOpportunity(input(), aContext())).not.toHaveProperty('partnerCompanyId');
  });

  it('stores an expected close date only when one is given', () => {
    expect(newOpportunity(input({ expectedCloseDate: '2026-04-30' }), aContext()).expectedCloseDate).toBe('2026-04-30');
    expect(newOpportunity(input(), aContext())).not.toHaveProperty('expectedCloseDate');
  });

  it('carries the tenant currency', () => {
    expect(newOpportunity(input(), aContext({ currency: 'USD' })).currency).toBe('USD');
  });

  it.each([
    ['unknown', undefined],
    ['inactive', aProduct({ active: false })],
  ])('refuses an %s product with 422 on body.productId', (_, product) => {
    expect(() => newOpportunity(input(), aContext({ product }))).toThrow(
      expect.objectContaining({
        kind: 'invalid',
        code: 'validation_failed',
        details: { errors: [{ field: 'body.productId', code: 'unknown_product', message: 'is not a product of the catalogue' }] },
      }),
    );
  });
});

describe('OpportunityInput', () => {
  it('starts at Lead with no co-salespersons or warriors when nothing else is said', () => {
    expect(OpportunityInput.parse({ productId: 'kml' })).toEqual({ productId: 'kml', stage: 'Lead', coSalespersons: [], warriors: [] });
  });

  it('refuses creating an opportunity already Closed', () => {
    expect(inputErrors({ productId: 'kml', stage: 'Closed' })).toEqual([
      { field: 'body.stage', code: 'invalid_value', message: 'Invalid option: expected one of "Lead"|"Qualified"|"Potential"|"Demo"|"Visit"' },
    ]);
  });

  it('refuses fields it does not know, such as leadOwner', () => {
    expect(inputErrors({ productId: 'kml', leadOwner: 'mgr-1' })).toEqual([{ field: 'body.leadOwner', code: 'unknown_field', message: 'is not a known field' }]);
  });

  it('refuses a deal value in fractions of a paisa, negative, or a probability over 100', () => {
    expect(inputErrors({ productId: 'kml', dealValue: 10.5 })).toEqual([{ field: 'body.dealValue', code: 'invalid_type', message: 'must be whole paise' }]);
    expect(inputErrors({ productId: 'kml', dealValue: -1 })).toEqual([{ field: 'body.dealValue', code: 'too_small', message: 'must be 0 or more' }]);
    expect(inputErrors({ productId: 'kml', closingProbability: 101 })).toEqual([
      { field: 'body.closingProbability', code: 'too_big', message: 'Too big: expected number to be <=100' },
    ]);
  });

  it('refuses an expected close date that is not a date', () => {
    expect(inputErrors({ productId: 'kml', expectedCloseDate: '30/04/2026' })).toEqual([
      { field: 'body.expectedCloseDate', code: 'invalid_format', message: 'must be a date (YYYY-MM-DD)' },
    ]);
  });
});

describe('patchOpportunity', () => {
  const ctx = { now: later, actor: aPrincipal({ staffId: 'so-1', role: 'sales_officer' }), stagesConfig: seedStages };

  it('keeps a probability set by hand as manual and recomputes expected revenue', () => {
    expect(patchOpportunity(anOpportunity({ stage: 'Demo' }), { closingProbability: 60 }, ctx)).toMatchObject({
      closingProbability: 60,
      probabilitySource: 'manual',
      expectedRevenue: 900_000,
    });
  });

  it('puts the probability back on the stage default when patched with null', () => {
    expect(patchOpportunity(anOpportunity({ stage: 'Demo', closingProbability: 60 }), { closingProbability: null }, ctx)).toMatchObject({
      closingProbability: 25,
      probabilitySource: 'stage',
      expectedRevenue: 375_000,
    });
  });

  it('recomputes expected revenue when the deal value changes, keeping the probability', () => {
    expect(patchOpportunity(anOpportunity({ stage: 'Potential' }), { dealValue: 2_000_000 }, ctx)).toMatchObject({
      dealValue: 2_000_000,
      closingProbability: 12.5,
      probabilitySource: 'stage',
      expectedRevenue: 250_000,
    });
  });

  it('bumps the version by one and stamps who and when, leaving createdAt and the lead owner alone', () => {
    const before = anOpportunity({ version: 7 });
    expect(patchOpportunity(before, { assignedTo: 'so-1' }, ctx)).toEqual({
      ...before,
      assignedTo: 'so-1',
      updatedBy: 'so-1',
      updatedAt: '2026-03-05T09:15:00.000Z',
      version: 8,
    });
  });

  it('clears the expected close date with null and sets it with a date', () => {
    expect(patchOpportunity(anOpportunity({ expectedCloseDate: '2026-04-30' }), { expectedCloseDate: null }, ctx)).not.toHaveProperty('expectedCloseDate');
    expect(patchOpportunity(anOpportunity(), { expectedCloseDate: '2026-05-31' }, ctx).expectedCloseDate).toBe('2026-05-31');
  });

  it('names each co-salesperson once', () => {
    expect(patchOpportunity(anOpportunity(), { coSalespersons: ['tse-2', 'tse-2', 'so-1'] }, ctx).coSalespersons).toEqual(['tse-2', 'so-1']);
  });

  it('names each warrior once', () => {
    expect(patchOpportunity(anOpportunity(), { warriors: ['warrior-1', 'warrior-1'] }, ctx).warriors).toEqual(['warrior-1']);
  });

  it('hands the lead to a partner company and takes it back with null', () => {
    expect(patchOpportunity(anOpportunity(), { partnerCompanyId: 'acme-partners' }, ctx).partnerCompanyId).toBe('acme-partners');
    expect(patchOpportunity(anOpportunity({ partnerCompanyId: 'acme-partners' }), { partnerCompanyId: null }, ctx)).not.toHaveProperty('partnerCompanyId');
  });

  it('leaves the opportunity it was given untouched', () => {
    const before = anOpportunity({ stage: 'Demo' });
    const snapshot = structuredClone(before);
    patchOpportunity(before, { dealValue: 1, closingProbability: 1, expectedCloseDate: '2026-05-31', coSalespersons: ['so-1'] }, ctx);
    expect(before).toEqual(snapshot);
  });

  it.each(['Won', 'Lost'] as const)('refuses to change a Closed %s opportunity with 409 opportunity_closed', (outcome) => {
    const closed = anOpportunity({ stage: 'Closed', outcome, closingProbability: outcome === 'Won' ? 100 : 0 });
    expect(() => patchOpportunity(closed, { dealValue: 1 }, ctx)).toThrow(expect.objectContaining({ kind: 'conflict', code: 'opportunity_closed' }));
  });
});

describe('OpportunityPatch', () => {
  it('refuses an empty patch', () => {
    expect(patchErrors({})).toEqual([{ field: 'body', code: 'custom', message: 'must change at least one field' }]);
  });

  it('refuses a change of lead owner, stage or closing owner (not patchable fields)', () => {
    expect(patchErrors({ leadOwner: 'so-1', stage: 'Demo', closingOwner: 'so-1' })).toEqual([
      { field: 'body.leadOwner', code: 'unknown_field', message: 'is not a known field' },
      { field: 'body.stage', code: 'unknown_field', message: 'is not a known field' },
      { field: 'body.closingOwner', code: 'unknown_field', message: 'is not a known field' },
    ]);
  });

  it('accepts null to reset the probability, clear the close date or take the lead back from a partner', () => {
    expect(OpportunityPatch.parse({ closingProbability: null, expectedCloseDate: null, partnerCompanyId: null })).toEqual({
      closingProbability: null,
      expectedCloseDate: null,
      partnerCompanyId: null,
    });
  });

  it('reports only the bad field, not "must change at least one field", when the only field is invalid', () => {
    expect(patchErrors({ dealValue: -5 })).toEqual([{ field: 'body.dealValue', code: 'too_small', message: 'must be 0 or more' }]);
  });
});

describe('isOpen', () => {
  it.each(stages.map((s) => [s, s !== 'Closed'] as [Stage, boolean]))('%s is open: %s', (stage, open) => {
    expect(isOpen({ stage })).toBe(open);
  });
});

describe('checkAssignees', () => {
  const staff = new Map([
    ['tse-1', { role: 'tse', active: true }],
    ['so-1', { role: 'sales_officer', active: true }],
    ['mgr-1', { role: 'manager', active: true }],
    ['warrior-1', { role: 'warrior', active: true }],
    ['tse-gone', { role: 'tse', active: false }],
    ['an-1', { role: 'analyst', active: true }],
  ]);

  it('passes active salespeople as assignee and co-salespersons and warriors as warriors', () => {
    expect(() => checkAssignees({ assignedTo: 'so-1', coSalespersons: ['tse-1', 'mgr-1'], warriors: ['warrior-1'] }, staff)).not.toThrow();
    expect(() => checkAssignees({}, staff)).not.toThrow();
  });

  it('names every unknown, inactive or wrong-role person at their field and index', () => {
    expect(() => checkAssignees({ assignedTo: 'warrior-1', coSalespersons: ['tse-1', 'tse-gone', 'an-1'], warriors: ['tse-1', 'nobody'] }, staff)).toThrow(
      expect.objectContaining({
        kind: 'invalid',
        code: 'validation_failed',
        details: {
          errors: [
            { field: 'body.assignedTo', code: 'wrong_role', message: 'warrior-1 is a warrior, not a salesperson' },
            { field: 'body.coSalespersons.1', code: 'unknown_staff', message: 'tse-gone is not an active member of staff' },
            { field: 'body.coSalespersons.2', code: 'wrong_role', message: 'an-1 is an analyst, not a salesperson' },
            { field: 'body.warriors.0', code: 'wrong_role', message: 'tse-1 is a tse, not a warrior' },
            { field: 'body.warriors.1', code: 'unknown_staff', message: 'nobody is not an active member of staff' },
          ],
        },
      }),
    );
  });
});
