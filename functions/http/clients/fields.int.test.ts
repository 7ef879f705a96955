import { describe, expect, it } from 'vitest';
import { useLocalStack } from '../../../test/stack';

/** #12 item 1: city, PIN code, GSTIN (shape and check character) and external references on a client. */
const api = useLocalStack();
const tse = { tenantId: 'demo', staffId: 'tse-1', role: 'tse' } as const;

describe('client fields for data quality', () => {
  it('stores city, PIN code, GSTIN (upper case, check character verified) and external references, and edits them', async () => {
    const created = await api.as(tse).post('/v1/clients', {
      companyName: 'Sree Jewellers',
      ownerName: 'Anil',
      mobile: '9847012399',
      city: 'Kochi',
      pincode: '682 001',
      gstin: '32aapfu0939f1z4',
      externalRefs: { tally: 'LED-0042', zoho: '4815000000123' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ city: 'Kochi', pincode: '682001', gstin: '32AAPFU0939F1Z4', externalRefs: { tally: 'LED-0042', zoho: '4815000000123' } });
    const read = await api.as(tse).get(`/v1/clients/${created.body.id}`);
    expect(read.body).toMatchObject({ city: 'Kochi', pincode: '682001', gstin: '32AAPFU0939F1Z4' });

    const edited = await api.as(tse).patch(`/v1/clients/${created.body.id}`, { city: 'Ernakulam', externalRefs: { tally: 'LED-0043' } }, { 'if-match': read.headers.get('etag')! });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ city: 'Ernakulam', pincode: '682001', gstin: '32AAPFU0939F1Z4', externalRefs: { tally: 'LED-0043' } });
  });

  it('refuses a bad GSTIN, PIN code or external reference with field-level reasons, and stores nothing', async () => {
    const res = await api.as(tse).post('/v1/clients', {
      companyName: 'Bad Data Traders',
      ownerName: 'B',
      mobile: '9847012398',
      pincode: '082001',
      gstin: '32AAPFU0939F1Z5',
      externalRefs: { 'Tally ERP': 'x' },
    });
    expect(res.status).toBe(422);
    const errors = (res.body.errors as { field: string; code: string; message: string }[]).map((e) => [e.field, e.code]).sort();
    expect(errors).toEqual([
      ['body.externalRefs.Tally ERP', 'invalid_key'],
      ['body.gstin', 'gstin_check'],
      ['body.pincode', 'invalid_format'],
    ]);
    expect(res.body.errors.find((e: { field: string }) => e.field === 'body.gstin').message).toBe('has a wrong check character (expected 4): a typing error?');
    expect((await api.as(tse).get('/v1/clients?q=9847012398')).body.items).toEqual([]);
  });
});
