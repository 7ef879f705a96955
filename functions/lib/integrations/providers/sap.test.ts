import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startHttpStub, type HttpStub } from '../../../../test/http-stub';
import { fetchHttp } from '../http';
import { resolve } from './sap';
import type { ProviderAccess } from './types';

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`../../../../domain/integrations/sap/fixtures/${name}`, import.meta.url), 'utf8'));
const BP_PATH = "/sap/opu/odata/sap/API_BUSINESS_PARTNER/A_BusinessPartner('1000001')";
const SO_PATH = "/sap/opu/odata/sap/API_SALES_ORDER_SRV/A_SalesOrder('5000123')";
const BD_PATH = "/sap/opu/odata/sap/API_BILLING_DOCUMENT_SRV/A_BillingDocument('90000456')";

let sap: HttpStub;
const access = (over: Partial<ProviderAccess> = {}): ProviderAccess => ({
  settings: {},
  secrets: { username: 'CRM_COMM_USER', password: 's3cr:et' },
  saveSecrets: async () => {},
  storeMedia: () => Promise.reject(new Error('this provider stores no media')),
  http: fetchHttp,
  now: new Date('2024-05-08T00:00:00Z'),
  endpoints: { odata: sap.url },
  ...over,
});

beforeAll(async () => {
  sap = await startHttpStub();
});
afterAll(() => sap.close());
beforeEach(() => {
  sap.requests.length = 0;
  sap.on('GET', BP_PATH, { body: fixture('odata-business-partner.json') });
  sap.on('GET', SO_PATH, { body: fixture('odata-sales-order.json') });
  sap.on('GET', BD_PATH, { body: fixture('odata-billing-document.json') });
});

describe('sap resolve', () => {
  it('reads each referenced entity from the OData API with Basic auth, expanded, and maps it', async () => {
    const records = await resolve(
      [
        { entity: 'BusinessPartner', id: '1000001', operation: 'Created', at: '2024-05-01T14:27:31.000Z' },
        { entity: 'SalesOrder', id: '5000123', operation: 'Changed' },
        { entity: 'BillingDocument', id: '90000456', operation: 'Created' },
      ],
      access(),
    );
    expect(sap.requests.map((r) => [r.method, decodeURIComponent(r.url)])).toEqual([
      ['GET', `${BP_PATH}?$expand=to_BusinessPartnerAddress/to_PhoneNumber,to_BusinessPartnerAddress/to_EmailAddress,to_BusinessPartnerAddress/to_MobilePhoneNumber,to_BusinessPartnerTax&$format=json`],
      ['GET', `${SO_PATH}?$expand=to_Item&$format=json`],
      ['GET', `${BD_PATH}?$expand=to_Item&$format=json`],
    ]);
    for (const r of sap.requests) {
      expect(r.headers.authorization).toBe(`Basic ${Buffer.from('CRM_COMM_USER:s3cr:et').toString('base64')}`);
      expect(r.headers.accept).toBe('application/json');
      expect(r.headers.apikey).toBeUndefined();
    }
    expect(records.map((r) => [r.type, r.externalId])).toEqual([
      ['customer.upserted', '1000001'],
      ['invoice.created', '5000123'],
      ['invoice.created', '90000456'],
    ]);
    expect(records[1]).toMatchObject({ data: { customerExternalId: '1000001', total: 12_500_000, document: 'sales_order' } });
  });

  it('sends an API key in the APIKey header, and the SAP client when set', async () => {
    await resolve([{ entity: 'SalesOrder', id: '5000123' }], access({ secrets: { apiKey: 'hub-key-123' }, settings: { sapClient: '100' } }));
    expect(sap.requests).toHaveLength(1);
    expect(sap.requests[0]!.headers.apikey).toBe('hub-key-123');
    expect(sap.requests[0]!.headers.authorization).toBeUndefined();
    expect(sap.requests[0]!.url).toBe(`${SO_PATH}?$expand=to_Item&$format=json&sap-client=100`);
  });

  it('quotes a key safely: quotes doubled, then URL-encoded, so it stays one path segment', async () => {
    sap.on('GET', '/sap/opu/odata/sap/API_BUSINESS_PARTNER/*', { status: 404, body: { error: { code: '/IWBEP/CM_MGW_RT/020', message: { lang: 'en', value: 'Resource not found' } } } });
    const records = await resolve([{ entity: 'BusinessPartner', id: "O'Brien&Co/1#?" }], access());
    expect(sap.requests[0]!.url.split('?')[0]).toBe("/sap/opu/odata/sap/API_BUSINESS_PARTNER/A_BusinessPartner('O''Brien%26Co%2F1%23%3F')");
    // Gone since the event: nothing to apply, and no failure to replay forever.
    expect(records).toEqual([]);
  });

  it('reads an entity named twice in a batch once', async () => {
    await resolve([{ entity: 'SalesOrder', id: '5000123', operation: 'Created' }, { entity: 'SalesOrder', id: '5000123', operation: 'Changed' }], access());
    expect(sap.requests).toHaveLength(1);
  });

  it('fails retryably on a 5xx, and not on refused credentials', async () => {
    sap.on('GET', SO_PATH, { status: 503, body: 'Service Unavailable' });
    await expect(resolve([{ entity: 'SalesOrder', id: '5000123' }], access())).rejects.toMatchObject({ name: 'ProviderApiError', code: 'provider_unreachable', retryable: true, status: 503 });
    sap.on('GET', SO_PATH, { status: 401, body: 'Unauthorized' });
    await expect(resolve([{ entity: 'SalesOrder', id: '5000123' }], access())).rejects.toMatchObject({ code: 'provider_unauthorized', retryable: false });
  });

  it('refuses to call without credentials or a host, and an entity it does not read', async () => {
    await expect(resolve([{ entity: 'SalesOrder', id: '1' }], access({ secrets: {} }))).rejects.toMatchObject({ code: 'provider_unauthorized' });
    await expect(resolve([{ entity: 'SalesOrder', id: '1' }], access({ endpoints: {} }))).rejects.toMatchObject({ code: 'provider_refused' });
    await expect(resolve([{ entity: 'Product', id: 'X' }], access())).rejects.toMatchObject({ name: 'MappingError', code: 'unknown_entity' });
    expect(sap.requests).toEqual([]);
  });
});
