import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useLocalStack } from '../../../test/stack';

/** #13 items 1, 2 and 4: connections, the one inbound path and the ERP mapping, on the local stack's real engines. */
const api = useLocalStack();
const admin = { tenantId: 'demo', staffId: 'admin', role: 'tenant_admin' } as const;
const manager = { tenantId: 'demo', staffId: 'manager', role: 'manager' } as const;
const tse = { tenantId: 'demo', staffId: 'tse-1', role: 'tse' } as const;
const acmeAdmin = { tenantId: 'acme', staffId: 'admin', role: 'tenant_admin' } as const;

/** Standard Webhooks signing, written here from the specification (not the code under test): HMAC-SHA256 of id.timestamp.body with the base64-decoded key. */
function sign(secret: string, id: string, body: string, at = Math.floor(Date.now() / 1000)) {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const signature = createHmac('sha256', key).update(`${id}.${at}.${body}`).digest('base64');
  return { 'webhook-id': id, 'webhook-timestamp': String(at), 'webhook-signature': `v1,${signature}`, 'content-type': 'application/json' };
}

async function connect(settings: Record<string, unknown> = {}) {
  const created = await api.as(admin).post('/v1/integrations', { provider: 'generic', name: 'Our ERP', settings });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body as { id: string; webhookUrl: string; secret: string; version: number };
}

async function deliver(conn: { id: string; secret: string }, id: string, records: unknown) {
  const body = JSON.stringify(records);
  const res = await api.anonymous().post(`/hooks/demo/${conn.id}`, body, sign(conn.secret, id, body));
  await api.stack().inboundQueue.idle();
  return res;
}

const deliveryOf = async (conn: { id: string }, deliveryId: string) => (await api.as(admin).get(`/v1/integrations/${conn.id}/deliveries/${deliveryId}`)).body;

const customer = (externalId: string, data: Record<string, unknown>) => ({ type: 'customer.upserted', externalId, data: { updatedAt: '2026-11-30T10:00:00Z', ...data } });

