import type { CountryCode } from 'libphonenumber-js/max';
import { normaliseEmail, normalisePhone, type Client, type ClientInput } from '../../../domain/clients/client';
import { externalRef, type ContactPoint } from '../../../domain/clients/contacts';
import { Gstin, Pincode } from '../../../domain/clients/gstin';
import { DomainError } from '../../../domain/errors';
import type { CustomerRecord, InvoiceRecord, PaymentRecord } from '../../../domain/integrations/canonical';
import type { Connection, RecordOutcome } from '../../../domain/integrations/connection';
import { ownershipOf, type FieldConflict } from '../../../domain/integrations/ownership';
import { MAX_PAYMENTS_KEPT, refDigest, type Invoice } from '../../../domain/integrations/records';
import { isOpen } from '../../../domain/pipeline/opportunity';
import { auditOf, retryLostRace, tenantConfig, type UseCaseContext } from './context';
import { createClient, updateClient, visibleClient } from './clients';
import { moveStage, updateOpportunity } from './opportunities';

/**
 * The canonical records of ERPs applied (DESIGN §9), each through the same use cases as the API
 * (rules, audit, events), as the integration: customers become clients through the dedup rules,
 * invoices make the client own what was invoiced and close its open deals for it Won, payments
 * mark invoices paid. Each applier is safe to run twice on the same record (a replay).
 */

/** The system name an integration's external refs and field sources carry: its provider. */
export const systemOf = (c: Pick<Connection, 'provider'>) => c.provider;

const outcome = (r: { type: string; externalId: string }, o: Omit<RecordOutcome, 'type' | 'externalId'>): RecordOutcome => ({ type: r.type, externalId: r.externalId, ...o });

// ── customers ─────────────────────────────────────────────────────────────────────────────────

/** The customer's contact points in the CRM's normal form, in DESIGN §9's matching order: external ref, GSTIN, phone, email. */
function matchKeys(system: string, r: CustomerRecord, country: CountryCode): ContactPoint[] {
  const gstin = r.data.gstin === undefined ? undefined : Gstin.safeParse(r.data.gstin);
  const phone = r.data.mobile === undefined ? undefined : normalisePhone('mobile', r.data.mobile, country);
  return [
    { on: 'externalRef', value: externalRef(system, r.externalId) },
    ...(gstin?.success ? [{ on: 'gstin' as const, value: gstin.data }] : []),
    ...(phone?.ok ? [{ on: 'mobile' as const, value: phone.value }] : []),
    ...(r.data.email ? [{ on: 'email' as const, value: normaliseEmail(r.data.email) }] : []),
  ];
}

async function findCustomer(ctx: UseCaseContext, keys: readonly ContactPoint[]): Promise<string | undefined> {
  for (const key of keys) {
    const id = await ctx.services.clients.lookup(ctx.actor.tenantId, key);
    if (id) return id;
  }
  return undefined;
}

/** The record's fields as client input: GSTIN and PIN code only when valid (an ERP's bad GSTIN is not the client's), the owner defaulting to the company. */
function customerInput(system: string, r: CustomerRecord): Partial<ClientInput> {
  const d = r.data;
  const gstin = d.gstin === undefined ? undefined : Gstin.safeParse(d.gstin);
  const pincode = d.pincode === undefined ? undefined : Pincode.safeParse(d.pincode);
  return {
    companyName: d.companyName,
    ownerName: d.ownerName ?? d.companyName,
    ...(d.mobile && { mobile: d.mobile }),
    ...(d.email && { email: d.email }),
    ...(gstin?.success && { gstin: gstin.data }),
    ...(d.address && { address: d.address }),
    ...(d.city && { city: d.city }),
    ...(pincode?.success && { pincode: pincode.data }),
    externalRefs: { [system]: r.externalId },
  };
}

