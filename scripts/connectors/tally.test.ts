import { createHmac } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseTallyBatch } from '../../domain/integrations/tally/batch';
import { startHttpStub, type HttpStub, type StubAnswer, type StubbedRequest } from '../../test/http-stub';
import { configFromEnv, runTallySync, type TallySyncOptions } from './tally';

const fixture = (name: string) => readFile(new URL(`../../domain/integrations/tally/fixtures/${name}`, import.meta.url), 'utf8');
const SECRET = `whsec_${Buffer.from('a connection secret of 32 bytes!').toString('base64')}`;
const COMPANY = 'Acme Software & Co';
const EMPTY = '<ENVELOPE><HEADER><VERSION>1</VERSION><STATUS>1</STATUS></HEADER><BODY><DESC></DESC><DATA><COLLECTION></COLLECTION></DATA></BODY></ENVELOPE>';

/** The Standard Webhooks check, written here from the specification rather than taken from the code under test. */
function signedBySecret(req: StubbedRequest): boolean {
  const [id, ts, signature] = [req.headers['webhook-id'], req.headers['webhook-timestamp'], req.headers['webhook-signature']];
  const key = Buffer.from(SECRET.slice('whsec_'.length), 'base64');
  return signature === `v1,${createHmac('sha256', key).update(`${id}.${ts}.${req.body}`).digest('base64')}`;
}

let tally: HttpStub;
let hook: HttpStub;
let dir: string;
let hookAnswers: StubAnswer[];
let sleeps: number[];
let clock: number;

const options = (over: Partial<TallySyncOptions> = {}): TallySyncOptions => ({
  tallyUrl: tally.url,
  hookUrl: `${hook.url}/hooks/tally/conn_1`,
  hookSecret: SECRET,
  company: COMPANY,
  statePath: join(dir, 'state.json'),
  batchSize: 2,
  fromDate: '20000101',
  maxAttempts: 4,
  now: () => new Date((clock += 1000)),
  sleep: async (ms) => {
    sleeps.push(ms);
  },
  ...over,
});
const state = async () => JSON.parse(await readFile(join(dir, 'state.json'), 'utf8'));
const posted = () => hook.requests;

beforeEach(async () => {
  [tally, hook, dir] = await Promise.all([startHttpStub(), startHttpStub(), mkdtemp(join(tmpdir(), 'tally-sync-'))]);
  [hookAnswers, sleeps, clock] = [[], [], Date.parse('2024-06-01T04:30:00Z')];
  const [ledgers, vouchers] = await Promise.all([fixture('ledgers-collection.xml'), fixture('vouchers-collection.xml')]);
  // Like TallyPrime: the collection asked for, only what changed after the ALTERID in its filter.
  tally.on('POST', '/', (req) => {
    const after = Number(/\$AlterID &gt; (\d+)/.exec(req.body)?.[1]);
    if (req.body.includes('<TYPE>Ledger</TYPE>')) return { body: after < 1211 ? ledgers : EMPTY };
    if (req.body.includes('<TYPE>Voucher</TYPE>')) return { body: after < 2312 ? vouchers : EMPTY };
    return { status: 400, body: 'unknown request' };
  });
  hook.on('POST', '/hooks/tally/conn_1', (req) => (signedBySecret(req) ? (hookAnswers.shift() ?? { status: 202, body: { accepted: true } }) : { status: 401, body: { error: 'bad signature' } }));
});

afterEach(async () => {
  await Promise.all([tally.close(), hook.close(), rm(dir, { recursive: true, force: true })]);
});