describe('connections', () => {
  it('create answers the hook URL and the signing secret once; no read shows a secret', async () => {
    const conn = await connect({ itemMap: { 'ITM-1': 'website' } });
    expect(conn).toMatchObject({ provider: 'generic', name: 'Our ERP', enabled: true, settings: { itemMap: { 'ITM-1': 'website' } }, secretsSet: ['signingSecret'], version: 1 });
    expect(conn.webhookUrl).toBe(`${api.stack().url}/hooks/demo/${conn.id}`);
    expect(conn.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    const read = await api.as(admin).get(`/v1/integrations/${conn.id}`);
    expect(read.status).toBe(200);
    expect(JSON.stringify(read.body)).not.toContain(conn.secret.slice(6));
    expect(read.body.secret).toBeUndefined();
    const list = await api.as(admin).get('/v1/integrations');
    expect(list.body.items.map((c: { id: string }) => c.id)).toContain(conn.id);
    expect(JSON.stringify(list.body)).not.toContain(conn.secret.slice(6));
  });

  it('validates settings and secrets by provider, with field errors', async () => {
    const bad = await api.as(admin).post('/v1/integrations', { provider: 'generic', name: 'X', settings: { itemMap: { A: 'no-such-product' }, colour: 'red' } });
    expect(bad.status).toBe(422);
    expect(bad.body.errors).toEqual([{ field: 'body.settings', code: 'unknown_field', message: 'Unrecognized key: "colour"' }]);
    const product = await api.as(admin).post('/v1/integrations', { provider: 'generic', name: 'X', settings: { itemMap: { A: 'no-such-product' } } });
    expect(product.body.errors).toEqual([{ field: 'body.settings.itemMap.A', code: 'unknown_product', message: 'no-such-product is not a product of the catalogue' }]);
    const qb = await api.as(admin).post('/v1/integrations', { provider: 'quickbooks', name: 'QB', secrets: { password: 'x' } });
    expect(qb.status).toBe(422);
    expect(qb.body.errors).toEqual([
      { field: 'body.secrets.password', code: 'unknown_field', message: 'is not a secret of quickbooks (it takes verifierToken, clientId, clientSecret, refreshToken)' },
      { field: 'body.secrets.verifierToken', code: 'required', message: 'is required: quickbooks cannot verify or fetch without it' },
    ]);
  });

  it('are the tenant admin’s: managers and sellers are refused, another tenant sees none', async () => {
    const conn = await connect();
    expect((await api.as(manager).get('/v1/integrations')).status).toBe(403);
    expect((await api.as(tse).post('/v1/integrations', { provider: 'generic', name: 'X' })).status).toBe(403);
    expect((await api.as(acmeAdmin).get(`/v1/integrations/${conn.id}`)).status).toBe(404);
    expect((await api.as(acmeAdmin).get('/v1/integrations')).body.items).toEqual([]);
  });

  it('rotate keeps the previous secret valid through the overlap; delete ends the hook', async () => {
    const conn = await connect();
    const rotated = await api.as(admin).post(`/v1/integrations/${conn.id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(conn.secret);
    expect(Date.parse(rotated.body.previousSecretExpiresAt) - Date.now()).toBeGreaterThan(23.9 * 3600_000);
    const record = customer('R-1', { companyName: 'Rotation Traders', mobile: '9870000001' });
    expect((await deliver(conn, 'old-secret', record)).status).toBe(202);
    expect((await deliver({ id: conn.id, secret: rotated.body.secret }, 'new-secret', record)).status).toBe(202);
    const gone = await api.as(admin).call('DELETE', `/v1/integrations/${conn.id}`);
    expect(gone.status).toBe(204);
    expect((await deliver({ id: conn.id, secret: rotated.body.secret }, 'after-delete', record)).status).toBe(404);
  });
});

describe('the inbound path', () => {
  it('verifies, stores, answers 202 and processes a delivery once per webhook-id', async () => {
    const conn = await connect();
    const record = customer('CUST-1', { companyName: 'Hook Traders', ownerName: 'Hari', mobile: '98700 00002', email: 'HOOK@example.com', gstin: '27AAPFU0939F1ZV', city: 'Kochi' });
    const first = await deliver(conn, 'msg-1', [record]);
    expect(first.status).toBe(202);
    expect(first.body).toEqual({ deliveryId: expect.stringMatching(/^dl_/), status: 'queued' });
    const again = await deliver(conn, 'msg-1', [record]);
    expect(again.body).toEqual({ deliveryId: first.body.deliveryId, status: 'processed', duplicate: true });
    const d = await deliveryOf(conn, first.body.deliveryId);
    expect(d).toMatchObject({ status: 'processed', providerDeliveryId: 'webhook-id:msg-1', attempts: 1, counts: { created: 1, updated: 0, unchanged: 0, ignored: 0, failed: 0 } });
    const clients = (await api.as(admin).get('/v1/clients?q=9870000002')).body.items;
    expect(clients).toMatchObject([{ companyName: 'Hook Traders', ownerName: 'Hari', mobile: '+919870000002', email: 'hook@example.com', gstin: '27AAPFU0939F1ZV', externalRefs: { generic: 'CUST-1' }, createdBy: `integration:${conn.id}` }]);
    const payload = await api.as(admin).get(`/v1/integrations/${conn.id}/deliveries/${first.body.deliveryId}/payload`);
    expect(payload.body).toEqual({ contentType: 'application/json', encoding: 'utf8', body: JSON.stringify([record]), bytes: JSON.stringify([record]).length });
    const log = await api.as(admin).get(`/v1/integrations/${conn.id}/deliveries`);
    expect(log.body.items.map((x: { id: string }) => x.id)).toEqual([first.body.deliveryId]);
  });

  it('two workers given one queued delivery process it once: the first claims it (a lead gets one first-response call, not two)', async () => {
    expect((await api.as(admin).put('/v1/config/assignment', { rules: [], defaultOwner: 'tse-1' }, { 'if-match': '"0"' })).status).toBe(200);
    const conn = await connect();
    const [{ getServices }, { processDelivery }] = await Promise.all([import('../../lib/services'), import('../../lib/use-cases/inbound')]);
    const services = getServices();
    const lead = { type: 'lead.received', externalId: 'TWICE-1', data: { ownerName: 'Twice', mobile: '9870000009', productId: 'website', receivedAt: new Date().toISOString() } };
    const body = Buffer.from(JSON.stringify(lead));
    const delivery = { id: 'dl_twiceTWICEtwiceTWICEtwicex', connectionId: conn.id, provider: 'generic' as const, providerDeliveryId: 'webhook-id:twice', receivedAt: new Date().toISOString(), status: 'queued' as const, attempts: 0, payload: { bytes: body.length, contentType: 'application/json' }, headers: {}, raw: body, version: 1 };
    expect(await services.integrations.recordDelivery('demo', delivery)).toBe(true);
    const msg = { tenantId: 'demo', connectionId: conn.id, deliveryId: delivery.id };
    await Promise.all([processDelivery(services, msg, 1, new Date()), processDelivery(services, msg, 1, new Date())]);
    expect(await deliveryOf(conn, delivery.id)).toMatchObject({ status: 'processed', attempts: 1, counts: { created: 1 } });
    const [client] = (await api.as(admin).get('/v1/clients?q=9870000009')).body.items;
    const profile = (await api.as(admin).get(`/v1/clients/${client.id}/profile`)).body;
    expect(profile.history.filter((e: { purpose?: string }) => e.purpose === 'first_response')).toHaveLength(1);
  });

  it('refuses a bad signature, a stale timestamp, an unknown and another tenant’s connection, storing nothing', async () => {
    const conn = await connect();
    const body = JSON.stringify(customer('X-1', { companyName: 'Nope', mobile: '9870000003' }));
    const forged = await api.anonymous().post(`/hooks/demo/${conn.id}`, body, sign('whsec_' + Buffer.alloc(24, 1).toString('base64'), 'f-1', body));
    expect(forged.status).toBe(401);
    expect(forged.body.code).toBe('signature_bad');
    const stale = await api.anonymous().post(`/hooks/demo/${conn.id}`, body, sign(conn.secret, 'f-2', body, Math.floor(Date.now() / 1000) - 301));
    expect(stale.body.code).toBe('signature_stale_timestamp');
    const unsigned = await api.anonymous().post(`/hooks/demo/${conn.id}`, body, { 'content-type': 'application/json' });
    expect(unsigned.body.code).toBe('signature_missing');
    expect((await api.anonymous().post(`/hooks/acme/${conn.id}`, body, sign(conn.secret, 'f-3', body))).status).toBe(404);
    expect((await api.anonymous().post('/hooks/demo/ic_00000000000000000000000000', body, sign(conn.secret, 'f-4', body))).status).toBe(404);
    expect((await api.as(admin).get(`/v1/integrations/${conn.id}/deliveries`)).body.items).toEqual([]);
  });

  it('stores a signed delivery of garbage and fails it visibly; a record the rules refuse fails alone', async () => {
    const conn = await connect();
    const garbage = await deliver(conn, 'g-1', 'not json at all' as unknown as object);
    expect(garbage.status).toBe(202);
    expect(await deliveryOf(conn, garbage.body.deliveryId)).toMatchObject({ status: 'failed', reason: { code: 'malformed_payload' } });
    const mixed = await deliver(conn, 'm-1', [customer('OK-1', { companyName: 'Good Co', mobile: '9870000004' }), customer('BAD-1', { companyName: 'No Phone Co' }), { type: 'customer.upserted', externalId: 'BAD-2', data: {} }]);
    const d = await deliveryOf(conn, mixed.body.deliveryId);
    expect(d.status).toBe('failed');
    expect(d.counts).toEqual({ created: 1, updated: 0, unchanged: 0, ignored: 0, failed: 2 });
    expect(d.reason.code).toBe('records_failed');
    expect(d.outcomes.map((o: { externalId: string; outcome: string }) => [o.externalId, o.outcome])).toEqual([
      ['BAD-1', 'failed'],
      ['BAD-2', 'failed'],
      ['OK-1', 'created'],
    ]);
  });

  it('ERP fields follow the ERP, contact fields stay the salesperson’s, an older update loses, and conflicts are audited with both values', async () => {
    const conn = await connect();
    await deliver(conn, 'o-1', customer('OWN-1', { companyName: 'Owner Traders', ownerName: 'Oommen', mobile: '9870000005', address: 'MG Road', updatedAt: '2026-11-30T10:00:00Z' }));
    const [client] = (await api.as(admin).get('/v1/clients?q=9870000005')).body.items;
    // A salesperson corrects the owner's name.
    const edited = await api.as(admin).patch(`/v1/clients/${client.id}`, { ownerName: 'Oommen Chandy' }, { 'if-match': `"${client.version}"` });
    expect(edited.status).toBe(200);
    const newer = await deliver(conn, 'o-2', customer('OWN-1', { companyName: 'Owner Traders Pvt Ltd', ownerName: 'O. Chandy', mobile: '9870000005', address: 'MG Road, Kochi', updatedAt: '2026-11-30T12:00:00Z' }));
    expect((await deliveryOf(conn, newer.body.deliveryId)).counts.updated).toBe(1);
    const older = await deliver(conn, 'o-3', customer('OWN-1', { companyName: 'Owner Traders (old name)', mobile: '9870000005', updatedAt: '2026-11-30T11:00:00Z' }));
    expect((await deliveryOf(conn, older.body.deliveryId)).counts.unchanged).toBe(1);
    const now = (await api.as(admin).get(`/v1/clients/${client.id}`)).body;
    expect(now).toMatchObject({ companyName: 'Owner Traders Pvt Ltd', ownerName: 'Oommen Chandy', address: 'MG Road, Kochi', fieldSources: { companyName: { system: 'generic', at: '2026-11-30T12:00:00.000Z' }, address: { system: 'generic', at: '2026-11-30T12:00:00.000Z' } } });
    const audit = (await api.as(admin).get(`/v1/clients/${client.id}/audit`)).body.items;
    const conflicts = audit.filter((a: { action: string }) => a.action === 'sync_conflict').flatMap((a: { conflicts: unknown[] }) => a.conflicts);
    expect(conflicts).toEqual(
      expect.arrayContaining([
        { field: 'ownerName', crm: 'Oommen Chandy', source: 'O. Chandy', kept: 'crm', why: 'the CRM owns contact fields: a salesperson set it' },
        { field: 'companyName', crm: 'Owner Traders Pvt Ltd', source: 'Owner Traders (old name)', kept: 'crm', why: "older (2026-11-30T11:00:00.000Z) than generic's last change of it (2026-11-30T12:00:00.000Z)" },
      ]),
    );
    expect(audit.find((a: { action: string; source?: unknown }) => a.action === 'updated' && a.source)?.source).toMatchObject({ connectionId: conn.id, provider: 'generic', externalId: 'OWN-1' });
  });

  it('an invoice makes the client own the product and closes its open deal Won at the invoiced amount; a payment marks it paid; a replay changes nothing', async () => {
    const conn = await connect({ itemMap: { 'WEB-01': 'website' } });
    await deliver(conn, 'i-1', customer('INV-C', { companyName: 'Invoice Traders', mobile: '9870000006' }));
    const [client] = (await api.as(admin).get('/v1/clients?q=9870000006')).body.items;
    const opp = await api.as(admin).post(`/v1/clients/${client.id}/opportunities`, { productId: 'website', assignedTo: 'tse-1' });
    expect(opp.status).toBe(201);
    const invoice = { type: 'invoice.created', externalId: 'INV-9', data: { customerExternalId: 'INV-C', number: 'SI/26/9', date: '2026-11-30', currency: 'INR', total: 2_360_000, lines: [{ itemCode: 'WEB-01', amount: 2_000_000 }, { itemCode: 'GST', amount: 360_000 }], updatedAt: '2026-11-30T10:00:00Z' } };
    const sent = await deliver(conn, 'i-2', invoice);
    expect(await deliveryOf(conn, sent.body.deliveryId)).toMatchObject({ status: 'processed', outcomes: [{ outcome: 'created', opportunityId: opp.body.id, message: `closed Won: ${opp.body.id}; items not in the item map: GST` }] });
    const won = (await api.as(tse).get(`/v1/opportunities/${opp.body.id}`)).body;
    expect(won).toMatchObject({ stage: 'Closed', outcome: 'Won', dealValue: 2_000_000, closingOwner: 'tse-1' });
    const again = await deliver(conn, 'i-3', invoice);
    expect((await deliveryOf(conn, again.body.deliveryId)).counts).toEqual({ created: 0, updated: 0, unchanged: 1, ignored: 0, failed: 0 });
    const paid = await deliver(conn, 'i-4', [{ type: 'payment.received', externalId: 'PAY-1', data: { invoiceExternalId: 'INV-9', amount: 2_360_000, date: '2026-12-01' } }]);
    expect((await deliveryOf(conn, paid.body.deliveryId)).outcomes).toEqual([{ type: 'payment.received', externalId: 'PAY-1', outcome: 'updated', clientId: client.id, message: 'invoice SI/26/9 paid' }]);
    const profile = (await api.as(admin).get(`/v1/clients/${client.id}/profile`)).body;
    expect(profile.existingProducts.map((p: { productId: string }) => p.productId)).toContain('website');
  });

  it('an invoice for an unknown customer fails with the reason, and is replayed once the customer is there', async () => {
    const conn = await connect({ itemMap: { 'KML-1': 'kml' } });
    const invoice = { type: 'invoice.created', externalId: 'EARLY-1', data: { customerExternalId: 'LATE-C', number: 'E1', date: '2026-11-30', currency: 'INR', total: 100, lines: [{ itemCode: 'KML-1', amount: 100 }], updatedAt: '2026-11-30T10:00:00Z' } };
    const early = await deliver(conn, 'e-1', invoice);
    const failed = await deliveryOf(conn, early.body.deliveryId);
    expect(failed).toMatchObject({ status: 'failed', reason: { code: 'records_failed', message: '1 of 1 records failed: No client has generic customer LATE-C: sync the customer first, then replay this delivery.' } });
    expect((await api.as(admin).post(`/v1/integrations/${conn.id}/deliveries/${early.body.deliveryId}/replay`)).status).toBe(409 - 409 + 202);
    await api.stack().inboundQueue.idle();
    expect((await deliveryOf(conn, early.body.deliveryId)).status).toBe('failed');
    await deliver(conn, 'e-2', customer('LATE-C', { companyName: 'Late Co', mobile: '9870000007' }));
    await api.as(admin).post(`/v1/integrations/${conn.id}/deliveries/${early.body.deliveryId}/replay`);
    await api.stack().inboundQueue.idle();
    expect(await deliveryOf(conn, early.body.deliveryId)).toMatchObject({ status: 'processed', attempts: 3 });
    expect((await api.as(admin).post(`/v1/integrations/${conn.id}/deliveries/${early.body.deliveryId}/replay`)).body.code).toBe('already_processed');
  });
});
