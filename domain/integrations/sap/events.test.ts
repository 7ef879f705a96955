import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDelivery } from './events';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const code = (c: string) => expect.objectContaining({ name: 'MappingError', code: c });

describe('parseDelivery: SAP S/4HANA business events (CloudEvents 1.0)', () => {
  it("turns SAP's documented Business Partner Changed event into one reference to fetch", () => {
    expect(parseDelivery(fixture('event-business-partner-changed.json'))).toEqual({
      records: [],
      fetches: [{ entity: 'BusinessPartner', id: '1000667', operation: 'Changed', at: '2024-02-26T02:53:06.000Z' }],
    });
  });

  it('reads a batch: one reference per object (the later event wins), unsynced types ignored with why', () => {
    expect(parseDelivery(fixture('events-batch.json'))).toEqual({
      records: [],
      fetches: [
        { entity: 'BusinessPartner', id: '1000001', operation: 'Created', at: '2024-05-01T14:27:31.000Z' },
        { entity: 'SalesOrder', id: '5000123', operation: 'Changed', at: '2024-05-03T10:10:21.000Z' },
        { entity: 'BillingDocument', id: '90000456', operation: 'Created', at: '2024-05-07T11:05:13.000Z' },
      ],
      ignored: [
        { what: 'sap.s4.beh.salesorder.v1.SalesOrder.Deleted.v1 0894ef45-7741-1eea-b7be-ce30f48ec9f2', reason: 'an SAP event type the CRM does not sync' },
        { what: 'sap.s4.beh.product.v1.Product.Changed.v1 0894ef45-7741-1eea-b7be-ce30f48ed001', reason: 'an SAP event type the CRM does not sync' },
      ],
    });
  });

  it('takes an event without a time, and an empty batch', () => {
    const event = { specversion: '1.0', id: 'e1', source: '/default/sap.s4.beh/244572008', type: 'sap.s4.beh.billingdocument.v1.BillingDocument.Created.v1', data: { BillingDocument: ' 90000457 ' } };
    expect(parseDelivery(JSON.stringify(event)).fetches).toEqual([{ entity: 'BillingDocument', id: '90000457', operation: 'Created' }]);
    expect(parseDelivery('[]')).toEqual({ records: [], fetches: [] });
  });

  it('refuses what is not CloudEvents 1.0 JSON', () => {
    expect(() => parseDelivery('not json')).toThrow(code('malformed_payload'));
    expect(() => parseDelivery('{"BusinessPartner":"1000667"}')).toThrow(code('malformed_payload'));
    expect(() => parseDelivery(JSON.stringify({ specversion: '0.3', id: 'x', source: 's', type: 't' }))).toThrow(code('malformed_payload'));
    expect(() => parseDelivery('[{"specversion":"1.0","id":"x","source":"s","type":"t"}, 7]')).toThrow(/^Event 2 is not a CloudEvents 1.0 event/);
  });

  it('refuses a known event without its key', () => {
    const event = { specversion: '1.0', id: 'e2', source: 's', type: 'sap.s4.beh.salesorder.v1.SalesOrder.Created.v1', data: { SalesOrderType: 'OR' } };
    expect(() => parseDelivery(JSON.stringify(event))).toThrow('The sap.s4.beh.salesorder.v1.SalesOrder.Created.v1 event e2 has no SalesOrder in its data.');
  });
});
