import { MAX_RECORDS_PER_DELIVERY, MappingError, toMinor, type CanonicalInput, type ParsedDelivery } from '../canonical';
import { child, childrenNamed, field, readTallyXml, type TallyElement } from './xml';

/**
 * A batch of TallyPrime's XML — what its XML HTTP server answers to an `<ENVELOPE>` export
 * request, posted by the connector (scripts/connectors/tally.ts) — as canonical records
 * (DESIGN §9):
 *
 * - a ledger under Sundry Debtors → customer.upserted;
 * - a sales voucher → invoice.created, one line per stock item;
 * - a receipt voucher's bill allocations "Agst Ref" → payment.received, one per bill settled.
 *
 * Both shapes of answer are read: a collection export (`<BODY><DATA><COLLECTION>`) and a report
 * export (`<BODY><DATA><TALLYMESSAGE>`). Anything else in the batch is `ignored`, with why; one
 * odd voucher does not fail the batch, but text that is not a Tally export does.
 *
 * Tally's words, as its XML writes them: a ledger's NAME attribute, PARENT (its group),
 * PARTYLEDGERNAME, ALLLEDGERENTRIES.LIST, BILLALLOCATIONS.LIST, BILLTYPE ("New Ref", "Agst Ref",
 * "Advance", "On Account"). Amounts are signed: a debit is negative (the party of a sale), a
 * credit positive (the sale, the party of a receipt); canonical amounts are the magnitudes.
 */

export interface TallyBatchOptions {
  /**
   * When the connector exported the batch. It is every record's `updatedAt`: Tally keeps no time
   * of change on masters or vouchers — ALTERID orders changes, but it is a counter, not a clock.
   */
  batchAt: string;
  /** The company's base currency: Tally's amounts carry none (default INR). */
  currency?: string;
  /** Groups whose ledgers are customers (default Sundry Debtors; add its sub-groups, e.g. "North Zone Debtors"). */
  debtorGroups?: readonly string[];
  /** Voucher types that are sales (default Sales; a company's own, e.g. "Sales GST", are named here). */
  salesVoucherTypes?: readonly string[];
  /** Voucher types that are receipts (default Receipt). */
  receiptVoucherTypes?: readonly string[];
}

type Ignored = NonNullable<ParsedDelivery['ignored']>[number];
type Mapped = { records: CanonicalInput[]; ignored: Ignored[] };

interface Context {
  updatedAt: string;
  currency: string;
  debtorGroups: ReadonlySet<string>;
  sales: ReadonlySet<string>;
  receipts: ReadonlySet<string>;
  /** A debtor ledger of this batch, by name → its external id (GUID, else the name). */
  ledgerIds: ReadonlyMap<string, string>;
}

export function parseTallyBatch(xml: string, opts: TallyBatchOptions): ParsedDelivery {
  const root = readTallyXml(xml);
  if (root.name !== 'ENVELOPE') throw new MappingError('malformed_payload', `This is not a Tally export: its root element is <${root.name}>, not <ENVELOPE>.`);
  const lineError = findLineError(root);
  if (lineError) throw new MappingError('tally_error', `Tally answered with an error: ${lineError}`);
  const objects = tallyObjects(root);
  const base = {
    updatedAt: instant(opts.batchAt),
    currency: opts.currency ?? 'INR',
    debtorGroups: new Set(opts.debtorGroups ?? ['Sundry Debtors']),
    sales: new Set(opts.salesVoucherTypes ?? ['Sales']),
    receipts: new Set(opts.receiptVoucherTypes ?? ['Receipt']),
  };
  const ledgerIds = new Map<string, string>();
  for (const o of objects) {
    const name = ledgerName(o);
    if (o.name === 'LEDGER' && name && isDebtor(o, base.debtorGroups)) ledgerIds.set(name, ledgerExternalId(o, name));
  }
  const ctx: Context = { ...base, ledgerIds };
  const out: Mapped = { records: [], ignored: [] };
  for (const o of objects) {
    const mapped = o.name === 'LEDGER' ? ledger(o, ctx) : o.name === 'VOUCHER' ? voucher(o, ctx) : skip(`<${o.name}>`, 'not a ledger or a voucher');
    out.records.push(...mapped.records);
    out.ignored.push(...mapped.ignored);
  }
  if (out.records.length > MAX_RECORDS_PER_DELIVERY) {
    throw new MappingError('too_many_records', `The batch holds ${out.records.length} records; at most ${MAX_RECORDS_PER_DELIVERY} are taken at once: send smaller batches.`);
  }
  return { records: out.records, fetches: [], ...(out.ignored.length > 0 && { ignored: out.ignored }) };
}

