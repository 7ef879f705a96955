import { z } from 'zod';
import { type CanonicalInput, type FetchRef, MappingError, type ParsedDelivery, toMinor } from '../canonical';

/**
 * Zoho Books records → canonical records (DESIGN §9). Zoho answers a record under its module's
 * key (`{contact:{…}}`, `{invoice:{…}}`, `{payment:{…}}`) and a list under the plural
 * (`{contacts:[…]}`, `{invoices:[…]}`, `{customerpayments:[…]}`, with `page_context`); a
 * workflow webhook's default payload is the record the same way. Amounts are decimal rupees and
 * become paise; times are `2026-03-02T16:05:12+0530` and gain the colon ISO-8601 wants.
 * Shapes: domain/integrations/zoho_books/fixtures/README.md.
 */

/** The record keys a webhook or a read answers with, and the list keys of the REST list responses. */
export const recordKeys = ['contact', 'invoice', 'payment'] as const;
export type RecordKey = (typeof recordKeys)[number];
export const listModules = { contacts: 'contact', invoices: 'invoice', customerpayments: 'payment' } as const satisfies Record<string, RecordKey>;
export type ListModule = keyof typeof listModules;

/** Zoho ids are long digit strings (some documentation examples print them as numbers); they go into API paths, so nothing else passes. */
const ZohoId = z.union([z.string(), z.number()]).transform(String).pipe(z.string().regex(/^\d{1,32}$/, 'must be a Zoho id (digits)'));
/** Text Zoho may leave empty (`""`) or send as a number (a zip code in the documentation's examples). */
const Text = z.union([z.string(), z.number()]).transform(String).optional().nullable();
const Amount = z.union([z.number(), z.string()]);

const Address = z.object({ address: Text, street2: Text, city: Text, zip: Text }).partial().optional().nullable();
const ContactPerson = z.object({ first_name: Text, last_name: Text, email: Text, phone: Text, mobile: Text, is_primary_contact: z.boolean().optional() });

export const ZohoContact = z.object({
  contact_id: ZohoId,
  contact_name: Text,
  company_name: Text,
  contact_type: Text,
  first_name: Text,
  last_name: Text,
  email: Text,
  phone: Text,
  mobile: Text,
  gst_no: Text,
  billing_address: Address,
  contact_persons: z.array(ContactPerson).optional(),
  last_modified_time: z.string({ error: 'is required' }),
});

const LineItem = z.object({ item_id: Text, sku: Text, name: Text, description: Text, item_total: Amount });
export const ZohoInvoice = z.object({
  invoice_id: ZohoId,
  invoice_number: z.string({ error: 'is required' }),
  date: z.string({ error: 'is required' }),
  status: Text,
  customer_id: ZohoId,
  currency_code: Text,
  total: Amount,
  /** Absent from list responses: the invoice is read on its own then. */
  line_items: z.array(LineItem).optional(),
  last_modified_time: z.string({ error: 'is required' }),
});

export const ZohoPayment = z.object({
  payment_id: ZohoId,
  date: z.string({ error: 'is required' }),
  /** Absent from list responses (they name `invoice_numbers` only): the payment is read on its own then. */
  invoices: z.array(z.object({ invoice_id: ZohoId, amount_applied: Amount })).optional(),
});

/** Invoices that are not (yet, or any more) a sale: a draft or one awaiting approval was not sent, a void one was cancelled. */
const notSales = ['draft', 'pending_approval', 'void'];

/** One record → what it makes: canonical records, a read (the list left out its lines), or nothing with why. */
export function mapRecord(key: RecordKey, value: unknown): ParsedDelivery {
  switch (key) {
    case 'contact': {
      const contact = read(ZohoContact, value, 'contact');
      // Vendors are the business's suppliers, not its clients.
      if (contact.contact_type === 'vendor') return ignore(`vendor ${contact.contact_id}`, 'Zoho Books vendors are suppliers, not clients: not synced.');
      return { records: [mapContact(contact)], fetches: [] };
    }
    case 'invoice': {
      const invoice = read(ZohoInvoice, value, 'invoice');
      if (invoice.status && notSales.includes(invoice.status)) return ignore(`invoice ${invoice.invoice_number} (${invoice.invoice_id})`, `The invoice is ${invoice.status}: not a sale, not synced.`);
      if (!invoice.line_items) return readLater('invoice', invoice.invoice_id, invoice.last_modified_time);
      return { records: [mapInvoice(invoice, invoice.line_items)], fetches: [] };
    }
    case 'payment': {
      const payment = read(ZohoPayment, value, 'payment');
      if (!payment.invoices) return readLater('payment', payment.payment_id);
      return { records: mapPayment(payment, payment.invoices), fetches: [] };
    }
  }
}

/** A read response (`{invoice:{…}}`) → its records. */
export function mapReadResponse(key: RecordKey, json: unknown): ParsedDelivery {
  const body = z.object({ [key]: z.unknown() }).safeParse(json);
  if (!body.success || body.data[key] === undefined) throw new MappingError('unmappable_record', `The Zoho Books answer has no ${key}.`);
  return mapRecord(key, body.data[key]);
}

const PageContext = z.object({ page_context: z.object({ has_more_page: z.boolean() }).optional() });

