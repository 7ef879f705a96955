import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CanonicalRecord, MappingError } from '../canonical';
import { mapEntity, parseDelivery } from './index';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const json = (name: string): unknown => JSON.parse(fixture(name));
const REALM = '9341455130166501';

describe('QuickBooks parseDelivery', () => {
  it('reads the classic payload: Customer, Invoice and Payment to fetch, the rest ignored with why', () => {
    expect(parseDelivery(fixture('webhook-classic.json'))).toEqual({
      records: [],
      fetches: [
        // Created then updated in one batch: read once, with the later change.
        { entity: 'Customer', id: '58', account: REALM, operation: 'Update', at: '2026-03-02T09:15:41.000Z' },
        { entity: 'Invoice', id: '146', account: REALM, operation: 'Create', at: '2026-03-02T09:20:12.000Z' },
        { entity: 'Payment', id: '190', account: REALM, operation: 'Create', at: '2026-03-02T09:31:55.000Z' },
        { entity: 'Customer', id: '31', account: REALM, operation: 'Merge', at: '2026-03-02T09:42:30.000Z' },
      ],
      ignored: [
        { what: `Update of Item 11 (company ${REALM})`, reason: 'QuickBooks Item entities are not synced (only Customer, Invoice, Payment are).' },
        { what: `Void of Invoice 139 (company ${REALM})`, reason: 'The Invoice was voided in QuickBooks; voids are not synced, and the CRM keeps what it already has.' },
        { what: `Delete of Customer 27 (company ${REALM})`, reason: 'The Customer was deleted in QuickBooks; deletions are not synced, and the CRM keeps what it already has.' },
      ],
    });
  });

  it('reads the CloudEvents payload the same way', () => {
    expect(parseDelivery(fixture('webhook-cloudevents.json'))).toEqual({
      records: [],
      fetches: [
        { entity: 'Customer', id: '58', account: REALM, operation: 'Update', at: '2026-03-02T09:15:41.179851517Z' },
        { entity: 'Invoice', id: '146', account: REALM, operation: 'Create', at: '2026-03-02T09:20:12.402Z' },
        { entity: 'Payment', id: '190', account: REALM, operation: 'Create', at: '2026-03-02T09:31:55Z' },
        { entity: 'Customer', id: '31', account: REALM, operation: 'Merge', at: '2025-12-04T15:25:05Z' },
      ],
      ignored: [
        { what: `Create of Item 11 (company ${REALM})`, reason: 'QuickBooks Item entities are not synced (only Customer, Invoice, Payment are).' },
        { what: `Void of Invoice 139 (company ${REALM})`, reason: 'The Invoice was voided in QuickBooks; voids are not synced, and the CRM keeps what it already has.' },
      ],
    });
  });

  it('leaves an emailed invoice alone: nothing in it changed', () => {
    const body = JSON.stringify({ eventNotifications: [{ realmId: REALM, dataChangeEvent: { entities: [{ name: 'Invoice', id: '146', operation: 'Emailed', lastUpdated: '2026-03-02T10:00:00.000Z' }] } }] });
    expect(parseDelivery(body)).toEqual({ records: [], fetches: [], ignored: [{ what: `Emailed of Invoice 146 (company ${REALM})`, reason: 'The Invoice was emailed; nothing in it changed.' }] });
  });

  it('takes an empty notification as nothing to do', () => {
    expect(parseDelivery('{"eventNotifications":[]}')).toEqual({ records: [], fetches: [] });
  });

  it.each([
    ['not JSON', 'eventNotifications=1', 'The QuickBooks notification is not JSON.'],
    ['another object', '{"hello":"world"}', 'Not a QuickBooks notification (expected {eventNotifications:[{realmId, dataChangeEvent:{entities:[…]}}]} or an array of CloudEvents): eventNotifications: Invalid input: expected array, received undefined.'],
    ['a realm id that is not digits', '{"eventNotifications":[{"realmId":"../admin","dataChangeEvent":{"entities":[]}}]}', 'Not a QuickBooks notification (expected {eventNotifications:[{realmId, dataChangeEvent:{entities:[…]}}]} or an array of CloudEvents): eventNotifications.0.realmId: must be a QuickBooks id (digits).'],
    ['a CloudEvent of another type', '[{"specversion":"1.0","id":"e1","type":"com.example.thing","intuitentityid":"1","intuitaccountid":"2"}]', 'Not a QuickBooks notification (expected an array of CloudEvents): 0.type: must be qbo.<entity>.<operation>.v<n>.'],
    ['a CloudEvent of another spec version', '[{"specversion":"0.3","id":"e1","type":"qbo.customer.created.v1","intuitentityid":"1","intuitaccountid":"2"}]', 'Not a QuickBooks notification (expected an array of CloudEvents): 0.specversion: must be "1.0" (CloudEvents 1.0).'],
  ])('refuses %s as malformed_payload', (_, body, message) => {
    expect(() => parseDelivery(body)).toThrow(new MappingError('malformed_payload', message));
    expect(() => parseDelivery(body)).toThrow(expect.objectContaining({ code: 'malformed_payload' }));
  });

  it('refuses a notification naming more than 1000 entities', () => {
    const entities = Array.from({ length: 1001 }, (_, i) => ({ name: 'Customer', id: String(i + 1), operation: 'Update' }));
    const body = JSON.stringify({ eventNotifications: [{ realmId: REALM, dataChangeEvent: { entities } }] });
    expect(() => parseDelivery(body)).toThrow('The notification names 1001 entities; at most 1000 are taken.');
  });
});