// ── the envelope ─────────────────────────────────────────────────────────────────────────────

/** The objects of the export: the children of each `<COLLECTION>` (a collection export) or `<TALLYMESSAGE>` (a report export). */
function tallyObjects(root: TallyElement): TallyElement[] {
  const containers: TallyElement[] = [];
  const walk = (e: TallyElement) => {
    for (const c of e.children) {
      if (c.name === 'COLLECTION' || c.name === 'TALLYMESSAGE') containers.push(c);
      else walk(c);
    }
  };
  walk(child(root, 'BODY') ?? root);
  if (containers.length === 0) throw new MappingError('malformed_payload', 'This Tally export holds no <COLLECTION> or <TALLYMESSAGE>: it is not the answer to an export request.');
  return containers.flatMap((c) => c.children);
}

/** Tally reports a failed request (a TDL error, no company loaded) as `<LINEERROR>` in an otherwise normal envelope. */
function findLineError(e: TallyElement): string | undefined {
  if (e.name === 'LINEERROR') return e.text.trim() || 'LINEERROR';
  for (const c of e.children) {
    const found = findLineError(c);
    if (found) return found;
  }
  return undefined;
}

// ── ledgers → customer.upserted ──────────────────────────────────────────────────────────────

const ledgerName = (e: TallyElement) => e.attributes.NAME?.trim() || field(e, 'NAME') || undefined;

/** The GUID is Tally's stable key (a renamed ledger keeps it); a ledger exported without one is known by its name. */
const ledgerExternalId = (e: TallyElement, name: string) => field(e, 'GUID') ?? name;

const isDebtor = (e: TallyElement, groups: ReadonlySet<string>) => groups.has(field(e, 'PARENT') ?? '');

function ledger(e: TallyElement, ctx: Context): Mapped {
  const name = ledgerName(e);
  if (!name) return skip('<LEDGER>', 'the ledger has no name');
  if (!isDebtor(e, ctx.debtorGroups)) return skip(`LEDGER "${name}"`, `its group "${field(e, 'PARENT') ?? ''}" is not ${[...ctx.debtorGroups].join(' / ')}`);
  // TallyPrime 3 keeps the address and the GST registration in dated lists; the latest applies.
  const mailing = latest(childrenNamed(e, 'LEDMAILINGDETAILS.LIST'));
  const gstReg = latest(childrenNamed(e, 'LEDGSTREGDETAILS.LIST'));
  const lines = addressLines(child(e, 'ADDRESS.LIST')) ?? addressLines(child(mailing, 'ADDRESS.LIST')) ?? [];
  const state = field(e, 'LEDSTATENAME') ?? field(mailing, 'STATE');
  const pincode = (field(e, 'PINCODE') ?? field(mailing, 'PINCODE'))?.replace(/\s/g, '');
  const address = [...lines, state].filter(Boolean).join('\n').slice(0, 500);
  const gstin = (field(e, 'PARTYGSTIN') ?? field(gstReg, 'GSTIN'))?.toUpperCase();
  const email = field(e, 'EMAIL')?.split(/[;,\s]+/)[0];
  const record: CanonicalInput = {
    type: 'customer.upserted',
    externalId: ledgerExternalId(e, name),
    data: {
      companyName: name,
      ...optional('ownerName', field(e, 'LEDGERCONTACT')),
      ...optional('mobile', phone(field(e, 'LEDGERMOBILE') ?? field(e, 'LEDGERPHONE'), field(e, 'LEDGERCOUNTRYISDCODE'))),
      ...optional('email', email && /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email) ? email : undefined),
      ...optional('gstin', gstin && /^[0-9A-Z]{15}$/.test(gstin) ? gstin : undefined),
      ...optional('address', address || undefined),
      ...optional('pincode', pincode && /^\d{6}$/.test(pincode) ? pincode : undefined),
      updatedAt: ctx.updatedAt,
    },
  };
  return { records: [record], ignored: [] };
}

const addressLines = (list: TallyElement | undefined) => {
  const lines = childrenNamed(list, 'ADDRESS').map((a) => a.text.trim()).filter(Boolean);
  return lines.length > 0 ? lines : undefined;
};

