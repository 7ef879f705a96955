import { z } from 'zod';
import { IsoDate, IsoDateTime, Money, text } from '../shared/schemas';
import { Attachment } from '../messages/message';

/**
 * The canonical records of DESIGN §9: what every provider's mapper produces and what the `generic`
 * provider takes as they are. One shape per kind of fact an ERP or a lead source tells us; the
 * appliers (functions/lib/use-cases/integrations-apply.ts) turn them into clients, owned products,
 * closed deals, paid invoices and leads through the same use cases as the API.
 *
 * Money is in minor units (paise), as everywhere in this API; mappers of ERPs that send decimal
 * major units convert with `toMinor`. Instants are ISO-8601 with a zone; `updatedAt` is the
 * source's own time of the change, which decides out-of-order updates per field.
 */

/** The record's id in the source system: an ERP's customer or invoice id, a lead's id. */
export const ExternalId = text({ max: 128 });

export const CustomerData = z.strictObject({
  companyName: text({ max: 200 }),
  ownerName: text({ max: 200 }).optional(),
  mobile: text({ max: 32 }).optional(),
  email: z.email('must be an email address').max(254).optional(),
  gstin: text({ max: 15 }).optional(),
  /** The billing address, one text. */
  address: text({ max: 500, multiline: true }).optional(),
  city: text({ max: 100 }).optional(),
  pincode: text({ max: 6 }).optional(),
  updatedAt: IsoDateTime,
});

export const InvoiceLine = z.strictObject({
  /** The ERP's item code: the connection's `itemMap` names the product it is. */
  itemCode: text({ max: 128 }),
  description: text({ max: 500, multiline: true }).optional(),
  amount: Money,
});

export const InvoiceData = z.strictObject({
  customerExternalId: ExternalId,
  number: text({ max: 64 }),
  date: IsoDate,
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 currency code'),
  total: Money,
  lines: z.array(InvoiceLine).min(1, 'must have at least one line').max(500),
  /** What the ERP calls it: SAP's sales orders and billing documents are invoices here. */
  document: z.enum(['invoice', 'sales_order', 'billing_document']).default('invoice'),
  updatedAt: IsoDateTime,
});

export const PaymentData = z.strictObject({
  invoiceExternalId: ExternalId,
  amount: Money,
  date: IsoDate,
});

/** A lead from a lead source (Facebook Lead Ads, a web form): a client to find or make, and a Lead opportunity. */
export const LeadData = z.strictObject({
  companyName: text({ max: 200 }).optional(),
  ownerName: text({ max: 200 }).optional(),
  mobile: text({ max: 32 }).optional(),
  email: z.email('must be an email address').max(254).optional(),
  city: text({ max: 100 }).optional(),
  pincode: text({ max: 6 }).optional(),
  /** The product the form or ad is for (the connection's setting, or the form's field mapping). */
  productId: text({ max: 64 }).optional(),
  /** The Lead Ads form, or the web form's key. */
  formId: text({ max: 128 }).optional(),
  /** When the lead arrived at the source: the first-response clock starts here. */
  receivedAt: IsoDateTime,
  /** Every answer as the person gave it, kept with the lead. */
  answers: z.record(text({ max: 100 }), text({ max: 2000, multiline: true })).optional(),
});

/** A message a client sent (#14): a WhatsApp message through the connection's hook. */
export const MessageData = z.strictObject({
  channel: z.literal('whatsapp'),
  /** The client's number, E.164. */
  from: z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be a phone number in E.164'),
  text: z.string().max(20_000).default(''),
  /** What kind of message (`text`, `image`, `location`, `button` …). */
  kind: z.string().max(40),
  at: IsoDateTime,
  /** The message it answers (its provider id). */
  replyTo: z.string().max(256).optional(),
  /** Its photo, document, voice note or video, fetched from the provider into the media bucket. */
  attachments: z.array(Attachment).max(10).default([]),
});

/** What became of a message we sent (#14): Meta's statuses. */
export const MessageStatusData = z.strictObject({
  status: z.enum(['sent', 'delivered', 'read', 'failed']),
  at: IsoDateTime,
  error: z.object({ code: z.string().max(40), message: z.string().max(500) }).optional(),
});

export const CanonicalRecord = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('customer.upserted'), externalId: ExternalId, data: CustomerData }),
  z.strictObject({ type: z.literal('invoice.created'), externalId: ExternalId, data: InvoiceData }),
  z.strictObject({ type: z.literal('payment.received'), externalId: ExternalId, data: PaymentData }),
  z.strictObject({ type: z.literal('lead.received'), externalId: ExternalId, data: LeadData }),
  z.strictObject({ type: z.literal('message.received'), externalId: z.string().min(1).max(256), data: MessageData }),
  z.strictObject({ type: z.literal('message.status'), externalId: z.string().min(1).max(256), data: MessageStatusData }),
]);
export type CanonicalRecord = z.infer<typeof CanonicalRecord>;
export type CanonicalInput = z.input<typeof CanonicalRecord>;
export type CustomerRecord = Extract<CanonicalRecord, { type: 'customer.upserted' }>;
export type InvoiceRecord = Extract<CanonicalRecord, { type: 'invoice.created' }>;
export type PaymentRecord = Extract<CanonicalRecord, { type: 'payment.received' }>;
export type LeadRecord = Extract<CanonicalRecord, { type: 'lead.received' }>;
export type MessageRecord = Extract<CanonicalRecord, { type: 'message.received' }>;
export type MessageStatusRecord = Extract<CanonicalRecord, { type: 'message.status' }>;

/** At most this many records in one delivery (a Tally batch, a CDC page): more is the sender's bug. */
export const MAX_RECORDS_PER_DELIVERY = 1000;

/** A decimal amount in major units (₹1,234.50 as 1234.5 or "1234.50") → minor units (123450). Undefined when it is not an amount. */
export function toMinor(amount: unknown): number | undefined {
  const n = typeof amount === 'string' ? Number(amount.replace(/,/g, '').trim()) : typeof amount === 'number' ? amount : NaN;
  if (!Number.isFinite(n) || n < 0 || n > 1e11) return undefined;
  return Math.round(n * 100);
}

/**
 * A thin notification (QuickBooks, SAP, Lead Ads) names what changed; the record itself is fetched
 * from the provider's API by the adapter (functions/lib/integrations/providers/<provider>.ts).
 */
export interface FetchRef {
  /** The provider's entity name: `Customer`, `Invoice`, `Payment` (QuickBooks), `BusinessPartner`, `SalesOrder`, `BillingDocument` (SAP), `lead` (Lead Ads). */
  entity: string;
  id: string;
  /** The account the entity lives in, when the notification names it (QuickBooks realmId, a Facebook page id). */
  account?: string;
  /** What happened, as the provider says it (`Create`, `Update`, `Delete`, `Merge`, `Void`). */
  operation?: string;
  /** The provider's time of the change. */
  at?: string;
  /** Anything else the adapter needs to fetch it (a Lead Ads form id). */
  hints?: Record<string, string>;
}

/** What a provider's pure mapper makes of one delivery's body: records ready to apply, and references to fetch. */
export interface ParsedDelivery {
  records: CanonicalInput[];
  fetches: FetchRef[];
  /** Parts of the delivery deliberately not acted on (an entity we do not sync, a deleted customer), with why. */
  ignored?: { what: string; reason: string }[];
}

/**
 * A delivery or a fetched record that cannot be mapped: its delivery is marked `failed` with this
 * code and message (never a 5xx, never a retry loop — replaying it will fail the same way unless
 * the settings change).
 */
export class MappingError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'MappingError';
  }
}
