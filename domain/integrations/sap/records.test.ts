import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CanonicalRecord } from '../canonical';
import { odataPath } from './entities';
import { odataDate, odataDateTime, odataInstant, odataKey, odataTime } from './odata';
import { mapEntity } from './records';

const fixture = (name: string): { d: Record<string, unknown> } => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));
const code = (c: string) => expect.objectContaining({ name: 'MappingError', code: c });

describe('mapEntity: API_BUSINESS_PARTNER A_BusinessPartner', () => {
  it('maps an organisation with its default address, mobile, email and GSTIN', () => {
    const records = mapEntity('BusinessPartner', fixture('odata-business-partner.json'));
    expect(records).toEqual([
      {
        type: 'customer.upserted',
        externalId: '1000001',
        data: {
          companyName: 'Deccan Agro Industries Pvt Ltd',
          mobile: '+919876543210',
          email: 'purchase@deccanagro.in',
          gstin: '36AABCD1234E1Z9',
          address: 'Plot 42 Hitech City Road, Madhapur, Hyderabad, 500081',
          city: 'Hyderabad',
          pincode: '500081',
          updatedAt: '2024-05-01T14:27:30.000Z',
        },
      },
    ]);
    expect(CanonicalRecord.safeParse(records[0]).success).toBe(true);
  });

  it('maps a person by full name, without expansions, and dates it by creation when never changed', () => {
    const { d } = fixture('odata-business-partner.json');
    const person = {
      d: { ...d, BusinessPartnerCategory: '1', BusinessPartnerFullName: 'Anita Rao', Customer: '', LastChangeDate: null, LastChangeTime: 'PT00H00M00S', to_BusinessPartnerAddress: { __deferred: { uri: 'x' } }, to_BusinessPartnerTax: { results: [{ BPTaxType: 'IN3', BPTaxNumber: 'not-a-gstin' }] } },
    };
    expect(mapEntity('BusinessPartner', person)).toEqual([
      { type: 'customer.upserted', externalId: '1000001', data: { companyName: 'Anita Rao', ownerName: 'Anita Rao', updatedAt: '2024-01-01T09:15:00.000Z' } },
    ]);
  });

  it("falls back to the event's time, and refuses a partner with no time at all", () => {
    const { d } = fixture('odata-business-partner.json');
    const timeless = { d: { ...d, LastChangeDate: null, CreationDate: null } };
    expect(mapEntity('BusinessPartner', timeless, { at: '2024-05-02T08:00:00Z' })[0]?.data).toMatchObject({ updatedAt: '2024-05-02T08:00:00.000Z' });
    expect(() => mapEntity('BusinessPartner', timeless)).toThrow(code('malformed_record'));
  });
});

describe('mapEntity: API_SALES_ORDER_SRV A_SalesOrder', () => {
  it('maps the order with its items as a sales_order invoice, amounts in paise', () => {
    const records = mapEntity('SalesOrder', fixture('odata-sales-order.json'));
    expect(records).toEqual([
      {
        type: 'invoice.created',
        externalId: '5000123',
        data: {
          customerExternalId: '1000001',
          number: '5000123',
          date: '2024-05-02',
          currency: 'INR',
          total: 12_500_000,
          lines: [
            { itemCode: 'CRM-PRO-5U', description: 'CRM Pro, 5 users', amount: 10_000_000 },
            { itemCode: 'ONBOARD-KIT', description: 'Onboarding kit', amount: 2_500_000 },
          ],
          document: 'sales_order',
          updatedAt: '2024-05-03T10:10:20.000Z',
        },
      },
    ]);
    expect(CanonicalRecord.safeParse(records[0]).success).toBe(true);
  });

  it('refuses an order without items, and an OData V4 answer', () => {
    const { d } = fixture('odata-sales-order.json');
    expect(() => mapEntity('SalesOrder', { d: { ...d, to_Item: { results: [] } } })).toThrow("SAP's sales order 5000123 has no item with a material and a net amount.");
    expect(() => mapEntity('SalesOrder', { value: [d] })).toThrow(code('malformed_record'));
  });
});

describe('mapEntity: API_BILLING_DOCUMENT_SRV A_BillingDocument', () => {
  it('maps an invoice (SD document category M) as a billing_document', () => {
    expect(mapEntity('BillingDocument', fixture('odata-billing-document.json'))).toEqual([
      {
        type: 'invoice.created',
        externalId: '90000456',
        data: {
          customerExternalId: '1000001',
          number: '90000456',
          date: '2024-05-07',
          currency: 'INR',
          total: 12_500_000,
          lines: [
            { itemCode: 'CRM-PRO-5U', description: 'CRM Pro, 5 users', amount: 10_000_000 },
            { itemCode: 'ONBOARD-KIT', amount: 2_500_000 },
          ],
          document: 'billing_document',
          updatedAt: '2024-05-07T11:05:12.000Z',
        },
      },
    ]);
  });

  it('makes nothing of a cancelled invoice or a credit memo', () => {
    const { d } = fixture('odata-billing-document.json');
    expect(mapEntity('BillingDocument', { d: { ...d, BillingDocumentIsCancelled: true } })).toEqual([]);
    expect(mapEntity('BillingDocument', { d: { ...d, SDDocumentCategory: 'O' } })).toEqual([]);
  });
});

describe('OData V2 values', () => {
  it('reads /Date()/ dates, offsets, Edm.Time and ISO strings', () => {
    expect(odataInstant('/Date(1714731020000+0000)/')).toBe('2024-05-03T10:10:20.000Z');
    expect(odataInstant('2024-05-03T10:10:20Z')).toBe('2024-05-03T10:10:20.000Z');
    expect([odataInstant(null), odataInstant('/Date(x)/'), odataTime('PT'), odataTime('14:27')]).toEqual([undefined, undefined, undefined, undefined]);
    expect(odataDate('/Date(1714608000000)/')).toBe('2024-05-02');
    expect(odataTime('PT14H27M30S')).toBe(52_050_000);
    expect(odataDateTime('/Date(1714521600000)/', 'PT14H27M30S')).toBe('2024-05-01T14:27:30.000Z');
  });

  it('quotes keys as OData string literals, then URL-encodes them', () => {
    expect(odataKey("O'Brien & Co/1#?")).toBe("'O''Brien%20%26%20Co%2F1%23%3F'");
    expect(odataPath('BusinessPartner', '1000001')).toBe(
      "/sap/opu/odata/sap/API_BUSINESS_PARTNER/A_BusinessPartner('1000001')?$expand=to_BusinessPartnerAddress/to_PhoneNumber,to_BusinessPartnerAddress/to_EmailAddress,to_BusinessPartnerAddress/to_MobilePhoneNumber,to_BusinessPartnerTax&$format=json",
    );
    expect(odataPath('SalesOrder', '5000123')).toBe("/sap/opu/odata/sap/API_SALES_ORDER_SRV/A_SalesOrder('5000123')?$expand=to_Item&$format=json");
  });
});