/** Of dated entries (APPLICABLEFROM YYYYMMDD), the latest; undated ones count as oldest. */
const latest = (entries: TallyElement[]) => entries.toSorted((a, b) => (field(a, 'APPLICABLEFROM') ?? '').localeCompare(field(b, 'APPLICABLEFROM') ?? '')).at(-1);

/** Tally keeps the ISD code apart from the number ("+91", "9876543210"); together they are one number to match on. */
function phone(number: string | undefined, isd: string | undefined): string | undefined {
  if (!number) return undefined;
  const n = number.trim();
  return (isd && !n.startsWith('+') ? `${isd.trim()} ${n}` : n).slice(0, 32);
}

// ── vouchers ─────────────────────────────────────────────────────────────────────────────────

function voucher(v: TallyElement, ctx: Context): Mapped {
  const type = v.attributes.VCHTYPE?.trim() || field(v, 'VOUCHERTYPENAME') || '';
  const what = `VOUCHER ${type} ${field(v, 'VOUCHERNUMBER') ?? field(v, 'GUID') ?? '(no number)'}`.trim();
  if (!ctx.sales.has(type) && !ctx.receipts.has(type)) return skip(what, `voucher type "${type}" is neither a sales nor a receipt type`);
  for (const flag of ['ISCANCELLED', 'ISOPTIONAL', 'ISDELETED'] as const) {
    if (yes(field(v, flag))) return skip(what, `${flag} is Yes`);
  }
  const date = tallyDate(field(v, 'DATE'));
  if (!date) return skip(what, `its DATE "${field(v, 'DATE') ?? ''}" is not a date`);
  return ctx.sales.has(type) ? sale(v, what, date, ctx) : receipt(v, what, date, ctx);
}

const ledgerEntries = (v: TallyElement) => [...childrenNamed(v, 'ALLLEDGERENTRIES.LIST'), ...childrenNamed(v, 'LEDGERENTRIES.LIST')];

/** The party's own entry: flagged ISPARTYLEDGER, else the one on the voucher's party ledger. */
const partyEntry = (v: TallyElement, party: string) => {
  const entries = ledgerEntries(v);
  return entries.find((e) => yes(field(e, 'ISPARTYLEDGER'))) ?? entries.find((e) => field(e, 'LEDGERNAME') === party);
};

const bills = (entry: TallyElement | undefined) => childrenNamed(entry, 'BILLALLOCATIONS.LIST');

/** A sales voucher → invoice.created. */
function sale(v: TallyElement, what: string, date: string, ctx: Context): Mapped {
  const party = field(v, 'PARTYLEDGERNAME');
  if (!party) return skip(what, 'it has no PARTYLEDGERNAME');
  const entry = partyEntry(v, party);
  const total = magnitude(field(entry, 'AMOUNT'));
  if (total === undefined) return skip(what, `it has no amount on the party ledger "${party}"`);
  const number = field(v, 'VOUCHERNUMBER');
  if (!number) return skip(what, 'it has no VOUCHERNUMBER');
  // The bill the sale opened ("New Ref") is what receipts settle: the invoice is known by its name.
  const billName = bills(entry).map((b) => (field(b, 'BILLTYPE') === 'New Ref' ? field(b, 'NAME') : undefined)).find(Boolean) ?? number;
  const lines = inventoryLines(v) ?? accountingLines(v, party);
  if (lines.length === 0) return skip(what, 'it has neither stock items nor a sales ledger');
  const record: CanonicalInput = {
    type: 'invoice.created',
    externalId: billName,
    data: {
      customerExternalId: ctx.ledgerIds.get(party) ?? field(v, 'PARTYLEDGERGUID') ?? party,
      number,
      date,
      currency: ctx.currency,
      total,
      lines,
      document: 'invoice',
      updatedAt: ctx.updatedAt,
    },
  };
  return { records: [record], ignored: [] };
}

type Line = { itemCode: string; description?: string; amount: number };

function inventoryLines(v: TallyElement): Line[] | undefined {
  const entries = [...childrenNamed(v, 'ALLINVENTORYENTRIES.LIST'), ...childrenNamed(v, 'INVENTORYENTRIES.LIST')];
  const lines = entries.flatMap((e): Line[] => {
    const itemCode = field(e, 'STOCKITEMNAME');
    const amount = magnitude(field(e, 'AMOUNT'));
    if (!itemCode || amount === undefined) return [];
    const description = childrenNamed(child(e, 'BASICUSERDESCRIPTION.LIST'), 'BASICUSERDESCRIPTION').map((d) => d.text.trim()).filter(Boolean).join('\n');
    return [{ itemCode, ...optional('description', description || undefined), amount }];
  });
  return lines.length > 0 ? lines : undefined;
}