describe('runTallySync', () => {
  it('asks TallyPrime for debtor ledgers and sales/receipt vouchers changed since ALTERID 0 on a first run', async () => {
    await runTallySync(options());
    expect(tally.requests.map((r) => [r.method, r.url, r.headers['content-type']])).toEqual([
      ['POST', '/', 'text/xml;charset=utf-8'],
      ['POST', '/', 'text/xml;charset=utf-8'],
    ]);
    expect(tally.requests[0]!.body).toBe(
      '<ENVELOPE><HEADER><VERSION>1</VERSION><TALLYREQUEST>Export</TALLYREQUEST><TYPE>Collection</TYPE><ID>CRM Debtor Ledgers</ID></HEADER>' +
        '<BODY><DESC><STATICVARIABLES><SVEXPORTFORMAT>$$SysName:XML</SVEXPORTFORMAT><SVCURRENTCOMPANY>Acme Software &amp; Co</SVCURRENTCOMPANY></STATICVARIABLES>' +
        '<TDL><TDLMESSAGE><COLLECTION NAME="CRM Debtor Ledgers" ISMODIFY="No"><TYPE>Ledger</TYPE><CHILDOF>$$GroupSundryDebtors</CHILDOF><BELONGSTO>Yes</BELONGSTO>' +
        '<FETCH>GUID, MasterID, AlterID, Parent, LedgerContact, LedgerPhone, LedgerMobile, LedgerCountryISDCode, Email, Address, LedStateName, PinCode, PartyGSTIN, LedMailingDetails, LedGSTRegDetails</FETCH>' +
        '<FILTER>CRMChangedLedger</FILTER></COLLECTION><SYSTEM TYPE="Formulae" NAME="CRMChangedLedger">$AlterID &gt; 0</SYSTEM></TDLMESSAGE></TDL></DESC></BODY></ENVELOPE>',
    );
    const voucherRequest = tally.requests[1]!.body;
    expect(voucherRequest).toContain('<SVFROMDATE TYPE="Date">20000101</SVFROMDATE><SVTODATE TYPE="Date">20251231</SVTODATE>');
    expect(voucherRequest).toContain('<TYPE>Voucher</TYPE>');
    expect(voucherRequest).toContain('<FILTER>CRMSalesOrReceipt, CRMChangedVoucher</FILTER>');
    expect(voucherRequest).toContain('<SYSTEM TYPE="Formulae" NAME="CRMSalesOrReceipt">$$IsSales:$VoucherTypeName OR $$IsReceipt:$VoucherTypeName</SYSTEM>');
    expect(voucherRequest).toContain('<SYSTEM TYPE="Formulae" NAME="CRMChangedVoucher">$AlterID &gt; 0</SYSTEM>');
  });

  it('posts the XML in signed batches of at most N objects, ledgers first, and saves the last ALTERIDs', async () => {
    const report = await runTallySync(options());
    expect(report).toEqual({ ledgers: 3, vouchers: 5, batches: 5, state: await state() });
    expect(await state()).toEqual({ ledgers: { alterId: 1211 }, vouchers: { alterId: 2312 }, lastRunAt: '2024-06-01T04:30:01.000Z' });

    expect(posted()).toHaveLength(5);
    for (const req of posted()) {
      expect(req.headers['content-type']).toBe('application/xml');
      expect(signedBySecret(req)).toBe(true);
      expect(req.headers['webhook-id']).toMatch(/^msg_tally_[0-9a-f]{40}$/);
    }
    expect(new Set(posted().map((r) => r.headers['webhook-id'])).size).toBe(5);
    expect(posted().map((r) => Number(r.headers['webhook-timestamp']))).toEqual([1717216202, 1717216203, 1717216204, 1717216205, 1717216206]);

    // Tally's own text for each object, unchanged, in a batch envelope the hook's parser reads.
    const ledgers = await fixture('ledgers-collection.xml');
    const sharma = ledgers.slice(ledgers.indexOf('<LEDGER NAME="Sharma Traders"'), ledgers.indexOf('</LEDGER>') + '</LEDGER>'.length);
    expect(posted()[0]!.body).toContain(sharma);
    expect(posted()[0]!.body.startsWith('<ENVELOPE><HEADER><VERSION>1</VERSION><STATUS>1</STATUS></HEADER><BODY><DESC><STATICVARIABLES><SVCURRENTCOMPANY>Acme Software &amp; Co</SVCURRENTCOMPANY></STATICVARIABLES></DESC><DATA><COLLECTION>')).toBe(true);
    const parsed = posted().map((r) => parseTallyBatch(r.body, { batchAt: '2024-06-01T04:30:00Z' }));
    expect(parsed.map((p) => p.records.map((rec) => `${rec.type} ${rec.externalId}`))).toEqual([
      ['customer.upserted 4a2c1b7e-9f3d-4c1a-8e2b-6d5f0a9c3e11-00000045', 'customer.upserted 4a2c1b7e-9f3d-4c1a-8e2b-6d5f0a9c3e11-00000052'],
      [],
      ['invoice.created SI/24-25/0042', 'invoice.created SI/24-25/0043'],
      ['payment.received 4a2c1b7e-9f3d-4c1a-8e2b-6d5f0a9c3e11-00000a20/SI/24-25/0042', 'payment.received 4a2c1b7e-9f3d-4c1a-8e2b-6d5f0a9c3e11-00000a20/SI/23-24/0311'],
      [],
    ]);
  });

  it('asks only for what changed since on the next run, and posts nothing when nothing did', async () => {
    await runTallySync(options());
    tally.requests.length = 0;
    hook.requests.length = 0;
    const report = await runTallySync(options());
    expect(tally.requests.map((r) => /\$AlterID &gt; \d+/.exec(r.body)?.[0])).toEqual(['$AlterID &gt; 1211', '$AlterID &gt; 2312']);
    expect(report).toMatchObject({ ledgers: 0, vouchers: 0, batches: 0 });
    expect(posted()).toEqual([]);
    expect(await state()).toMatchObject({ ledgers: { alterId: 1211 }, vouchers: { alterId: 2312 } });
  });

  it('retries a 5xx with backoff, with the same webhook-id and a fresh signature', async () => {
    hookAnswers.push({ status: 503, body: 'busy' }, { status: 502, body: 'bad gateway' });
    await runTallySync(options());
    expect(posted()).toHaveLength(7);
    const [first, second, third] = posted();
    expect(second!.headers['webhook-id']).toBe(first!.headers['webhook-id']);
    expect(third!.headers['webhook-id']).toBe(first!.headers['webhook-id']);
    expect(second!.headers['webhook-signature']).not.toBe(first!.headers['webhook-signature']);
    expect(sleeps).toEqual([1000, 2000]);
  });

  it('stops on a 4xx, keeps the state of the last accepted batch, and resumes from there', async () => {
    hookAnswers.push({ status: 202 }, { status: 202 }, { status: 422, body: { error: 'unknown connection' } });
    await expect(runTallySync(options())).rejects.toMatchObject({ name: 'HookRefusedError', status: 422 });
    expect(posted()).toHaveLength(3);
    expect(sleeps).toEqual([]);
    expect(await state()).toMatchObject({ ledgers: { alterId: 1211 }, vouchers: { alterId: 0 } });

    tally.requests.length = 0;
    await runTallySync(options());
    expect(tally.requests.map((r) => /\$AlterID &gt; \d+/.exec(r.body)?.[0])).toEqual(['$AlterID &gt; 1211', '$AlterID &gt; 0']);
    expect(await state()).toMatchObject({ ledgers: { alterId: 1211 }, vouchers: { alterId: 2312 } });
  });

  it('gives up after the attempts on network errors and saves nothing', async () => {
    const gone = await startHttpStub();
    await gone.close();
    await expect(runTallySync(options({ hookUrl: gone.url, maxAttempts: 3 }))).rejects.toMatchObject({ name: 'SyncFailedError' });
    expect(sleeps).toEqual([1000, 2000]);
    await expect(readFile(join(dir, 'state.json'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it("fails on TallyPrime's LINEERROR without posting", async () => {
    tally.on('POST', '/', { body: "<ENVELOPE><HEADER><VERSION>1</VERSION><STATUS>0</STATUS></HEADER><BODY><DESC></DESC><DATA><LINEERROR>Could not set 'SVCurrentCompany' to 'Acme Software &amp; Co'</LINEERROR></DATA></BODY></ENVELOPE>" });
    await expect(runTallySync(options())).rejects.toThrow("TallyPrime refused the request: Could not set 'SVCurrentCompany' to 'Acme Software & Co'");
    expect(posted()).toEqual([]);
  });
});

describe('configFromEnv', () => {
  it('takes the environment, with TallyPrime on its default port', () => {
    expect(configFromEnv([], { CRM_HOOK_URL: 'https://crm.example.in/hooks/tally/conn_1', CRM_HOOK_SECRET: SECRET, TALLY_COMPANY: 'Acme' })).toEqual({
      tallyUrl: 'http://127.0.0.1:9000',
      hookUrl: 'https://crm.example.in/hooks/tally/conn_1',
      hookSecret: SECRET,
      company: 'Acme',
      statePath: '.tally-sync.json',
      batchSize: 200,
      fromDate: '20000101',
      maxAttempts: 6,
    });
  });

  it('lets arguments win, and refuses a secret that is not whsec_…', () => {
    const env = { CRM_HOOK_URL: 'https://crm.example.in/h', CRM_HOOK_SECRET: SECRET };
    expect(configFromEnv(['--batch-size', '50', '--state', '/var/lib/tally.json', '--tally-url', 'http://10.0.0.5:9000'], env)).toMatchObject({ batchSize: 50, statePath: '/var/lib/tally.json', tallyUrl: 'http://10.0.0.5:9000' });
    expect(() => configFromEnv([], { ...env, CRM_HOOK_SECRET: 'hunter2' })).toThrow(/whsec_/);
  });
});
