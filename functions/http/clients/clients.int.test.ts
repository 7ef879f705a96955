import { describe, expect, it } from 'vitest';
import { useLocalStack } from '../../../test/stack';

const api = useLocalStack();
const tseA = { tenantId: 'demo', staffId: 'tse-1', role: 'tse' } as const;
const tseB = { tenantId: 'acme', staffId: 'tse-1', role: 'tse' } as const;

const aClient = (overrides: Record<string, unknown> = {}) => ({
  companyName: 'Sree Jewellers',
  ownerName: 'Anil Kumar',
  mobile: '98470 12345',
  email: 'Anil@SreeJewellers.IN',
  address: 'MG Road, Kochi',
  geo: { lat: 9.9816, lng: 76.2999 },
  ...overrides,
});

describe('POST /v1/clients and GET /v1/clients/{id}', () => {
  it('stores a client with normalised contacts and reads it back under the same tenant', async () => {
    const created = await api.as(tseA).post('/v1/clients', aClient());
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ companyName: 'Sree Jewellers', mobile: '+919847012345', email: 'anil@sreejewellers.in', version: 1, createdBy: 'tse-1' });
    expect(created.body.id).toMatch(/^c_[0-9a-z]{26}$/);
    expect(created.headers.get('location')).toBe(`/v1/clients/${created.body.id}`);

    const read = await api.as(tseA).get(`/v1/clients/${created.body.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(created.body);
    expect(read.headers.get('etag')).toBe('"1"');
  });

  it("answers 404 to another tenant's token for the same id", async () => {
    const created = await api.as(tseA).post('/v1/clients', aClient({ mobile: '+91 98470 99999', email: 'x@example.com' }));
    const other = await api.as(tseB).get(`/v1/clients/${created.body.id}`);
    expect(other.status).toBe(404);
    expect(other.headers.get('content-type')).toBe('application/problem+json');
    expect(other.body).toMatchObject({ status: 404, code: 'client_not_found' });
  });

  it('refuses a second client with the same phone, naming the first, and stores nothing', async () => {
    const first = await api.as(tseA).post('/v1/clients', aClient({ mobile: '9847011111', email: 'one@example.com' }));
    const second = await api.as(tseA).post('/v1/clients', aClient({ mobile: '+91 98470-11111', email: 'two@example.com' }));
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({ code: 'duplicate_client', existingClientId: first.body.id, matchedOn: 'mobile' });
    // The email of the refused client was not reserved: a third client may use it.
    const third = await api.as(tseA).post('/v1/clients', aClient({ mobile: '9847022222', email: 'two@example.com' }));
    expect(third.status).toBe(201);
  });

  it('gives field-level 422 errors for wrong types, unknown fields and bad phones', async () => {
    const res = await api.as(tseA).post('/v1/clients', { companyName: 42, ownerName: 'A', mobile: '12', colour: 'red' });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('validation_failed');
    expect(res.body.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'body.companyName', code: 'invalid_type' }),
        expect.objectContaining({ field: 'body.colour', code: 'unknown_field' }),
      ]),
    );
    const badPhone = await api.as(tseA).post('/v1/clients', aClient({ mobile: '12', email: 'p@example.com' }));
    expect(badPhone.status).toBe(422);
    expect(badPhone.body.errors).toEqual([{ field: 'body.mobile', code: 'invalid_phone', message: 'is not a valid phone number' }]);
  });

  it('answers malformed JSON with 400, a wrong content type with 415 and an oversized body with 413', async () => {
    const malformed = await api.as(tseA).post('/v1/clients', '{"companyName": ', { 'content-type': 'application/json' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.code).toBe('malformed_json');
    const text = await api.as(tseA).post('/v1/clients', 'companyName=x', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(text.status).toBe(415);
    const huge = await api.as(tseA).post('/v1/clients', aClient({ address: 'x'.repeat(70_000) }));
    expect(huge.status).toBe(413);
    expect(huge.body.code).toBe('body_too_large');
  });

  it('rejects a malformed client id with 422 and an unknown one with 404', async () => {
    expect((await api.as(tseA).get('/v1/clients/not-an-id')).status).toBe(422);
    expect((await api.as(tseA).get('/v1/clients/c_01jzzzzzzzzzzzzzzzzzzzzzzz')).status).toBe(404);
  });
});