export async function applyCustomer(ctx: UseCaseContext, conn: Connection, r: CustomerRecord): Promise<RecordOutcome> {
  const system = systemOf(conn);
  const { settings } = await tenantConfig(ctx);
  const country = settings.defaultPhoneCountry as CountryCode;
  const input = customerInput(system, r);
  return retryLostRace(
    async () => {
      const found = await findCustomer(ctx, matchKeys(system, r, country));
      if (!found) {
        if (!input.mobile) return outcome(r, { outcome: 'failed', message: 'The customer has no phone number, and a client needs one: add it in the ERP (or create the client in the CRM with this external ref).' });
        const sources = Object.fromEntries(ownershipOf.erpFields.filter((f) => input[f] !== undefined).map((f) => [f, { system, at: r.data.updatedAt }]));
        const { client } = await createClient(ctx, input as ClientInput, { fieldSources: sources });
        return outcome(r, { outcome: 'created', clientId: client.id });
      }
      const { client } = await visibleClient(ctx, found, 'client:read');
      const plan = ownershipOf.plan(client, input, system, r.data.updatedAt);
      if (plan.conflicts.length > 0) await recordConflicts(ctx, client, plan.conflicts);
      if (Object.keys(plan.patch).length === 0) return outcome(r, { outcome: 'unchanged', clientId: client.id, ...(plan.conflicts.length > 0 && { message: conflictNote(plan.conflicts) }) });
      await updateClient(ctx, client.id, plan.patch, client.version, { fieldSources: plan.fieldSources });
      return outcome(r, { outcome: 'updated', clientId: client.id, ...(plan.conflicts.length > 0 && { message: conflictNote(plan.conflicts) }) });
    },
    5,
    ['concurrent_update', 'transaction_conflict', 'stale_version', 'duplicate_client'],
  );
}

const conflictNote = (c: readonly FieldConflict[]) => `kept the CRM's ${c.filter((x) => x.kept === 'crm').map((x) => x.field).join(', ') || 'values'} (see the client's audit)`;

/** Every conflict in the client's audit with both values (DESIGN §9). */
async function recordConflicts(ctx: UseCaseContext, client: Client, conflicts: readonly FieldConflict[]) {
  const entry = { ...auditOf(ctx, 'client', client.id, 'sync_conflict', undefined, undefined), conflicts: [...conflicts] };
  await ctx.services.integrations.auditClient(ctx.actor.tenantId, client.id, entry);
}

// ── invoices ──────────────────────────────────────────────────────────────────────────────────

/**
 * An invoice (a sales order, a billing document): recorded on its client, who then owns the
 * products its lines are (through the connection's item map); for each such product with an open
 * opportunity, the deal is closed Won at the invoiced amount through the API's own use cases —
 * the closing owner is the assignee, so credit splits as it would for a person. An invoice with
 * no open deal credits nobody. A replay finishes an unfinished closing, never closes a deal opened since.
 */
export async function applyInvoice(ctx: UseCaseContext, conn: Connection, r: InvoiceRecord): Promise<RecordOutcome> {
  const system = systemOf(conn);
  const clientId = await ctx.services.clients.lookup(ctx.actor.tenantId, { on: 'externalRef', value: externalRef(system, r.data.customerExternalId) });
  if (!clientId) return outcome(r, { outcome: 'failed', message: `No client has ${system} customer ${r.data.customerExternalId}: sync the customer first, then replay this delivery.` });
  const { client } = await visibleClient(ctx, clientId, 'client:read');
  const digest = refDigest(r.externalId);
  const itemMap = (conn.settings.itemMap as Record<string, string> | undefined) ?? {};
  const lines = r.data.lines.map((l) => ({ ...l, ...(Object.hasOwn(itemMap, l.itemCode) && { productId: itemMap[l.itemCode]! }) }));
  const productIds = [...new Set(lines.flatMap((l) => (l.productId ? [l.productId] : [])))];
  const at = ctx.now.toISOString();
  let invoice = await ctx.services.integrations.getInvoice(ctx.actor.tenantId, client.id, system, digest);
  let created = false;
  if (!invoice) {
    invoice = {
      system,
      connectionId: conn.id,
      externalId: r.externalId,
      clientId: client.id,
      number: r.data.number,
      document: r.data.document,
      date: r.data.date,
      currency: r.data.currency,
      total: r.data.total,
      lines,
      productIds,
      paid: 0,
      status: 'open',
      payments: [],
      closedOpportunities: [],
      settled: false,
      sourceUpdatedAt: r.data.updatedAt,
      createdAt: at,
      updatedAt: at,
      version: 1,
    };
    await ctx.services.integrations.saveInvoice(ctx.actor.tenantId, invoice, digest, 0);
    created = true;
  }
  if (invoice.settled) return outcome(r, { outcome: 'unchanged', clientId: client.id });
  const closed = await closeOpenDeals(ctx, client.id, invoice);
  const settled: Invoice = { ...invoice, closedOpportunities: [...invoice.closedOpportunities, ...closed], settled: true, updatedAt: at, version: invoice.version + 1 };
  await ctx.services.integrations.saveInvoice(ctx.actor.tenantId, settled, digest, invoice.version);
  const unmapped = lines.filter((l) => !l.productId).map((l) => l.itemCode);
  const notes = [
    closed.length > 0 ? `closed Won: ${closed.join(', ')}` : 'no open opportunity for its products: no one credited',
    ...(unmapped.length > 0 ? [`items not in the item map: ${[...new Set(unmapped)].join(', ')}`] : []),
  ];
  return outcome(r, { outcome: created ? 'created' : 'updated', clientId: client.id, ...(closed[0] && { opportunityId: closed[0] }), message: notes.join('; ') });
}