/** A sale recorded "as voucher" (services, no stock items): its credited ledgers are the lines (the sales ledger; GST ledgers map to no product). */
const accountingLines = (v: TallyElement, party: string): Line[] =>
  ledgerEntries(v).flatMap((e): Line[] => {
    const name = field(e, 'LEDGERNAME');
    const amount = signed(field(e, 'AMOUNT'));
    return name && name !== party && amount !== undefined && amount > 0 ? [{ itemCode: name, amount: toMinor(amount) ?? 0 }] : [];
  });

/** A receipt voucher → payment.received for each bill it settles ("Agst Ref"); advances and on-account money settle no invoice. */
function receipt(v: TallyElement, what: string, date: string, ctx: Context): Mapped {
  const party = field(v, 'PARTYLEDGERNAME');
  const key = field(v, 'GUID') ?? `${v.attributes.VCHTYPE ?? 'Receipt'}/${field(v, 'VOUCHERNUMBER') ?? ''}/${date}`;
  const out: Mapped = { records: [], ignored: [] };
  const entries = ledgerEntries(v).filter((e) => {
    const name = field(e, 'LEDGERNAME') ?? '';
    return yes(field(e, 'ISPARTYLEDGER')) || name === party || ctx.ledgerIds.has(name);
  });
  for (const entry of entries) {
    for (const bill of bills(entry)) {
      const name = field(bill, 'NAME');
      const billType = field(bill, 'BILLTYPE') ?? '';
      const amount = magnitude(field(bill, 'AMOUNT'));
      if (billType !== 'Agst Ref' || !name) {
        out.ignored.push({ what: `${what} bill ${name ?? ''}`.trim(), reason: `BILLTYPE "${billType}" settles no invoice` });
      } else if (amount === undefined) {
        out.ignored.push({ what: `${what} bill ${name}`, reason: 'the bill allocation has no amount' });
      } else {
        out.records.push({ type: 'payment.received', externalId: `${key}/${name}`, data: { invoiceExternalId: name, amount, date } });
      }
    }
  }
  if (out.records.length === 0 && out.ignored.length === 0) return skip(what, 'it settles no bill (no BILLALLOCATIONS.LIST on the party)');
  return out;
}

// ── Tally's values ───────────────────────────────────────────────────────────────────────────

const yes = (v: string | undefined) => v?.toLowerCase() === 'yes';

/**
 * A signed Tally amount: `-11800.00`, `1,000.00`, or a foreign-currency one
 * (`-100.00 USD @ ₹ 83.00/USD = -₹ 8300.00`), whose value in the base currency follows the `=`.
 */
export function signed(amount: string | undefined): number | undefined {
  if (!amount) return undefined;
  const base = amount.includes('=') ? amount.slice(amount.lastIndexOf('=') + 1) : amount;
  const cleaned = base.replace(/[^\d.-]/g, '');
  if (!/^-?\d+(\.\d+)?$/.test(cleaned)) return undefined;
  return Number(cleaned);
}

/** A Tally amount's magnitude in minor units (Tally's sign says debit or credit, which the record's type already says). */
const magnitude = (amount: string | undefined) => {
  const n = signed(amount);
  return n === undefined ? undefined : toMinor(Math.abs(n));
};

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** Tally's dates: `20240415` (XML exports) or `15-Apr-2024` (some reports) → `2024-04-15`. */
export function tallyDate(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const compact = /^(\d{4})(\d{2})(\d{2})$/.exec(value);
  const named = /^(\d{1,2})-([A-Za-z]{3})-(\d{2}|\d{4})$/.exec(value);
  const [y, m, d] = compact
    ? [Number(compact[1]), Number(compact[2]), Number(compact[3])]
    : named
      ? [Number(named[3]!.length === 2 ? `20${named[3]}` : named[3]), MONTHS.indexOf(named[2]!.toLowerCase()) + 1, Number(named[1])]
      : [NaN, NaN, NaN];
  const date = new Date(Date.UTC(y, m - 1, d));
  if (Number.isNaN(date.getTime()) || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return undefined;
  return date.toISOString().slice(0, 10);
}

function instant(value: string): string {
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new MappingError('malformed_payload', `The batch time "${value}" is not an ISO-8601 instant.`);
  return new Date(t).toISOString();
}

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}

const skip = (what: string, reason: string): Mapped => ({ records: [], ignored: [{ what, reason }] });
