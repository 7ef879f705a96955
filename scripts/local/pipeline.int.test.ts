import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { useLocalStack } from '../../test/stack';
import { STREAM_DLQ } from './pipeline';

/**
 * DESIGN §1 end to end on the real engines: HTTP → DynamoDB Local → stream poller → publisher →
 * local bus (same rule patterns as CDK) → analytics loader → chDB audit_log.
 */
const api = useLocalStack({ pipeline: true });
const tse = { tenantId: 'demo', staffId: 'tse-1', role: 'tse' } as const;
const other = { tenantId: 'acme', staffId: 'tse-1', role: 'tse' } as const;

const aClient = (overrides: Record<string, unknown> = {}) => ({
  companyName: 'Sree Jewellers',
  ownerName: 'Anil Kumar',
  mobile: '98470 12345',
  email: 'Anil@SreeJewellers.IN',
  geo: { lat: 9.9816, lng: 76.2999 },
  ...overrides,
});

interface AuditRow {
  event_type: string;
  event_id: string;
  tenant_id: string;
  actor: string;
  occurred_at: string;
  data: string;
}

const auditOf = (entityId: string) =>
  api
    .stack()
    .pipeline!.analytics.query<AuditRow>(
      `SELECT event_type, event_id, tenant_id, actor, toString(occurred_at) AS occurred_at, data
       FROM audit_log FINAL WHERE entity = 'client' AND entity_id = {id:String} ORDER BY occurred_at, event_type`,
      { id: entityId },
    );

/** Polls until the rows for the entity are there, within a deadline (the pipeline is asynchronous). */
const eventually = (assertion: () => Promise<void>) => vi.waitFor(assertion, { timeout: 20_000, interval: 100 });

describe('event pipeline on the local stack', () => {
  it('turns POST /v1/clients into exactly one client.created row in the audit log', async () => {
    const created = await api.as(tse).post('/v1/clients', aClient());
    expect(created.status).toBe(201);
    const client = created.body;

    await eventually(async () => expect(await auditOf(client.id)).toHaveLength(1));
    const [row] = await auditOf(client.id);
    expect(row).toMatchObject({ event_type: 'client.created', tenant_id: 'demo', actor: 'tse-1', occurred_at: client.createdAt.replace('T', ' ').replace('Z', '') });
    expect(row!.event_id).toMatch(/:client\.created$/);
    expect(JSON.parse(row!.data).after).toMatchObject({ id: client.id, companyName: 'Sree Jewellers', mobile: '+919847012345', email: 'anil@sreejewellers.in' });
  });

  it('records a PATCH as client.updated with before and after', async () => {
    const created = await api.as(tse).post('/v1/clients', aClient({ mobile: '9847055555', email: 'patch@example.com' }));
    const patched = await api.as(tse).patch(`/v1/clients/${created.body.id}`, { landmark: 'Opposite the Town Hall' }, { 'if-match': '"1"' });
    expect(patched.status).toBe(200);

    await eventually(async () => expect((await auditOf(created.body.id)).map((r) => r.event_type)).toEqual(['client.created', 'client.updated']));
    const updated = JSON.parse((await auditOf(created.body.id))[1]!.data);
    expect(updated.changedFields).toContain('landmark');
    expect(updated.before).not.toHaveProperty('landmark');
    expect(updated.after).toMatchObject({ landmark: 'Opposite the Town Hall', version: 2 });
  });

  it('publishes nothing for a refused duplicate, and keeps tenants apart', async () => {
    const first = await api.as(other).post('/v1/clients', aClient({ mobile: '9847066666', email: 'dup@example.com' }));
    const duplicate = await api.as(other).post('/v1/clients', aClient({ mobile: '9847066666', email: 'dup2@example.com' }));
    expect(duplicate.status).toBe(409);
    // A later client of the same tenant shows the stream got past the refused write.
    const later = await api.as(other).post('/v1/clients', aClient({ mobile: '9847077777', email: 'later@example.com' }));
    await eventually(async () => expect(await auditOf(later.body.id)).toHaveLength(1));

    const acme = await api.stack().pipeline!.analytics.query<{ entity_id: string }>("SELECT entity_id FROM audit_log FINAL WHERE tenant_id = 'acme' AND entity = 'client' ORDER BY occurred_at");
    expect(acme.map((r) => r.entity_id)).toEqual([first.body.id, later.body.id]);
  });

  it('delivered everything: no dead letters from the stream or the bus', async () => {
    const { pipeline } = api.stack();
    await pipeline!.poller.caughtUp();
    await pipeline!.bus.idle();
    expect(existsSync(join(pipeline!.dlqDir, `${STREAM_DLQ}.jsonl`)) && readFileSync(join(pipeline!.dlqDir, `${STREAM_DLQ}.jsonl`), 'utf8')).toBeFalsy();
    expect(existsSync(pipeline!.bus.dlqFile('analytics-loader'))).toBe(false);
  });
});