/** The open opportunities of the invoice's products, each closed Won at what its lines invoiced. */
async function closeOpenDeals(ctx: UseCaseContext, clientId: string, invoice: Invoice): Promise<string[]> {
  if (invoice.productIds.length === 0) return [];
  const opportunities = await ctx.services.pipeline.clientOpportunities(ctx.actor.tenantId, clientId);
  const closed: string[] = [];
  for (const productId of invoice.productIds) {
    const open = opportunities.find((o) => o.productId === productId && isOpen(o));
    if (!open) continue;
    const amount = invoice.lines.filter((l) => l.productId === productId).reduce((sum, l) => sum + l.amount, 0);
    await retryLostRace(async () => {
      const current = await ctx.services.pipeline.getOpportunity(ctx.actor.tenantId, open.id);
      if (!current || !isOpen(current)) return;
      const valued = current.dealValue === amount ? current : await updateOpportunity(ctx, current.id, { dealValue: amount }, current.version);
      await moveStage(ctx, current.id, { stage: 'Closed', outcome: 'Won', reason: `${invoice.document.replace('_', ' ')} ${invoice.number} (${invoice.system})` }, valued.version);
      closed.push(current.id);
    });
  }
  return closed;
}

// ── payments ──────────────────────────────────────────────────────────────────────────────────

export async function applyPayment(ctx: UseCaseContext, conn: Connection, r: PaymentRecord): Promise<RecordOutcome> {
  const system = systemOf(conn);
  const digest = refDigest(r.data.invoiceExternalId);
  const clientId = await ctx.services.integrations.getInvoiceClient(ctx.actor.tenantId, system, digest);
  if (!clientId) return outcome(r, { outcome: 'failed', message: `No invoice ${r.data.invoiceExternalId} from ${system} is known: sync the invoice first, then replay this delivery.` });
  return retryLostRace(async () => {
    const invoice = await ctx.services.integrations.getInvoice(ctx.actor.tenantId, clientId, system, digest);
    if (!invoice) throw new DomainError('conflict', 'concurrent_update', 'The invoice is being written.');
    if (invoice.payments.some((p) => p.externalId === r.externalId)) return outcome(r, { outcome: 'unchanged', clientId });
    const paid = invoice.paid + r.data.amount;
    const after: Invoice = {
      ...invoice,
      paid,
      status: paid >= invoice.total ? 'paid' : 'open',
      payments: [...invoice.payments, { externalId: r.externalId, amount: r.data.amount, date: r.data.date }].slice(-MAX_PAYMENTS_KEPT),
      updatedAt: ctx.now.toISOString(),
      version: invoice.version + 1,
    };
    await ctx.services.integrations.saveInvoice(ctx.actor.tenantId, after, digest, invoice.version);
    return outcome(r, { outcome: 'updated', clientId, message: after.status === 'paid' ? `invoice ${invoice.number} paid` : `invoice ${invoice.number}: ${paid} of ${invoice.total} paise received` });
  });
}
