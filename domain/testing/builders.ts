/** Test fixtures shared by the domain tests: builders with overrides. */
import type { Principal } from '../access/roles';
import type { CrmEvent } from '../events/event';
import type { Opportunity } from '../pipeline/opportunity';
import { expectedRevenue } from '../pipeline/money';
import { defaultProbability, seedStages, stageIndex, stages } from '../pipeline/stages';

export const fixtureCreatedAt = new Date('2026-03-02T04:30:00.000Z');

export const aPrincipal = (overrides: Partial<Principal> = {}): Principal => ({ tenantId: 'demo', staffId: 'tse-1', role: 'tse', ...overrides });

/** An open opportunity as newOpportunity would leave it at `stage`, with overrides on top. */
export function anOpportunity(overrides: Partial<Opportunity> = {}): Opportunity {
  const stage = overrides.stage ?? 'Lead';
  const dealValue = overrides.dealValue ?? 1_500_000;
  const closingProbability = overrides.closingProbability ?? defaultProbability(seedStages, stage);
  return {
    id: 'opp-1',
    clientId: 'client-1',
    productId: 'website',
    stage,
    dealValue,
    currency: 'INR',
    closingProbability,
    probabilitySource: overrides.closingProbability === undefined ? 'stage' : 'manual',
    expectedRevenue: expectedRevenue(dealValue, closingProbability),
    assignedTo: 'tse-1',
    leadOwner: 'tse-1',
    coSalespersons: [],
    warriors: [],
    stagesReached: stages.slice(0, stageIndex(stage) + 1),
    createdAt: fixtureCreatedAt.toISOString(),
    updatedAt: fixtureCreatedAt.toISOString(),
    version: 1,
    ...overrides,
  };
}

/** All eight feedback fields, valid. */
export const aFeedback = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  customerFeedback: 'Liked the billing module',
  requirementDetails: 'GST invoices, 3 branches',
  suggestions: 'Offer the annual plan',
  budget: 1_500_000,
  expectedClosingTimeline: '2026-04-30',
  competitorInfo: 'Zoho quoted ₹18,000',
  staffRemarks: 'Decision maker present',
  customerCommitments: 'Will confirm by Friday',
  ...overrides,
});

/** A stored event, Pending by default. */
export const anEvent = (overrides: Partial<CrmEvent> = {}): CrmEvent => ({
  id: 'ev-1',
  opportunityId: 'opp-1',
  clientId: 'client-1',
  type: 'Call',
  status: 'Pending',
  scheduledAt: '2026-03-03T05:00:00.000Z',
  assignee: 'tse-1',
  remarks: '',
  notes: '',
  createdBy: 'tse-1',
  createdAt: fixtureCreatedAt.toISOString(),
  updatedAt: fixtureCreatedAt.toISOString(),
  version: 1,
  ...overrides,
});
