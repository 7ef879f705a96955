import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CanonicalRecord, MappingError } from '../canonical';
import { parseTallyBatch, signed, tallyDate } from './batch';
import { readTallyXml } from './xml';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const batchAt = '2024-06-01T10:00:00+05:30';
const updatedAt = '2024-06-01T04:30:00.000Z';
const GUID = (n: string) => `4a2c1b7e-9f3d-4c1a-8e2b-6d5f0a9c3e11-${n}`;
const code = (c: string) => expect.objectContaining({ name: 'MappingError', code: c });

describe('parseTallyBatch: ledgers under Sundry Debtors', () => {
  const parsed = parseTallyBatch(fixture('ledgers-collection.xml'), { batchAt });

  it('maps each debtor ledger to customer.upserted, keyed by its GUID', () => {
    expect(parsed.records).toEqual([
      {
        type: 'customer.upserted',
        externalId: GUID('00000045'),
        data: {
          companyName: 'Sharma Traders',
          ownerName: 'Rakesh Sharma',
          mobile: '+91 9822012345',
          email: 'accounts@sharmatraders.in',
          gstin: '27AAPFS1234K1Z5',
          address: 'Shop 12, Laxmi Market\nMG Road, Pune\nMaharashtra',
          pincode: '411001',
          updatedAt,
        },
      },
      {
        type: 'customer.upserted',
        externalId: GUID('00000052'),
        data: {
          companyName: 'Iyer & Sons Hardware',
          email: 'iyer.sons@example.in',
          gstin: '29AABCI5678M1Z2',
          address: '88, Residency Road\nBengaluru\nKarnataka',
          pincode: '560025',
          updatedAt,
        },
      },
    ]);
    expect(parsed.fetches).toEqual([]);
  });

  it('ignores a ledger of another group, saying which', () => {
    expect(parsed.ignored).toEqual([{ what: 'LEDGER "Kumar Packaging"', reason: 'its group "Sundry Creditors" is not Sundry Debtors' }]);
  });

  it('produces records the canonical schema accepts', () => {
    for (const r of parsed.records) expect(CanonicalRecord.safeParse(r).success).toBe(true);
  });
});

describe('parseTallyBatch: sales and receipt vouchers', () => {
  const parsed = parseTallyBatch(fixture('vouchers-collection.xml'), { batchAt });

  it('maps a sales invoice: the party debit is the total, stock items the lines, the bill it opened the id', () => {
    expect(parsed.records[0]).toEqual({
      type: 'invoice.created',
      externalId: 'SI/24-25/0042',
      data: {
        customerExternalId: GUID('00000045'),
        number: 'SI/24-25/0042',
        date: '2024-04-15',
        currency: 'INR',
        total: 5_900_000,
        lines: [
          { itemCode: 'CRM-PRO-5U', description: 'Annual licence, 5 users', amount: 4_000_000 },
          { itemCode: 'ONBOARD-KIT', amount: 1_000_000 },
        ],
        document: 'invoice',
        updatedAt,
      },
    });
  });

  it('maps a sale "as voucher" (no stock items) by its credited ledgers, with Indian digit grouping, and the party by name when the batch has no GUID for it', () => {
    expect(parsed.records[1]).toEqual({
      type: 'invoice.created',
      externalId: 'SI/24-25/0043',
      data: {
        customerExternalId: 'Mehta Agencies',
        number: 'SI/24-25/0043',
        date: '2024-04-18',
        currency: 'INR',
        total: 11_800_000,
        lines: [
          { itemCode: 'AMC Income', amount: 10_000_000 },
          { itemCode: 'Output IGST 18%', amount: 1_800_000 },
        ],
        document: 'invoice',
        updatedAt,
      },
    });
  });

  it('maps each bill a receipt settles (Agst Ref) to payment.received', () => {
    expect(parsed.records.slice(2)).toEqual([
      { type: 'payment.received', externalId: `${GUID('00000a20')}/SI/24-25/0042`, data: { invoiceExternalId: 'SI/24-25/0042', amount: 5_900_000, date: '2024-05-02' } },
      { type: 'payment.received', externalId: `${GUID('00000a20')}/SI/23-24/0311`, data: { invoiceExternalId: 'SI/23-24/0311', amount: 300_000, date: '2024-05-02' } },
    ]);
  });

  it('ignores a cancelled sale, money on account and other voucher types, saying why', () => {
    expect(parsed.ignored).toEqual([
      { what: 'VOUCHER Sales SI/24-25/0044', reason: 'ISCANCELLED is Yes' },
      { what: 'VOUCHER Receipt 17 bill', reason: 'BILLTYPE "On Account" settles no invoice' },
      { what: 'VOUCHER Payment 9', reason: 'voucher type "Payment" is neither a sales nor a receipt type' },
    ]);
  });

  it('produces records the canonical schema accepts', () => {
    for (const r of parsed.records) expect(CanonicalRecord.safeParse(r).success).toBe(true);
  });
});

