import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CanonicalRecord, MappingError } from '../canonical';
import { isoTime, mapList, mapReadResponse, parseDelivery, zohoTime } from './index';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const json = (name: string): unknown => JSON.parse(fixture(name));

const meenakshi = {
  type: 'customer.upserted',
  externalId: '1728491000000064001',
  data: {
    companyName: 'Meenakshi Textiles Pvt Ltd',
    ownerName: 'Senthil Kumar',
    mobile: '+91 94430 55667',
    email: 'senthil@meenakshitextiles.in',
    gstin: '33AAECM1234F1Z5',
    address: 'No. 12, Avinashi Road, Peelamedu',
    city: 'Coimbatore',
    pincode: '641004',
    updatedAt: '2026-03-02T16:05:12+05:30',
  },
};
const invoice118 = {
  type: 'invoice.created',
  externalId: '1728491000000071001',
  data: {
    customerExternalId: '1728491000000064001',
    number: 'INV-000118',
    date: '2026-03-02',
    currency: 'INR',
    total: 11_800_000,
    lines: [
      { itemCode: '1728491000000052011', description: '12-month service plan, 2 machines', amount: 9_000_000 },
      // No catalogue item: the SKU is the code, the name the description.
      { itemCode: 'BELT-V42', description: 'Spare belts', amount: 1_000_000 },
    ],
    updatedAt: '2026-03-02T16:12:03+05:30',
  },
};

describe('Zoho Books parseDelivery', () => {
  it('maps a contact: the primary contact person speaks for it', () => {
    const parsed = parseDelivery(fixture('webhook-contact.json'));
    expect(parsed).toStrictEqual({ records: [meenakshi], fetches: [] });
    expect(CanonicalRecord.parse(parsed.records[0]).data).toMatchObject({ updatedAt: '2026-03-02T10:35:12.000Z' });
  });

  it('maps an invoice with its line items, rupees in paise', () => {
    const parsed = parseDelivery(fixture('webhook-invoice.json'));
    expect(parsed).toStrictEqual({ records: [invoice118], fetches: [] });
    expect(CanonicalRecord.safeParse(parsed.records[0]).success).toBe(true);
  });

  it('maps a payment to one payment.received per invoice it pays something of', () => {
    const parsed = parseDelivery(fixture('webhook-payment.json'));
    expect(parsed).toStrictEqual({
      records: [
        { type: 'payment.received', externalId: '1728491000000080001:1728491000000071001', data: { invoiceExternalId: '1728491000000071001', amount: 11_800_000, date: '2026-03-04' } },
        { type: 'payment.received', externalId: '1728491000000080001:1728491000000069001', data: { invoiceExternalId: '1728491000000069001', amount: 3_199_950, date: '2026-03-04' } },
      ],
      fetches: [],
    });
    expect(parsed.records.every((r) => CanonicalRecord.safeParse(r).success)).toBe(true);
  });

  it('reads an invoice sent without line items from the API instead', () => {
    const { invoice } = json('webhook-invoice.json') as { invoice: Record<string, unknown> };
    const body = JSON.stringify({ invoice: { ...invoice, line_items: undefined } });
    expect(parseDelivery(body)).toStrictEqual({ records: [], fetches: [{ entity: 'invoice', id: '1728491000000071001', at: '2026-03-02T16:12:03+05:30' }] });
  });

  it.each([
    ['a draft invoice', { invoice: { invoice_id: '5', invoice_number: 'INV-5', date: '2026-03-02', status: 'draft', customer_id: '1', total: 10, last_modified_time: '2026-03-02T10:00:00+0530' } }, { what: 'invoice INV-5 (5)', reason: 'The invoice is draft: not a sale, not synced.' }],
    ['a void invoice', { invoice: { invoice_id: '6', invoice_number: 'INV-6', date: '2026-03-02', status: 'void', customer_id: '1', total: 10, line_items: [], last_modified_time: '2026-03-02T10:00:00+0530' } }, { what: 'invoice INV-6 (6)', reason: 'The invoice is void: not a sale, not synced.' }],
    ['a vendor', { contact: { contact_id: '7', contact_name: 'Supplier', contact_type: 'vendor', last_modified_time: '2026-03-02T10:00:00+0530' } }, { what: 'vendor 7', reason: 'Zoho Books vendors are suppliers, not clients: not synced.' }],
    ['a sales order', { salesorder: { salesorder_id: '8' } }, { what: 'Zoho Books salesorder', reason: 'Zoho Books salesorder records are not synced (only contact, invoice, payment are).' }],
  ])('leaves %s alone, saying why', (_, body, ignored) => {
    expect(parseDelivery(JSON.stringify(body))).toStrictEqual({ records: [], fetches: [], ignored: [ignored] });
  });

  it.each([
    ['not JSON', 'JSONString=%7B%7D', 'The Zoho Books webhook body is not JSON (choose "Default Payload" as the webhook body).'],
    ['an array', '[{"contact":{}}]', 'The Zoho Books webhook body is not a JSON object.'],
    ['something else', '{"hello":"world","n":1}', 'Not a Zoho Books record: expected one of {"contact":{…}}, {"invoice":{…}}, {"payment":{…}}.'],
  ])('refuses %s as malformed_payload', (_, body, message) => {
    expect(() => parseDelivery(body)).toThrow(new MappingError('malformed_payload', message));
  });

  it.each([
    ['a contact id that is not digits', { contact: { contact_id: '../x', contact_name: 'A', last_modified_time: '2026-03-02T10:00:00+0530' } }, 'Zoho Books contact: contact_id must be a Zoho id (digits).'],
    ['a contact without a name', { contact: { contact_id: '9', contact_name: '', company_name: '', last_modified_time: '2026-03-02T10:00:00+0530' } }, 'Zoho Books contact 9 has neither a company_name nor a contact_name.'],
    ['an invoice of text lines only', { invoice: { invoice_id: '5', invoice_number: 'INV-5', date: '2026-03-02', status: 'sent', customer_id: '1', total: 10, line_items: [{ item_id: '', sku: '', name: 'Note', item_total: 0 }], last_modified_time: '2026-03-02T10:00:00+0530' } }, 'Zoho Books invoice INV-5 has no line with an item_id or sku.'],
  ])('refuses %s as unmappable_record', (_, body, message) => {
    expect(() => parseDelivery(JSON.stringify(body))).toThrow(new MappingError('unmappable_record', message));
  });
});

