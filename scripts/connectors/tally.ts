import { createHash } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { SaxesParser } from 'saxes';
import { z } from 'zod';
import { standardSignature } from '../../domain/integrations/signatures';
import { blankControls } from '../../domain/integrations/tally/xml';

/**
 * The TallyPrime connector (DESIGN §9): TallyPrime runs on the customer's own machine, so this
 * small program runs next to it, asks TallyPrime's XML HTTP server (port 9000) for what changed
 * since its last run, and posts that XML, in signed batches, to the connection's hook.
 *
 *   CRM_HOOK_URL=https://…/hooks/tally/<connection> CRM_HOOK_SECRET=whsec_… TALLY_COMPANY="Acme Software LLP" \
 *     npx tsx scripts/connectors/tally.ts [--state .tally-sync.json] [--batch-size 200]
 *
 * Each run exports two collections (TallyPrime developer reference, "XML request and response
 * formats": `<TALLYREQUEST>Export</TALLYREQUEST><TYPE>Collection</TYPE>` with the collection
 * defined inline in `<TDL>`): the ledgers under Sundry Debtors and its sub-groups, and the sales
 * and receipt vouchers, each filtered to `$AlterID > <the last one sent>`. ALTERID is Tally's
 * per-company change counter — masters and vouchers have their own — so it finds edits to old
 * vouchers, which a date range would miss.
 *
 * The objects are posted in ALTERID order, at most `batchSize` to a batch, ledgers first (an
 * invoice's customer arrives before it). Each batch is the export's own XML for those objects in
 * a `<ENVELOPE><BODY><DATA><COLLECTION>` of its own, signed with the Standard Webhooks scheme;
 * its `webhook-id` is a hash of its content, so a retry — in this run or the next — is the same
 * delivery to the hook, which processes it once. The state (the last ALTERIDs sent) is saved
 * after every accepted batch and only then: a failed run resumes where it stopped. A 5xx, 408,
 * 429 or network error is retried with backoff; any other 4xx stops the run (a wrong secret or
 * URL does not get better by trying again).
 */

export interface TallySyncOptions {
  /** TallyPrime's XML server (Help › Settings › Connectivity: "TallyPrime acting as Server"). */
  tallyUrl: string;
  hookUrl: string;
  /** The connection's secret, `whsec_…`, as shown once when the connection was created. */
  hookSecret: string;
  /** The company loaded in TallyPrime to read (SVCURRENTCOMPANY); the active one when absent. */
  company?: string;
  statePath: string;
  /** Objects (ledgers or vouchers) in one batch at most. */
  batchSize: number;
  /** The earliest voucher date asked for, YYYYMMDD (SVFROMDATE). */
  fromDate: string;
  /** Attempts per batch before the run gives up. */
  maxAttempts: number;
  fetch?: typeof fetch;
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
  log?: (line: string) => void;
}

export const TallyState = z.object({
  ledgers: z.object({ alterId: z.number().int().nonnegative() }),
  vouchers: z.object({ alterId: z.number().int().nonnegative() }),
  lastRunAt: z.string().optional(),
});
export type TallyState = z.infer<typeof TallyState>;

export interface SyncReport {
  ledgers: number;
  vouchers: number;
  batches: number;
  state: TallyState;
}

/** The hook refused a batch (a 4xx other than 408/429): the run stops, the state stays where the last accepted batch left it. */
export class HookRefusedError extends Error {
  override readonly name = 'HookRefusedError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** TallyPrime or the hook could not be reached or answered with an error. */
export class SyncFailedError extends Error {
  override readonly name = 'SyncFailedError';
}

type Kind = 'ledgers' | 'vouchers';

export async function runTallySync(opts: TallySyncOptions): Promise<SyncReport> {
  const io = { fetch: opts.fetch ?? fetch, now: opts.now ?? (() => new Date()), sleep: opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms))), log: opts.log ?? (() => {}) };
  let state = await readState(opts.statePath);
  const report = { ledgers: 0, vouchers: 0, batches: 0 };
  const startedAt = io.now();
  const toDate = `${startedAt.getUTCFullYear() + 1}1231`;
  const requests: Record<Kind, (after: number) => string> = {
    ledgers: (after) => ledgerExportRequest(opts.company, after),
    vouchers: (after) => voucherExportRequest(opts.company, after, opts.fromDate, toDate),
  };
  for (const kind of ['ledgers', 'vouchers'] as const) {
    const exported = splitExport(await askTally(opts.tallyUrl, requests[kind](state[kind].alterId), io.fetch));
    io.log(`${kind}: ${exported.length} changed since ALTERID ${state[kind].alterId}`);
    for (let i = 0; i < exported.length; i += opts.batchSize) {
      const batch = exported.slice(i, i + opts.batchSize);
      await postBatch(opts, batchEnvelope(opts.company, batch.map((o) => o.xml)), io);
      state = { ...state, [kind]: { alterId: Math.max(state[kind].alterId, ...batch.map((o) => o.alterId)) }, lastRunAt: startedAt.toISOString() };
      await saveState(opts.statePath, state);
      report[kind] += batch.length;
      report.batches++;
    }
  }
  return { ...report, state };
}

