import { describe, expect, it } from 'vitest';
import { seedProducts, type Product } from '../catalogue/products';
import type { Client } from './client';
import { anEvent, anOpportunity } from '../testing/builders';
import { buildProfile, coOwnershipScores } from './profile';

const aClient = (overrides: Partial<Client> = {}): Client => ({
  id: 'client-1',
  companyName: 'Sree Durga Jewellers',
  ownerName: 'Ravi Kumar',
  mobile: '+919847012345',
  createdBy: 'tse-1',
  createdAt: '2026-01-05T04:30:00.000Z',
  updatedAt: '2026-01-05T04:30:00.000Z',
  version: 1,
  ...overrides,
});

const aProduct = (overrides: Partial<Product> = {}): Product => ({ id: 'payroll', name: 'Payroll', standardValue: 1_000_000, tier: 'sales', active: true, ...overrides });

describe('buildProfile (client 360)', () => {
  // The golden case: one client holding one opportunity of each kind.
  const won = anOpportunity({ id: 'opp-web', productId: 'website', stage: 'Closed', outcome: 'Won', closingOwner: 'tse-1', closedAt: '2026-02-10T06:00:00.000Z' });
  const lead = anOpportunity({ id: 'opp-kml', productId: 'kml', stage: 'Lead', dealValue: 2_000_000 });
  const atVisit = anOpportunity({ id: 'opp-jew', productId: 'jewellery', stage: 'Visit', dealValue: 3_000_000 });
  const negotiating = anOpportunity({ id: 'opp-chitty', productId: 'chitty', stage: 'Demo', dealValue: 3_000_000 });
  const lost = anOpportunity({ id: 'opp-micro', productId: 'microfinance', stage: 'Closed', outcome: 'Lost', lostReason: 'price', closedAt: '2026-02-20T06:00:00.000Z' });

  const events = [
    anEvent({ id: 'ev-a', opportunityId: 'opp-chitty', type: 'Negotiation', status: 'Pending', scheduledAt: '2026-03-04T05:00:00.000Z' }),
    anEvent({ id: 'ev-b', opportunityId: 'opp-kml', type: 'Negotiation', status: 'Completed', scheduledAt: '2026-03-01T05:00:00.000Z' }),
    anEvent({ id: 'ev-c', opportunityId: 'opp-micro', type: 'Negotiation', status: 'Pending', scheduledAt: '2026-02-15T05:00:00.000Z' }),
    anEvent({ id: 'ev-d', opportunityId: 'opp-web', type: 'Call', status: 'Completed', scheduledAt: '2026-02-01T05:00:00.000Z' }),
    anEvent({ id: 'ev-e', opportunityId: 'opp-jew', type: 'VisitScheduled', status: 'Pending', scheduledAt: '2026-03-04T05:00:00.000Z' }),
    anEvent({ id: 'ev-f', opportunityId: 'opp-kml', type: 'Call', status: 'Missed', scheduledAt: '2026-03-05T05:00:00.000Z' }),
  ];

  const catalogue = [...seedProducts, aProduct(), aProduct({ id: 'legacy', name: 'Legacy', standardValue: 9_000_000, active: false })];

  const profile = buildProfile(aClient(), [won, lead, atVisit, negotiating, lost], events, catalogue, {
    microfinance: { score: 0.7, ownedWith: 'website' },
    payroll: { score: 0.7, ownedWith: 'website' },
    'nbfc-mscs': { score: 0.2, ownedWith: 'website' },
    website: { score: 0.5, ownedWith: 'kml' },
    legacy: { score: 0.99, ownedWith: 'website' },
  });

  it('lists won products as existing products', () => {
    expect(profile.existingProducts).toEqual([{ productId: 'website', opportunityId: 'opp-web', dealValue: 1_500_000, closedAt: '2026-02-10T06:00:00.000Z' }]);
  });

  it('lists open opportunities as active, leaving out won and lost ones', () => {
    expect(profile.activeOpportunities).toEqual([lead, atVisit, negotiating]);
  });

  it('lists the products at Lead stage', () => {
    expect(profile.leadStageProducts).toEqual([{ productId: 'kml', opportunityId: 'opp-kml' }]);
  });

  it('lists as closing stage the opportunities at Visit or with a Negotiation event pending, open ones only', () => {
    expect(profile.closingStageProducts).toEqual([
      { productId: 'jewellery', opportunityId: 'opp-jew', stage: 'Visit' },
      { productId: 'chitty', opportunityId: 'opp-chitty', stage: 'Demo' },
    ]);
  });

  it('shows the whole follow-up history across opportunities, newest first (ties: later id first)', () => {
    expect(profile.history.map((e) => e.id)).toEqual(['ev-f', 'ev-e', 'ev-a', 'ev-b', 'ev-c', 'ev-d']);
  });

  it('suggests active catalogue products the client neither owns nor is pursuing, ranked by co-ownership then catalogue order, with the reason', () => {
    expect(profile.crossSell).toEqual([
      { productId: 'microfinance', name: 'Microfinance', standardValue: 5_500_000, score: 0.7, reason: 'owned by 70 % of clients with Website', ownedWith: 'website' },
      { productId: 'payroll', name: 'Payroll', standardValue: 1_000_000, score: 0.7, reason: 'owned by 70 % of clients with Website', ownedWith: 'website' },
      { productId: 'nbfc-mscs', name: 'NBFC / MSCS', standardValue: 10_000_000, score: 0.2, reason: 'owned by 20 % of clients with Website', ownedWith: 'website' },
    ]);
  });

  it('keeps the client as given', () => {
    expect(profile.client).toEqual(aClient());
  });

  it('falls back to catalogue order when there are no co-ownership figures (a new tenant)', () => {
    const noFigures = buildProfile(aClient(), [won], [], [...seedProducts, aProduct({ id: 'amc', name: 'AMC', standardValue: 3_000_000 })]);
    expect(noFigures.crossSell.map((s) => [s.productId, s.score])).toEqual([
      ['kml', 0],
      ['jewellery', 0],
      ['chitty', 0],
      ['microfinance', 0],
      ['nbfc-mscs', 0],
      ['amc', 0],
    ]);
    expect(noFigures.crossSell[0]!.reason).toBe('no client owns it together with this client’s products yet: catalogue order');
  });

  it('scores co-ownership as the highest share over the client’s products: 62 of 100 Jewellery owners own Website', () => {
    expect(
      coOwnershipScores([
        { owned: 'jewellery', product: 'jewellery', clients: 100 },
        { owned: 'jewellery', product: 'website', clients: 62 },
        { owned: 'jewellery', product: 'kml', clients: 10 },
        { owned: 'chitty', product: 'chitty', clients: 20 },
        { owned: 'chitty', product: 'kml', clients: 5 },
        { owned: 'chitty', product: 'website', clients: 2 },
      ]),
    ).toEqual({ website: { score: 0.62, ownedWith: 'jewellery' }, kml: { score: 0.25, ownedWith: 'chitty' } });
  });


  it('suggests a product again after its opportunity was lost', () => {
    expect(buildProfile(aClient(), [lost], [], seedProducts).crossSell.map((s) => s.productId)).toContain('microfinance');
  });

  it('gives an empty profile for a client with no opportunities or events, suggesting the whole active catalogue', () => {
    const empty = buildProfile(aClient(), [], [], seedProducts);
    expect(empty).toMatchObject({ existingProducts: [], activeOpportunities: [], leadStageProducts: [], closingStageProducts: [], history: [] });
    expect(empty.crossSell).toHaveLength(seedProducts.length);
  });

  it('does not reorder the events it was given', () => {
    const given = [...events];
    buildProfile(aClient(), [], given, seedProducts);
    expect(given).toEqual(events);
  });
});
