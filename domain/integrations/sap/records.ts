import { z } from 'zod';
import { MappingError, toMinor, type CanonicalInput } from '../canonical';
import type { SapEntity } from './entities';
import { odataDate, odataDateTime, odataInstant } from './odata';

/**
 * One S/4HANA entity as its OData V2 API answers (`{"d":{…}}`, navigation properties expanded as
 * `{"results":[…]}`) → canonical records (DESIGN §9). Pure; `hint.at` (the event's time) is the
 * change time of last resort.
 *
 * Numbers: S/4HANA's SD documents (sales orders, billing documents) share one document number
 * domain (VBELN) with disjoint number ranges per document type, so a document's number alone is
 * its external id. A sales order and a billing document both arrive as invoices; `document` says
 * which. The sold-to party is a Customer number; a business partner's external id is its
 * Customer number too (equal to the BP number where SAP's recommended numbering is kept), so
 * the two meet.
 */

const text = z.string().nullish();
/** A navigation property: expanded (`{results}`), or left deferred when the request did not expand it. */
const many = <T extends z.ZodType>(item: T) => z.union([z.object({ results: z.array(item) }), z.object({ __deferred: z.unknown() })]).optional();
const resultsOf = <T>(nav: { results: T[] } | { __deferred: unknown } | undefined): T[] => (nav && 'results' in nav ? nav.results : []);

const PhoneNumber = z.looseObject({ PhoneNumber: text, InternationalPhoneNumber: text, IsDefaultPhoneNumber: z.boolean().nullish() });
const EmailAddress = z.looseObject({ EmailAddress: text, IsDefaultEmailAddress: z.boolean().nullish() });
const Address = z.looseObject({
  StreetName: text,
  HouseNumber: text,
  District: text,
  CityName: text,
  PostalCode: text,
  Country: text,
  to_PhoneNumber: many(PhoneNumber),
  to_MobilePhoneNumber: many(PhoneNumber),
  to_EmailAddress: many(EmailAddress),
});
const TaxNumber = z.looseObject({ BPTaxType: text, BPTaxNumber: text, BPTaxLongNumber: text });

const BusinessPartner = z.looseObject({
  BusinessPartner: z.string().min(1),
  Customer: text,
  BusinessPartnerCategory: text,
  BusinessPartnerFullName: text,
  BusinessPartnerName: text,
  OrganizationBPName1: text,
  OrganizationBPName2: text,
  CreationDate: text,
  CreationTime: text,
  LastChangeDate: text,
  LastChangeTime: text,
  to_BusinessPartnerAddress: many(Address),
  to_BusinessPartnerTax: many(TaxNumber),
});

const DocumentItem = z.looseObject({ Material: text, SalesOrderItemText: text, BillingDocumentItemText: text, NetAmount: text });
const documentHeader = {
  SoldToParty: z.string().min(1),
  TransactionCurrency: z.string().regex(/^[A-Z]{3}$/),
  TotalNetAmount: z.string(),
  CreationDate: text,
  CreationTime: text,
  LastChangeDate: text,
  LastChangeDateTime: text,
  to_Item: many(DocumentItem),
};
const SalesOrder = z.looseObject({ SalesOrder: z.string().min(1), SalesOrderDate: z.string(), ...documentHeader });
const BillingDocument = z.looseObject({
  BillingDocument: z.string().min(1),
  BillingDocumentDate: z.string(),
  SDDocumentCategory: text,
  BillingDocumentIsCancelled: z.boolean().nullish(),
  ...documentHeader,
});

export function mapEntity(entity: SapEntity, odataJson: unknown, hint: { at?: string } = {}): CanonicalInput[] {
  switch (entity) {
    case 'BusinessPartner':
      return [businessPartner(entityOf(entity, BusinessPartner, odataJson), hint)];
    case 'SalesOrder': {
      const so = entityOf(entity, SalesOrder, odataJson);
      return [document(so, { id: so.SalesOrder, date: so.SalesOrderDate, document: 'sales_order', itemText: (i) => i.SalesOrderItemText }, hint)];
    }
    case 'BillingDocument': {
      const bd = entityOf(entity, BillingDocument, odataJson);
      // A cancelled invoice, a cancellation or a credit memo (SD document categories N, O, S…) sells nothing.
      if (bd.BillingDocumentIsCancelled || (bd.SDDocumentCategory && bd.SDDocumentCategory !== 'M')) return [];
      return [document(bd, { id: bd.BillingDocument, date: bd.BillingDocumentDate, document: 'billing_document', itemText: (i) => i.BillingDocumentItemText }, hint)];
    }
    default:
      return entity satisfies never;
  }
}

function entityOf<T extends z.ZodType>(entity: SapEntity, schema: T, json: unknown): z.output<T> {
  const envelope = z.object({ d: z.unknown() }).safeParse(json);
  const parsed = schema.safeParse(envelope.success ? envelope.data.d : undefined);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${['d', ...i.path].join('.')}: ${i.message}`).join('; ');
    throw new MappingError('malformed_record', `SAP's answer for the ${entity} is not the OData V2 entity expected (${issues}).`);
  }
  return parsed.data;
}