describe('Zoho Books list and read responses', () => {
  it('maps a contacts page: top-level person details, vendors left out', () => {
    expect(mapList('contacts', json('list-contacts.json'))).toStrictEqual({
      records: [
        { type: 'customer.upserted', externalId: '1728491000000064001', data: { companyName: 'Meenakshi Textiles Pvt Ltd', ownerName: 'Senthil Kumar', mobile: '+91 94430 55667', email: 'senthil@meenakshitextiles.in', gstin: '33AAECM1234F1Z5', updatedAt: '2026-03-02T16:05:12+05:30' } },
        { type: 'customer.upserted', externalId: '1728491000000066001', data: { companyName: 'Kaveri Yarns', mobile: '0421 224 7788', updatedAt: '2026-03-03T12:30:00+05:30' } },
      ],
      fetches: [],
      ignored: [{ what: 'vendor 1728491000000067001', reason: 'Zoho Books vendors are suppliers, not clients: not synced.' }],
      hasMorePage: false,
    });
  });

  it('turns invoice list rows (no line items) into reads, drafts left out, and says another page follows', () => {
    expect(mapList('invoices', json('list-invoices-page1.json'))).toStrictEqual({
      records: [],
      fetches: [{ entity: 'invoice', id: '1728491000000071001', at: '2026-03-02T16:12:03+05:30' }],
      ignored: [{ what: 'invoice INV-000119 (1728491000000072001)', reason: 'The invoice is draft: not a sale, not synced.' }],
      hasMorePage: true,
    });
  });

  it('turns customer payment rows (no invoices applied) into reads', () => {
    expect(mapList('customerpayments', json('list-customerpayments.json'))).toStrictEqual({ records: [], fetches: [{ entity: 'payment', id: '1728491000000080001' }], ignored: [], hasMorePage: false });
  });

  it('maps a read invoice', () => {
    expect(mapReadResponse('invoice', json('invoice-111.json'))).toStrictEqual({
      records: [
        {
          type: 'invoice.created',
          externalId: '1728491000000069001',
          data: { customerExternalId: '1728491000000066001', number: 'INV-000111', date: '2026-02-20', currency: 'INR', total: 5_900_000, lines: [{ itemCode: '1728491000000052015', description: 'Sensor with 2-year warranty', amount: 5_000_000 }], updatedAt: '2026-03-04T10:02:11+05:30' },
        },
      ],
      fetches: [],
    });
  });

  it('refuses a list without its array', () => {
    expect(() => mapList('invoices', { code: 0, message: 'success' })).toThrow(new MappingError('unmappable_record', 'The Zoho Books list has no invoices array.'));
  });

  it('writes and reads Zoho times', () => {
    expect(zohoTime(new Date('2026-03-05T10:00:00.123Z'))).toBe('2026-03-05T10:00:00+0000');
    expect(isoTime('2026-03-02T16:05:12+0530')).toBe('2026-03-02T16:05:12+05:30');
    expect(isoTime('2016-06-11T17:38:06-0700')).toBe('2016-06-11T17:38:06-07:00');
    expect(isoTime('2026-03-02T16:05:12+05:30')).toBe('2026-03-02T16:05:12+05:30');
  });
});
