import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { opportunityStageChanged } from '../../events/catalog';
import { webhookBody, webhookPayload } from './payload';

const fixture = JSON.parse(readFileSync(new URL('../../events/fixtures/opportunity.stage_changed.v1.json', import.meta.url), 'utf8')) as { detail: unknown };
const stageChanged = opportunityStageChanged.detail.parse(fixture.detail);

describe('the webhook payload', () => {
  it('is the catalogue event with its id and occurredAt, without the tenant', () => {
    expect(webhookPayload(stageChanged)).toEqual({
      id: 'h00000019:opportunity.stage_changed',
      type: 'opportunity.stage_changed',
      version: 1,
      occurredAt: '2026-12-01T05:40:00.000Z',
      entity: 'opportunity',
      entityId: 'o_0000000000000000000000000400000000000000000000000006',
      actor: 'tse-1',
      data: {
        opportunityId: 'o_0000000000000000000000000400000000000000000000000006',
        clientId: 'c_00000000000000000000000004',
        productId: 'jewellery',
        seq: 2,
        previousStage: 'Lead',
        stage: 'Demo',
        direction: 'forward',
        newlyReached: ['Qualified', 'Potential', 'Demo'],
        assignedTo: 'tse-1',
        leadOwner: 'tse-1',
        currency: 'INR',
        dealValue: 3500000,
        expectedRevenue: 875000,
      },
    });
  });

  it('names no actor when the event has none, and is sent as compact JSON', () => {
    const { actor: _, ...noActor } = stageChanged;
    expect(webhookPayload(noActor)).not.toHaveProperty('actor');
    expect(webhookBody(stageChanged)).toMatch(/^\{"id":"h00000019:opportunity.stage_changed","type":"opportunity.stage_changed","version":1,"occurredAt":"2026-12-01T05:40:00.000Z",/);
    expect(webhookBody(stageChanged)).not.toContain('demo');
  });
});