// ── TallyPrime's side ────────────────────────────────────────────────────────────────────────

const xmlText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function exportRequest(id: string, company: string | undefined, variables: string, collection: string, filter: string): string {
  return [
    '<ENVELOPE>',
    '<HEADER><VERSION>1</VERSION><TALLYREQUEST>Export</TALLYREQUEST><TYPE>Collection</TYPE>',
    `<ID>${id}</ID></HEADER>`,
    '<BODY><DESC><STATICVARIABLES><SVEXPORTFORMAT>$$SysName:XML</SVEXPORTFORMAT>',
    `${company ? `<SVCURRENTCOMPANY>${xmlText(company)}</SVCURRENTCOMPANY>` : ''}${variables}</STATICVARIABLES>`,
    `<TDL><TDLMESSAGE><COLLECTION NAME="${id}" ISMODIFY="No">${collection}</COLLECTION>${filter}</TDLMESSAGE></TDL>`,
    '</DESC></BODY></ENVELOPE>',
  ].join('');
}

/** `$AlterID > n` as a TDL system formula; n is an integer, so nothing of the state reaches TDL unchecked. */
const changedSince = (name: string, after: number) => `<SYSTEM TYPE="Formulae" NAME="${name}">$AlterID &gt; ${Math.trunc(after)}</SYSTEM>`;

/** Ledgers of Sundry Debtors and all its sub-groups ($$GroupSundryDebtors is the group whatever the company renamed it to). */
export const ledgerExportRequest = (company: string | undefined, afterAlterId: number) =>
  exportRequest(
    'CRM Debtor Ledgers',
    company,
    '',
    '<TYPE>Ledger</TYPE><CHILDOF>$$GroupSundryDebtors</CHILDOF><BELONGSTO>Yes</BELONGSTO>' +
      '<FETCH>GUID, MasterID, AlterID, Parent, LedgerContact, LedgerPhone, LedgerMobile, LedgerCountryISDCode, Email, Address, LedStateName, PinCode, PartyGSTIN, LedMailingDetails, LedGSTRegDetails</FETCH>' +
      '<FILTER>CRMChangedLedger</FILTER>',
    changedSince('CRMChangedLedger', afterAlterId),
  );

/**
 * Sales and receipt vouchers, of the company's own voucher types too ($$IsSales, $$IsReceipt),
 * over a date range wide enough for every voucher (a voucher collection reads the period only).
 * PARTYLEDGERGUID is the party ledger's GUID, computed by Tally, so an invoice names its
 * customer by the key the customer was sent with.
 */
export const voucherExportRequest = (company: string | undefined, afterAlterId: number, fromDate: string, toDate: string) =>
  exportRequest(
    'CRM Sales and Receipts',
    company,
    `<SVFROMDATE TYPE="Date">${fromDate}</SVFROMDATE><SVTODATE TYPE="Date">${toDate}</SVTODATE>`,
    '<TYPE>Voucher</TYPE>' +
      '<FETCH>GUID, MasterID, AlterID, Date, VoucherTypeName, VoucherNumber, PartyLedgerName, IsCancelled, IsOptional, Narration, AllLedgerEntries, AllInventoryEntries</FETCH>' +
      '<COMPUTE>PartyLedgerGUID : $GUID:Ledger:$PartyLedgerName</COMPUTE>' +
      '<FILTER>CRMSalesOrReceipt, CRMChangedVoucher</FILTER>',
    '<SYSTEM TYPE="Formulae" NAME="CRMSalesOrReceipt">$$IsSales:$VoucherTypeName OR $$IsReceipt:$VoucherTypeName</SYSTEM>' + changedSince('CRMChangedVoucher', afterAlterId),
  );

async function askTally(url: string, request: string, http: typeof fetch): Promise<string> {
  let res: Response;
  try {
    res = await http(url, { method: 'POST', headers: { 'content-type': 'text/xml;charset=utf-8' }, body: request, signal: AbortSignal.timeout(300_000) });
  } catch (error) {
    throw new SyncFailedError(`TallyPrime at ${url} cannot be reached (${error instanceof Error ? error.message : String(error)}): is it running, with a company loaded and "TallyPrime acting as Server" on?`);
  }
  const text = decode(new Uint8Array(await res.arrayBuffer()), res.headers.get('content-type') ?? '');
  if (!res.ok) throw new SyncFailedError(`TallyPrime answered ${res.status}: ${text.slice(0, 200)}`);
  return text;
}