describe('QuickBooks mapEntity', () => {
  it('maps a company customer of the India edition', () => {
    const records = mapEntity('Customer', json('customer.json'));
    expect(records).toStrictEqual([
      {
        type: 'customer.upserted',
        externalId: '58',
        data: {
          companyName: 'Sri Lakshmi Traders',
          ownerName: 'Ramesh Iyer',
          mobile: '+91 98450 12345',
          email: 'accounts@srilakshmitraders.in',
          gstin: '29AABCS1429B1ZB',
          address: 'Plot 14, 2nd Floor, Peenya Industrial Area Phase II',
          city: 'Bengaluru',
          pincode: '560058',
          updatedAt: '2026-03-02T14:45:41+05:30',
        },
      },
    ]);
    expect(CanonicalRecord.parse(records[0]).data).toMatchObject({ updatedAt: '2026-03-02T09:15:41.000Z' });
  });

  it('maps a person with a DisplayName alone: the name is both, the phone is the primary one, a foreign postcode is no PIN', () => {
    expect(mapEntity('Customer', json('customer-individual.json'))).toStrictEqual([
      {
        type: 'customer.upserted',
        externalId: '61',
        data: { companyName: 'Anita Desai', ownerName: 'Anita Desai', mobile: '(555) 555-5555', address: '221B Baker Street', city: 'London', updatedAt: '2026-02-20T10:00:00-08:00' },
      },
    ]);
  });

  it('maps an invoice: item lines (a bundle opened), sub-total, discount and description lines skipped, rupees in paise', () => {
    const records = mapEntity('Invoice', json('invoice.json'));
    expect(records).toStrictEqual([
      {
        type: 'invoice.created',
        externalId: '146',
        data: {
          customerExternalId: '58',
          number: '1042',
          date: '2026-03-02',
          currency: 'INR',
          total: 7_670_000,
          lines: [
            { itemCode: '11', description: 'Annual maintenance contract, 12 months', amount: 5_000_000 },
            { itemCode: '14', amount: 1_250_050 },
            { itemCode: '21', description: 'Sensor pack', amount: 400_000 },
          ],
          updatedAt: '2026-03-02T14:50:12+05:30',
        },
      },
    ]);
    expect(CanonicalRecord.safeParse(records[0]).success).toBe(true);
  });

  it('maps a payment to one payment.received per invoice it pays; a credit memo applied pays none', () => {
    const records = mapEntity('Payment', json('payment.json'));
    expect(records).toStrictEqual([
      { type: 'payment.received', externalId: '190:146', data: { invoiceExternalId: '146', amount: 7_670_000, date: '2026-03-04' } },
      { type: 'payment.received', externalId: '190:139', data: { invoiceExternalId: '139', amount: 1_000_000, date: '2026-03-04' } },
    ]);
    expect(records.every((r) => CanonicalRecord.safeParse(r).success)).toBe(true);
  });

  it('maps a payment that is all unapplied to nothing', () => {
    expect(mapEntity('Payment', { Payment: { Id: '200', TxnDate: '2026-03-05', TotalAmt: 500, UnappliedAmt: 500, Line: [] } })).toEqual([]);
  });

  it('defaults the currency to INR and the number to the Id when QuickBooks leaves them out', () => {
    const { Invoice } = json('invoice.json') as { Invoice: Record<string, unknown> };
    const [record] = mapEntity('Invoice', { Invoice: { ...Invoice, CurrencyRef: undefined, DocNumber: undefined } });
    expect(record).toMatchObject({ data: { currency: 'INR', number: '146' } });
  });

  it.each([
    ['an answer without the entity', 'Customer' as const, { Fault: { Error: [] } }, 'The QuickBooks answer has no Customer.'],
    ['a customer without a name', 'Customer' as const, { Customer: { Id: '9', MetaData: { LastUpdatedTime: '2026-03-02T10:00:00Z' } } }, 'QuickBooks Customer 9 has neither a CompanyName nor a DisplayName.'],
    ['a customer without MetaData', 'Customer' as const, { Customer: { Id: '9', DisplayName: 'X' } }, 'QuickBooks Customer 9: MetaData is required.'],
    ['an invoice with description lines only', 'Invoice' as const, { Invoice: { Id: '5', TxnDate: '2026-03-02', CustomerRef: { value: '1' }, TotalAmt: 0, Line: [{ DetailType: 'DescriptionOnly', Description: 'x' }], MetaData: { LastUpdatedTime: '2026-03-02T10:00:00Z' } } }, 'QuickBooks Invoice 5 has no item lines (SalesItemLineDetail).'],
    ['an invoice with a negative line', 'Invoice' as const, { Invoice: { Id: '6', TxnDate: '2026-03-02', CustomerRef: { value: '1' }, TotalAmt: 10, Line: [{ DetailType: 'SalesItemLineDetail', Amount: -5, SalesItemLineDetail: { ItemRef: { value: '2' } } }], MetaData: { LastUpdatedTime: '2026-03-02T10:00:00Z' } } }, 'QuickBooks Invoice 6: line 1 Amount -5 is not an amount.'],
  ])('refuses %s as unmappable_record', (_, entity, body, message) => {
    expect(() => mapEntity(entity, body)).toThrow(new MappingError('unmappable_record', message));
  });
});