describe('parseTallyBatch: a report export (TALLYMESSAGE) with a company voucher type', () => {
  it('keys the invoice to the ledger of the same batch (by name, as it has no GUID), drops "Not Applicable", and reads paise', () => {
    const parsed = parseTallyBatch(fixture('daybook-response.xml'), { batchAt, salesVoucherTypes: ['Sales GST'] });
    expect(parsed).toEqual({
      records: [
        { type: 'customer.upserted', externalId: 'Gupta Enterprises', data: { companyName: 'Gupta Enterprises', mobile: '011 2345 6789', pincode: '110001', updatedAt } },
        {
          type: 'invoice.created',
          externalId: 'G-7',
          data: {
            customerExternalId: 'Gupta Enterprises',
            number: 'G-7',
            date: '2024-06-01',
            currency: 'INR',
            total: 1_475_059,
            lines: [{ itemCode: 'CRM-STARTER', amount: 1_250_050 }],
            document: 'invoice',
            updatedAt,
          },
        },
      ],
      fetches: [],
    });
  });

  it('ignores a voucher type not named as sales', () => {
    expect(parseTallyBatch(fixture('daybook-response.xml'), { batchAt }).ignored).toEqual([
      { what: 'VOUCHER Sales GST G-7', reason: 'voucher type "Sales GST" is neither a sales nor a receipt type' },
    ]);
  });
});

describe('parseTallyBatch: what is refused', () => {
  it('refuses a DTD, so no entity is declared, expanded or fetched', () => {
    const xxe = '<?xml version="1.0"?><!DOCTYPE ENVELOPE [<!ENTITY x SYSTEM "file:///etc/passwd">]><ENVELOPE><BODY><DATA><COLLECTION><LEDGER NAME="&x;"/></COLLECTION></DATA></BODY></ENVELOPE>';
    expect(() => parseTallyBatch(xxe, { batchAt })).toThrow(code('dtd_refused'));
  });

  it('refuses an entity nobody declared', () => {
    expect(() => parseTallyBatch('<ENVELOPE><BODY><DATA><COLLECTION>&lol;</COLLECTION></DATA></BODY></ENVELOPE>', { batchAt })).toThrow(code('malformed_xml'));
  });

  it('refuses nesting deeper than the limit', () => {
    const deep = `<ENVELOPE>${'<A>'.repeat(30)}${'</A>'.repeat(30)}</ENVELOPE>`;
    expect(() => parseTallyBatch(deep, { batchAt })).toThrow(code('malformed_xml'));
  });

  it('refuses text longer than the limit and more elements than the limit', () => {
    expect(() => readTallyXml('<ENVELOPE/>', { maxChars: 5, maxDepth: 24, maxElements: 10 })).toThrow(code('payload_too_large'));
    expect(() => readTallyXml(`<ENVELOPE>${'<X/>'.repeat(10)}</ENVELOPE>`, { maxChars: 1000, maxDepth: 24, maxElements: 10 })).toThrow(code('payload_too_large'));
  });

  it('refuses what is not a Tally export, and reports a Tally error', () => {
    expect(() => parseTallyBatch('<ROOT/>', { batchAt })).toThrow(code('malformed_payload'));
    expect(() => parseTallyBatch('<ENVELOPE><BODY/></ENVELOPE>', { batchAt })).toThrow(code('malformed_payload'));
    expect(() => parseTallyBatch('<ENVELOPE><BODY><DESC><LINEERROR>Could not set \'SVCurrentCompany\' to \'Acme\'</LINEERROR></DESC></BODY></ENVELOPE>', { batchAt })).toThrow(
      new MappingError('tally_error', "Tally answered with an error: Could not set 'SVCurrentCompany' to 'Acme'"),
    );
  });

  it('refuses a batch of more than 1000 records', () => {
    const ledgers = Array.from({ length: 1001 }, (_, i) => `<LEDGER NAME="L${i}"><PARENT>Sundry Debtors</PARENT></LEDGER>`).join('');
    expect(() => parseTallyBatch(`<ENVELOPE><BODY><DATA><COLLECTION>${ledgers}</COLLECTION></DATA></BODY></ENVELOPE>`, { batchAt })).toThrow(code('too_many_records'));
  });
});

describe('Tally values', () => {
  it('reads signed amounts, grouped digits and foreign-currency amounts', () => {
    expect([signed('-59000.00'), signed('1,18,000.00'), signed('-100.00 USD @ ₹ 83.00/USD = -₹ 8300.00'), signed(''), signed('n/a')]).toEqual([-59000, 118000, -8300, undefined, undefined]);
  });

  it('reads both date formats and refuses impossible dates', () => {
    expect([tallyDate('20240415'), tallyDate('1-Apr-2024'), tallyDate('31-Mar-24'), tallyDate('20240230'), tallyDate('April')]).toEqual(['2024-04-15', '2024-04-01', '2024-03-31', undefined, undefined]);
  });

  it('gives element offsets into the text as sent, after a BOM and blanked control references', () => {
    const xml = '\uFEFF<ENVELOPE><A>&#4; Not Applicable</A><B x="1">t</B></ENVELOPE>';
    const root = readTallyXml(xml);
    expect(root.children.map((c) => xml.slice(c.start, c.end))).toEqual(['<A>&#4; Not Applicable</A>', '<B x="1">t</B>']);
    expect(root.children[0]!.text.trim()).toBe('');
  });
});