/** Tally answers in UTF-8, or in UTF-16 (little-endian, with a BOM) when it is set to. */
function decode(bytes: Uint8Array, contentType: string): string {
  const utf16 = (bytes[0] === 0xff && bytes[1] === 0xfe) || /charset=utf-16/i.test(contentType);
  return new TextDecoder(utf16 ? 'utf-16le' : 'utf-8').decode(bytes).replace(/^\uFEFF/, '');
}

export interface ExportedObject {
  alterId: number;
  /** The object's XML exactly as Tally wrote it. */
  xml: string;
}

/**
 * The objects of a collection export (the children of `<COLLECTION>`), each as its own text and
 * ALTERID, in ALTERID order. Read as a stream (a first run can export a company's every voucher):
 * no tree is built, a DTD is refused, and a `<LINEERROR>` (a TDL error, no company loaded) fails.
 */
export function splitExport(xml: string): ExportedObject[] {
  const text = blankControls(xml);
  const parser = new SaxesParser<{ xmlns: false }>({ xmlns: false });
  const objects: ExportedObject[] = [];
  const path: string[] = [];
  let start = -1;
  let alterId = 0;
  let capture: 'ALTERID' | 'LINEERROR' | undefined;
  let captured = '';
  parser.on('doctype', () => {
    throw new SyncFailedError('TallyPrime answered with a DTD, which is refused.');
  });
  parser.on('error', (error) => {
    throw new SyncFailedError(`TallyPrime answered with XML that is not well-formed (${error.message}).`);
  });
  parser.on('opentag', (tag) => {
    if (path.at(-1) === 'COLLECTION') [start, alterId] = [text.lastIndexOf(`<${tag.name}`, parser.position - 1), 0];
    const inObject = start >= 0 && path.length === path.lastIndexOf('COLLECTION') + 2;
    if ((tag.name === 'ALTERID' && inObject) || tag.name === 'LINEERROR') [capture, captured] = [tag.name, ''];
    path.push(tag.name);
  });
  parser.on('text', (t) => {
    if (capture) captured += t;
  });
  parser.on('closetag', (tag) => {
    path.pop();
    if (capture === 'LINEERROR' && tag.name === 'LINEERROR') throw new SyncFailedError(`TallyPrime refused the request: ${captured.trim()}`);
    if (capture === 'ALTERID' && tag.name === 'ALTERID') alterId = Number(captured.trim()) || 0;
    if (tag.name === capture) capture = undefined;
    if (path.at(-1) === 'COLLECTION' && start >= 0) {
      objects.push({ alterId, xml: xml.slice(start, parser.position) });
      start = -1;
    }
  });
  parser.write(text).close();
  return objects.sort((a, b) => a.alterId - b.alterId);
}

/** A batch as the hook reads it: a collection export's envelope around the objects it carries. */
export const batchEnvelope = (company: string | undefined, objects: readonly string[]) =>
  [
    '<ENVELOPE><HEADER><VERSION>1</VERSION><STATUS>1</STATUS></HEADER><BODY><DESC>',
    company ? `<STATICVARIABLES><SVCURRENTCOMPANY>${xmlText(company)}</SVCURRENTCOMPANY></STATICVARIABLES>` : '',
    '</DESC><DATA><COLLECTION>\n',
    objects.join('\n'),
    '\n</COLLECTION></DATA></BODY></ENVELOPE>\n',
  ].join('');

// ── the hook's side ──────────────────────────────────────────────────────────────────────────

interface Io {
  fetch: typeof fetch;
  now: () => Date;
  sleep: (ms: number) => Promise<void>;
  log: (line: string) => void;
}

/** The same batch is the same delivery: its id is its content's, so the hook processes it once however often it is sent. */
export const webhookId = (body: string) => `msg_tally_${createHash('sha256').update(body).digest('hex').slice(0, 40)}`;

/** Waits 1 s, 2 s, 4 s … (at most a minute) between attempts. */
export const backoffMs = (attempt: number) => Math.min(60_000, 1000 * 2 ** (attempt - 1));

const retryable = (status: number) => status >= 500 || status === 408 || status === 429;

