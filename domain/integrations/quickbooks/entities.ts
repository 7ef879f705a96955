import { z } from 'zod';
import { type CanonicalInput, MappingError, toMinor } from '../canonical';
import type { SyncedEntity } from './webhook';

/**
 * QuickBooks Online Accounting API entities → canonical records (DESIGN §9). The input is the body
 * of a read (`GET /v3/company/{realmId}/customer/{id}` answers `{Customer:{…}, time}`); the
 * adapter wraps a Change Data Capture entry the same way. Amounts are decimal rupees (`TotalAmt:
 * 1180.0`) and become paise. Shapes: domain/integrations/quickbooks/fixtures/README.md.
 */

const Ref = z.object({ value: z.union([z.string(), z.number()]).transform(String) });
const FreeForm = z.object({ FreeFormNumber: z.string().optional() }).optional();
const MetaData = z.object({ LastUpdatedTime: z.string({ error: 'is required' }) }, { error: 'is required' });
const Id = z.union([z.string(), z.number()]).transform(String);

const PhysicalAddress = z
  .object({
    Line1: z.string().optional(),
    Line2: z.string().optional(),
    Line3: z.string().optional(),
    Line4: z.string().optional(),
    Line5: z.string().optional(),
    City: z.string().optional(),
    PostalCode: z.string().optional(),
  })
  .optional();

export const QboCustomer = z.object({
  Id,
  DisplayName: z.string().optional(),
  CompanyName: z.string().optional(),
  GivenName: z.string().optional(),
  FamilyName: z.string().optional(),
  PrimaryPhone: FreeForm,
  Mobile: FreeForm,
  PrimaryEmailAddr: z.object({ Address: z.string().optional() }).optional(),
  /** India edition only: the customer's GST identification number. */
  GSTIN: z.string().optional(),
  BillAddr: PhysicalAddress,
  MetaData,
});

const SalesItemLine = z.object({
  DetailType: z.literal('SalesItemLineDetail'),
  Amount: z.number(),
  Description: z.string().optional(),
  SalesItemLineDetail: z.object({ ItemRef: Ref }),
});
/** Any line: sales lines are read, bundles opened, sub-total, discount and description-only lines skipped. */
const InvoiceLine = z.object({
  DetailType: z.string(),
  GroupLineDetail: z.object({ Line: z.array(z.unknown()).optional() }).optional(),
});

export const QboInvoice = z.object({
  Id,
  DocNumber: z.string().optional(),
  TxnDate: z.string(),
  CustomerRef: Ref,
  CurrencyRef: Ref.optional(),
  TotalAmt: z.number(),
  Line: z.array(z.unknown()),
  MetaData,
});

export const QboPayment = z.object({
  Id,
  TxnDate: z.string(),
  Line: z
    .array(
      z.object({
        Amount: z.number(),
        LinkedTxn: z.array(z.object({ TxnId: Id, TxnType: z.string() })).default([]),
      }),
    )
    .default([]),
});

/** One read entity → its canonical records: a customer or an invoice is one; a payment is one per invoice it pays. */
export function mapEntity(entity: SyncedEntity, json: unknown): CanonicalInput[] {
  const body = z.object({ [entity]: z.unknown() }).safeParse(json);
  if (!body.success || body.data[entity] === undefined) throw new MappingError('unmappable_record', `The QuickBooks answer has no ${entity}.`);
  const value = body.data[entity];
  switch (entity) {
    case 'Customer':
      return [mapCustomer(read(QboCustomer, value, entity))];
    case 'Invoice':
      return [mapInvoice(read(QboInvoice, value, entity))];
    case 'Payment':
      return mapPayment(read(QboPayment, value, entity));
  }
}

function read<T extends z.ZodType>(schema: T, value: unknown, entity: string): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const id = z.object({ Id }).safeParse(value);
  throw new MappingError('unmappable_record', `QuickBooks ${entity}${id.success ? ` ${id.data.Id}` : ''}: ${issue?.path.join('.') || 'body'} ${issue?.message ?? 'is not readable'}.`);
}

/** Trimmed text, or undefined when there is none. */
const present = (s: string | undefined) => (s && s.trim() !== '' ? s.trim() : undefined);

/** An Indian PIN code is 6 digits (`560 001` is written with a space at times); anything else is not one. */
export const pincodeOf = (postalCode: string | undefined) => {
  const digits = postalCode?.replace(/\s+/g, '');
  return digits && /^\d{6}$/.test(digits) ? digits : undefined;
};

