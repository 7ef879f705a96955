import { createHash } from 'node:crypto';
import { z } from 'zod';

/**
 * What integrations record of their own (#13), beside the clients, opportunities and events they
 * write through the use cases: the ERP's invoices (a client owns what it was invoiced; payments
 * mark them paid) and the leads already taken (a lead delivered twice is one lead).
 */
export const InvoiceView = z
  .object({
    system: z.string(),
    connectionId: z.string(),
    externalId: z.string(),
    clientId: z.string(),
    number: z.string(),
    document: z.enum(['invoice', 'sales_order', 'billing_document']),
    date: z.string(),
    currency: z.string(),
    /** Paise. */
    total: z.number().int(),
    lines: z.array(z.object({ itemCode: z.string(), description: z.string().optional(), amount: z.number().int(), productId: z.string().optional() })),
    /** The catalogue products the invoice's lines are (through the connection's item map). */
    productIds: z.array(z.string()),
    /** Paise received so far. */
    paid: z.number().int(),
    status: z.enum(['open', 'paid']),
    payments: z.array(z.object({ externalId: z.string(), amount: z.number().int(), date: z.string() })),
    /** The opportunities the invoice closed Won. */
    closedOpportunities: z.array(z.string()),
    /** The closing step ran to its end (a replay does not close a deal opened since). */
    settled: z.boolean(),
    sourceUpdatedAt: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
    version: z.number().int().positive(),
  })
  .meta({ id: 'Invoice' });
export type Invoice = z.infer<typeof InvoiceView>;

/** A lead a connection has taken: what it became. */
export interface LeadRef {
  externalId: string;
  clientId: string;
  opportunityId: string;
  /** The first-response call. */
  eventId?: string;
  assignedTo: string;
  receivedAt: string;
  deliveryId: string;
}

/** A digest of a source's id, safe in a key whatever the id holds. */
export const refDigest = (id: string) => createHash('sha256').update(id).digest('base64url').slice(0, 26);

/** At most this many payments are kept on an invoice (the paid total counts them all). */
export const MAX_PAYMENTS_KEPT = 100;