async function postBatch(opts: TallySyncOptions, body: string, io: Io): Promise<void> {
  const id = webhookId(body);
  let last = '';
  for (let attempt = 1; attempt <= opts.maxAttempts; attempt++) {
    if (attempt > 1) await io.sleep(backoffMs(attempt - 1));
    const timestamp = Math.floor(io.now().getTime() / 1000);
    const headers = {
      'content-type': 'application/xml',
      'webhook-id': id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': standardSignature(opts.hookSecret, id, timestamp, body),
    };
    let res: Response;
    try {
      res = await io.fetch(opts.hookUrl, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(30_000) });
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
      io.log(`batch ${id}: attempt ${attempt} failed (${last})`);
      continue;
    }
    const answer = (await res.text()).slice(0, 200);
    if (res.status >= 200 && res.status < 300) return;
    if (!retryable(res.status)) throw new HookRefusedError(res.status, `The hook refused batch ${id} with ${res.status}: ${answer}`);
    last = `${res.status} ${answer}`;
    io.log(`batch ${id}: attempt ${attempt} answered ${res.status}`);
  }
  throw new SyncFailedError(`The hook did not take batch ${id} after ${opts.maxAttempts} attempts (last: ${last}).`);
}

// ── state ────────────────────────────────────────────────────────────────────────────────────

const initialState: TallyState = { ledgers: { alterId: 0 }, vouchers: { alterId: 0 } };

export async function readState(path: string): Promise<TallyState> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT') return initialState;
    throw error;
  }
  return TallyState.parse(JSON.parse(text));
}

/** Written whole then renamed, so a crash mid-write never leaves half a state. */
async function saveState(path: string, state: TallyState): Promise<void> {
  await writeFile(`${path}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  await rename(`${path}.tmp`, path);
}

// ── the command line ─────────────────────────────────────────────────────────────────────────

const Config = z.object({
  tallyUrl: z.url(),
  hookUrl: z.url(),
  hookSecret: z.string().regex(/^whsec_[A-Za-z0-9+/=]+$/, 'must be the connection secret, whsec_…'),
  company: z.string().min(1).optional(),
  statePath: z.string().min(1),
  batchSize: z.coerce.number().int().min(1).max(1000),
  fromDate: z.string().regex(/^\d{8}$/, 'must be YYYYMMDD'),
  maxAttempts: z.coerce.number().int().min(1).max(20),
});

const USAGE = `usage: npx tsx scripts/connectors/tally.ts [--tally-url URL] [--hook-url URL] [--company NAME] [--state FILE] [--batch-size N] [--from-date YYYYMMDD]
env: TALLY_URL (default http://127.0.0.1:9000), CRM_HOOK_URL, CRM_HOOK_SECRET (whsec_…), TALLY_COMPANY, TALLY_STATE_FILE (default .tally-sync.json),
     TALLY_BATCH_SIZE (default 200), TALLY_FROM_DATE (default 20000101)`;

/** Arguments win over the environment; the secret is taken from the environment only (arguments show in `ps`). */
export function configFromEnv(argv: string[], env: NodeJS.ProcessEnv): TallySyncOptions {
  const { values } = parseArgs({
    args: argv,
    options: { 'tally-url': { type: 'string' }, 'hook-url': { type: 'string' }, company: { type: 'string' }, state: { type: 'string' }, 'batch-size': { type: 'string' }, 'from-date': { type: 'string' } },
  });
  const company = values.company ?? env.TALLY_COMPANY;
  return Config.parse({
    tallyUrl: values['tally-url'] ?? env.TALLY_URL ?? 'http://127.0.0.1:9000',
    hookUrl: values['hook-url'] ?? env.CRM_HOOK_URL,
    hookSecret: env.CRM_HOOK_SECRET,
    ...(company && { company }),
    statePath: values.state ?? env.TALLY_STATE_FILE ?? '.tally-sync.json',
    batchSize: values['batch-size'] ?? env.TALLY_BATCH_SIZE ?? 200,
    fromDate: values['from-date'] ?? env.TALLY_FROM_DATE ?? '20000101',
    maxAttempts: 6,
  });
}

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let opts: TallySyncOptions;
  try {
    opts = configFromEnv(argv, env);
  } catch (error) {
    console.error(`${error instanceof z.ZodError ? z.prettifyError(error) : String(error)}\n\n${USAGE}`);
    return 2;
  }
  try {
    const report = await runTallySync({ ...opts, log: (line) => console.log(line) });
    console.log(`sent ${report.ledgers} ledgers and ${report.vouchers} vouchers in ${report.batches} batches; next run from ALTERID ${report.state.ledgers.alterId} (ledgers), ${report.state.vouchers.alterId} (vouchers)`);
    return 0;
  } catch (error) {
    if (error instanceof HookRefusedError || error instanceof SyncFailedError) {
      console.error(error.message);
      return 1;
    }
    throw error;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exit(await main(process.argv.slice(2)));
}