export function mapCustomer(c: z.infer<typeof QboCustomer>): CanonicalInput {
  const companyName = present(c.CompanyName) ?? present(c.DisplayName);
  if (!companyName) throw new MappingError('unmappable_record', `QuickBooks Customer ${c.Id} has neither a CompanyName nor a DisplayName.`);
  const person = [present(c.GivenName), present(c.FamilyName)].filter(Boolean).join(' ');
  const addr = c.BillAddr;
  const address = addr && [addr.Line1, addr.Line2, addr.Line3, addr.Line4, addr.Line5].map(present).filter(Boolean).join(', ');
  // QuickBooks takes several addresses in one field, comma-separated: the first is the primary one.
  const email = present(c.PrimaryEmailAddr?.Address?.split(/[,;]/)[0]);
  const data = {
    companyName,
    ownerName: present(person) ?? present(c.DisplayName),
    mobile: present(c.Mobile?.FreeFormNumber) ?? present(c.PrimaryPhone?.FreeFormNumber),
    email,
    gstin: present(c.GSTIN)?.toUpperCase(),
    address: present(address),
    city: present(addr?.City),
    pincode: pincodeOf(addr?.PostalCode),
    updatedAt: c.MetaData.LastUpdatedTime,
  };
  return { type: 'customer.upserted', externalId: c.Id, data: withoutUndefined(data) };
}

export function mapInvoice(inv: z.infer<typeof QboInvoice>): CanonicalInput {
  const total = toMinor(inv.TotalAmt);
  if (total === undefined) throw new MappingError('unmappable_record', `QuickBooks Invoice ${inv.Id}: TotalAmt ${inv.TotalAmt} is not an amount.`);
  const lines = salesLines(inv.Line).map((line, i) => {
    const amount = toMinor(line.Amount);
    if (amount === undefined) throw new MappingError('unmappable_record', `QuickBooks Invoice ${inv.Id}: line ${i + 1} Amount ${line.Amount} is not an amount.`);
    return withoutUndefined({ itemCode: line.SalesItemLineDetail.ItemRef.value, description: present(line.Description), amount });
  });
  if (lines.length === 0) throw new MappingError('unmappable_record', `QuickBooks Invoice ${inv.Id} has no item lines (SalesItemLineDetail).`);
  return {
    type: 'invoice.created',
    externalId: inv.Id,
    data: {
      customerExternalId: inv.CustomerRef.value,
      // DocNumber is absent when the company turned off custom transaction numbers: the Id is the number then.
      number: present(inv.DocNumber) ?? inv.Id,
      date: inv.TxnDate,
      currency: inv.CurrencyRef?.value ?? 'INR',
      total,
      lines,
      updatedAt: inv.MetaData.LastUpdatedTime,
    },
  };
}

/** The item lines of an invoice, a bundle's (GroupLineDetail) item lines included. */
function salesLines(lines: readonly unknown[]): z.infer<typeof SalesItemLine>[] {
  return lines.flatMap((line) => {
    const sales = SalesItemLine.safeParse(line);
    if (sales.success) return [sales.data];
    const other = InvoiceLine.safeParse(line);
    if (other.success && other.data.DetailType === 'GroupLineDetail') return salesLines(other.data.GroupLineDetail?.Line ?? []);
    return [];
  });
}

/** A payment applied to several invoices is one `payment.received` per invoice; what is left unapplied pays none. */
export function mapPayment(p: z.infer<typeof QboPayment>): CanonicalInput[] {
  const byInvoice = new Map<string, number>();
  for (const line of p.Line) {
    for (const txn of line.LinkedTxn) {
      if (txn.TxnType !== 'Invoice') continue;
      const amount = toMinor(line.Amount);
      if (amount === undefined) throw new MappingError('unmappable_record', `QuickBooks Payment ${p.Id}: Amount ${line.Amount} applied to Invoice ${txn.TxnId} is not an amount.`);
      byInvoice.set(txn.TxnId, (byInvoice.get(txn.TxnId) ?? 0) + amount);
    }
  }
  return [...byInvoice].map(([invoiceId, amount]) => ({
    type: 'payment.received',
    externalId: `${p.Id}:${invoiceId}`,
    data: { invoiceExternalId: invoiceId, amount, date: p.TxnDate },
  }));
}

function withoutUndefined<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