function updatedAt(entity: string, candidates: (string | undefined)[], hint: { at?: string }): string {
  const at = [...candidates, odataInstant(hint.at)].find(Boolean);
  if (!at) throw new MappingError('malformed_record', `SAP's ${entity} carries no change or creation time.`);
  return at;
}

// ── business partner → customer.upserted ─────────────────────────────────────────────────────

/** India's GSTIN: 2-digit state, 10-character PAN, entity number, Z, check character. */
const GSTIN = /^\d{2}[A-Z]{5}\d{4}[A-Z][1-9A-Z]Z[0-9A-Z]$/;

function businessPartner(bp: z.infer<typeof BusinessPartner>, hint: { at?: string }): CanonicalInput {
  const person = bp.BusinessPartnerCategory === '1';
  const organisation = [bp.OrganizationBPName1, bp.OrganizationBPName2].map((s) => s?.trim()).filter(Boolean).join(' ');
  const companyName = (person ? bp.BusinessPartnerFullName : organisation) || bp.BusinessPartnerFullName || bp.BusinessPartnerName || bp.BusinessPartner;
  const address = resultsOf(bp.to_BusinessPartnerAddress)[0];
  const street = [address?.HouseNumber, address?.StreetName].map((s) => s?.trim()).filter(Boolean).join(' ');
  const addressText = [street, address?.District, address?.CityName, address?.PostalCode].map((s) => s?.trim()).filter(Boolean).join(', ');
  const phone = preferred([...resultsOf(address?.to_MobilePhoneNumber), ...resultsOf(address?.to_PhoneNumber)], (p) => p.IsDefaultPhoneNumber);
  const mobile = (phone?.InternationalPhoneNumber || phone?.PhoneNumber || '').trim();
  const email = preferred(resultsOf(address?.to_EmailAddress), (e) => e.IsDefaultEmailAddress)?.EmailAddress?.trim();
  // Tax number category IN3 holds the GSTIN; any Indian category holding a well-formed GSTIN is taken too.
  const taxNumbers = resultsOf(bp.to_BusinessPartnerTax).map((t) => ({ type: t.BPTaxType ?? '', number: (t.BPTaxNumber || t.BPTaxLongNumber || '').trim().toUpperCase() }));
  const gstin = (taxNumbers.find((t) => t.type === 'IN3' && GSTIN.test(t.number)) ?? taxNumbers.find((t) => t.type.startsWith('IN') && GSTIN.test(t.number)))?.number;
  const pincode = address?.PostalCode?.trim();
  return {
    type: 'customer.upserted',
    externalId: bp.Customer || bp.BusinessPartner,
    data: {
      companyName: companyName.trim(),
      ...(person && bp.BusinessPartnerFullName && { ownerName: bp.BusinessPartnerFullName.trim() }),
      ...(mobile && { mobile }),
      ...(email && { email }),
      ...(gstin && { gstin }),
      ...(addressText && { address: addressText }),
      ...(address?.CityName?.trim() && { city: address.CityName.trim() }),
      ...(pincode && /^\d{6}$/.test(pincode) && { pincode }),
      // S/4HANA Cloud runs in UTC; an on-premise system elsewhere shifts every time by its offset
      // alike, which does not change the order of updates from this source (all this decides).
      updatedAt: updatedAt('business partner', [odataDateTime(bp.LastChangeDate, bp.LastChangeTime), odataDateTime(bp.CreationDate, bp.CreationTime)], hint),
    },
  };
}

/** The entry flagged default, else the first. */
const preferred = <T>(list: T[], isDefault: (t: T) => boolean | null | undefined) => list.find((t) => isDefault(t)) ?? list[0];

// ── sales order, billing document → invoice.created ──────────────────────────────────────────

type DocumentHeader = z.infer<typeof SalesOrder> | z.infer<typeof BillingDocument>;
type Item = z.infer<typeof DocumentItem>;

function document(
  doc: DocumentHeader,
  how: { id: string; date: string; document: 'sales_order' | 'billing_document'; itemText: (i: Item) => string | null | undefined },
  hint: { at?: string },
): CanonicalInput {
  const what = `${how.document === 'sales_order' ? 'sales order' : 'billing document'} ${how.id}`;
  const date = odataDate(how.date);
  const total = toMinor(doc.TotalNetAmount);
  if (!date) throw new MappingError('malformed_record', `SAP's ${what} has no document date.`);
  if (total === undefined) throw new MappingError('malformed_record', `SAP's ${what} has a net amount "${doc.TotalNetAmount}" that is not an amount.`);
  const lines = resultsOf(doc.to_Item).flatMap((item) => {
    const amount = toMinor(item.NetAmount);
    const description = how.itemText(item)?.trim();
    return item.Material?.trim() && amount !== undefined ? [{ itemCode: item.Material.trim(), ...(description && { description }), amount }] : [];
  });
  if (lines.length === 0) throw new MappingError('malformed_record', `SAP's ${what} has no item with a material and a net amount.`);
  return {
    type: 'invoice.created',
    externalId: how.id,
    data: {
      customerExternalId: doc.SoldToParty,
      number: how.id,
      date,
      currency: doc.TransactionCurrency,
      total,
      lines,
      document: how.document,
      updatedAt: updatedAt(what, [odataInstant(doc.LastChangeDateTime), odataDateTime(doc.CreationDate, doc.CreationTime)], hint),
    },
  };
}
