import { describe, expect, it } from 'vitest';
import { MappingError } from '../canonical';
import { parseDelivery } from './generic';

const customer = { type: 'customer.upserted', externalId: 'C-1', data: { companyName: 'Acme', updatedAt: '2026-12-01T10:00:00Z' } };

describe('generic provider', () => {
  it('takes one record, an array, or {records}', () => {
    expect(parseDelivery(JSON.stringify(customer))).toEqual({ records: [customer], fetches: [] });
    expect(parseDelivery(JSON.stringify([customer, customer])).records).toHaveLength(2);
    expect(parseDelivery(JSON.stringify({ records: [customer] }))).toEqual({ records: [customer], fetches: [] });
  });

  it('refuses what is not records, saying why', () => {
    const refusal = (body: string) => {
      try {
        parseDelivery(body);
        return undefined;
      } catch (error) {
        return error instanceof MappingError ? error.code : String(error);
      }
    };
    expect(refusal('not json')).toBe('malformed_payload');
    expect(refusal('[]')).toBe('malformed_payload');
    expect(refusal('[1, 2]')).toBe('malformed_payload');
    expect(refusal('null')).toBe('malformed_payload');
    expect(refusal(JSON.stringify(Array.from({ length: 1001 }, () => customer)))).toBe('too_many_records');
  });
});
