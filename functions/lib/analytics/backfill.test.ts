import { describe, expect, it } from 'vitest';
import { anOpportunity } from '../../../domain/testing/builders';
import { opportunityCreated } from '../../../events/catalog';
import type { AuditEntry } from '../../../domain/audit/audit';
import { auditItem, toItem, type Item } from '../store/items';
import { factsOfItem } from './backfill';
import { factsOf } from './projections';

/** A backfill gives the facts the live path gives (functions/lib/analytics/backfill.ts). */
describe('backfill of lead arrivals (issue #13 item 7)', () => {
  const source = { channel: 'facebook_lead_ads', connectionId: 'ic_1', externalId: 'lead-77', arrivedAt: '2026-03-02T04:29:10.000Z' };
  const created = anOpportunity({ id: 'opp-7', source });
  /** The audit item of an opportunity's creation, as the repository writes it. */
  const creationAudit = (after: typeof created, actor: string): Item =>
    auditItem('crm', 'demo', { pk: 'T#demo#C#client-1', sk: `AUDIT#a_${after.id}` }, after.id, { id: `a_${after.id}`, entity: 'opportunity', entityId: after.id, action: 'created', actor, at: after.createdAt, after } satisfies AuditEntry).Put!.Item!;

  it('finds a lead’s arrival, under its assignee then, in the audit entry of its creation: the row the loader made from opportunity.created', () => {
    const live = factsOf(opportunityCreated.create({ eventId: 'x', tenantId: 'demo', entityId: 'opp-7', occurredAt: created.createdAt, actor: 'integration:ic_1', data: { after: created } }));
    const item = creationAudit(created, 'integration:ic_1');
    expect(factsOfItem(item).lead_arrivals).toEqual([
      { tenant_id: 'demo', opportunity_id: 'opp-7', client_id: 'client-1', product_id: 'website', assigned_to: 'tse-1', channel: 'facebook_lead_ads', connection_id: 'ic_1', external_id: 'lead-77', arrived_at: '2026-03-02 04:29:10.000' },
    ]);
    expect(factsOfItem(item).lead_arrivals).toEqual(live.lead_arrivals);
    // The opportunity item as it stands now (reassigned since) adds no arrival of its own.
    expect(factsOfItem(toItem('opportunity', 'demo', { pk: 'T#demo#C#client-1', sk: 'OPP#opp-7' }, { ...created, assignedTo: 'tse-2', version: 2 })).lead_arrivals).toBeUndefined();
  });

  it('adds none for an opportunity made by hand', () => {
    expect(factsOfItem(creationAudit(anOpportunity({ id: 'opp-8' }), 'tse-1')).lead_arrivals).toBeUndefined();
    expect(factsOf(opportunityCreated.create({ eventId: 'y', tenantId: 'demo', entityId: 'opp-8', occurredAt: created.createdAt, actor: 'tse-1', data: { after: anOpportunity({ id: 'opp-8' }) } })).lead_arrivals).toBeUndefined();
  });
});