/** A list response (`{invoices:[…], page_context}`) → what its rows make, and whether another page follows. */
export function mapList(module: ListModule, json: unknown): ParsedDelivery & { hasMorePage: boolean } {
  const body = z.object({ [module]: z.array(z.unknown()) }).safeParse(json);
  if (!body.success) throw new MappingError('unmappable_record', `The Zoho Books list has no ${module} array.`);
  const rows = body.data[module] ?? [];
  const out: Required<ParsedDelivery> = { records: [], fetches: [], ignored: [] };
  for (const row of rows) {
    const mapped = mapRecord(listModules[module], row);
    out.records.push(...mapped.records);
    out.fetches.push(...mapped.fetches);
    out.ignored.push(...(mapped.ignored ?? []));
  }
  return { ...out, hasMorePage: PageContext.safeParse(json).data?.page_context?.has_more_page === true };
}

const ignore = (what: string, reason: string): ParsedDelivery => ({ records: [], fetches: [], ignored: [{ what, reason }] });
const readLater = (entity: RecordKey, id: string, at?: string): ParsedDelivery => ({ records: [], fetches: [{ entity, id, ...(at && { at: isoTime(at) }) } satisfies FetchRef] });

function read<T extends z.ZodType>(schema: T, value: unknown, what: string): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new MappingError('unmappable_record', `Zoho Books ${what}: ${issue?.path.join('.') || 'body'} ${issue?.message ?? 'is not readable'}.`);
}

/** Trimmed text, or undefined when there is none. */
const present = (s: string | null | undefined) => (s && s.trim() !== '' ? s.trim() : undefined);

/** Zoho writes the offset without a colon (`+0530`); ISO-8601 extended form has one (`+05:30`). */
export const isoTime = (zoho: string) => zoho.trim().replace(/([+-]\d{2})(\d{2})$/, '$1:$2');

/** An instant as Zoho's `last_modified_time` filter takes it: `2026-03-05T10:00:00+0000`. */
export const zohoTime = (instant: Date) => `${instant.toISOString().slice(0, 19)}+0000`;

const pincodeOf = (zip: string | null | undefined) => {
  const digits = zip?.replace(/\s+/g, '');
  return digits && /^\d{6}$/.test(digits) ? digits : undefined;
};

export function mapContact(c: z.infer<typeof ZohoContact>): CanonicalInput {
  const companyName = present(c.company_name) ?? present(c.contact_name);
  if (!companyName) throw new MappingError('unmappable_record', `Zoho Books contact ${c.contact_id} has neither a company_name nor a contact_name.`);
  // The primary contact person speaks for the contact; a list row carries that person's details at the top level instead.
  const person = c.contact_persons?.find((p) => p.is_primary_contact) ?? c;
  const ownerName = [present(person.first_name), present(person.last_name)].filter(Boolean).join(' ');
  const addr = c.billing_address;
  const address = [present(addr?.address), present(addr?.street2)].filter(Boolean).join(', ');
  const data = {
    companyName,
    ownerName: present(ownerName),
    mobile: present(person.mobile) ?? present(person.phone) ?? present(c.mobile) ?? present(c.phone),
    email: present(person.email) ?? present(c.email),
    gstin: present(c.gst_no)?.toUpperCase(),
    address: present(address),
    city: present(addr?.city),
    pincode: pincodeOf(addr?.zip),
    updatedAt: isoTime(c.last_modified_time),
  };
  return { type: 'customer.upserted', externalId: c.contact_id, data: withoutUndefined(data) };
}

export function mapInvoice(inv: z.infer<typeof ZohoInvoice>, lineItems: z.infer<typeof LineItem>[]): CanonicalInput {
  const total = toMinor(inv.total);
  if (total === undefined) throw new MappingError('unmappable_record', `Zoho Books invoice ${inv.invoice_number}: total ${inv.total} is not an amount.`);
  const lines = lineItems.flatMap((line, i) => {
    // The item id names a catalogue item; a line typed in without one may still carry the SKU.
    const itemCode = present(line.item_id) ?? present(line.sku);
    if (!itemCode) return [];
    const amount = toMinor(line.item_total);
    if (amount === undefined) throw new MappingError('unmappable_record', `Zoho Books invoice ${inv.invoice_number}: line ${i + 1} item_total ${line.item_total} is not an amount.`);
    return [withoutUndefined({ itemCode, description: present(line.description) ?? present(line.name), amount })];
  });
  if (lines.length === 0) throw new MappingError('unmappable_record', `Zoho Books invoice ${inv.invoice_number} has no line with an item_id or sku.`);
  return {
    type: 'invoice.created',
    externalId: inv.invoice_id,
    data: {
      customerExternalId: inv.customer_id,
      number: inv.invoice_number,
      date: inv.date,
      currency: present(inv.currency_code) ?? 'INR',
      total,
      lines,
      updatedAt: isoTime(inv.last_modified_time),
    },
  };
}

/** A payment applied to several invoices is one `payment.received` per invoice it pays something of. */
export function mapPayment(p: z.infer<typeof ZohoPayment>, invoices: { invoice_id: string; amount_applied: number | string }[]): CanonicalInput[] {
  return invoices.flatMap(({ invoice_id, amount_applied }) => {
    const amount = toMinor(amount_applied);
    if (amount === undefined) throw new MappingError('unmappable_record', `Zoho Books payment ${p.payment_id}: amount_applied ${amount_applied} to invoice ${invoice_id} is not an amount.`);
    if (amount === 0) return [];
    return [{ type: 'payment.received', externalId: `${p.payment_id}:${invoice_id}`, data: { invoiceExternalId: invoice_id, amount, date: p.date } } satisfies CanonicalInput];
  });
}

function withoutUndefined<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
