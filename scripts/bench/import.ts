import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, createReadStream, createWriteStream, mkdirSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { parse } from 'csv-parse';
import type { AuditEntry } from '../../domain/audit/audit';
import { searchableName, type ClientInput } from '../../domain/clients/client';
import { uniqueContacts } from '../../domain/clients/contacts';
import { fuzzyKeys } from '../../domain/clients/dedup';
import { newClient } from '../../domain/clients/new-client';
import type { Staff } from '../../domain/staff/staff';
import { ids } from '../../functions/lib/ids';
import { createDocumentClient, createDynamoClient } from '../../functions/lib/store/dynamo';
import { actorGuard, auditItem, clientItem, fromItem, staffItem, toItem, type TransactItem } from '../../functions/lib/store/items';
import { keys } from '../../functions/lib/store/keys';
import type { ExportView } from '../../functions/lib/use-cases/exports';
import type { ImportView } from '../../functions/lib/use-cases/imports';
import { startDynamoDbLocal, type DynamoDbLocal } from '../local/dynamodb-local';
import { callRecorder, normalise } from './calls';
import { ablate, IMPORTER, type ImportServerMessage, type ImportServerReady, type ImportServerReply, type RssMark, type RssSample } from './import-server';
import { closedLoop, summarize, type Job, type RunSlice } from './load';
import { procStatus, round, sampleCpu, table, type CpuSample } from './report';
import { apiOf } from './child';

/**
 * `npm run bench:import` — a bulk client import (#12) through the API, the queue and the worker on
 * the local stack, against the DynamoDB Local throughput of the calls its rows make, in the same run:
 *   import ≥ 1,000 rows/s (rows in the file ÷ wall seconds from POST /v1/imports/{id}/start to the
 *   job read back `completed`, polled every 500 ms), with exact counts.
 *
 * DynamoDB Local (in memory) runs in its JVM, the server in a child process (scripts/bench/import-server.ts:
 * the local stack without the event pipeline — HTTP, s3rver, the in-process data queue and worker —
 * seeded with the demo tenants), and this process drives it as the demo tenant's manager:
 *   1. BENCH_EXISTING clients made by a first import (upsert on mobile; the DynamoDB calls of its rows
 *      are recorded on the server, and the raw replay is checked against them);
 *   2. a BENCH_ROWS-row CSV (companyName, ownerName, mobile, email, city, pincode) written to a temp
 *      file as it is generated, never whole in memory: every 50th row bad (alternately the phone
 *      `12345` and no ownerName), every 20th (from row 7; as many as there are existing clients) an
 *      existing client's mobile and fields with another city, the rest new clients with unique valid
 *      mobiles (98…) and names that fold to distinct duplicate keys, so no fuzzy match fires;
 *   3. that file imported with `mode: upsert, matchOn: [mobile]`: uploaded (streamed) to its presigned
 *      URL, started, polled; counts checked against created = rows − bad − duplicates, updated =
 *      duplicates, skipped = 0, failed = bad; the error file's lines = failed + 1 and its rows the bad ones;
 *   4. the tenant's clients exported as CSV (as the same manager): rows/s, and rows = the file's
 *      records = the store's count of clients the manager may read = before + existing + created,
 *      the updated clients carrying their new city;
 *   5. the raw ceiling: the TransactWriteItems a client create makes (built with the store's own key
 *      builders and item codec: client, a claim per contact point, name index, 3 fuzzy index items,
 *      audit, the actor's ConditionCheck), 16 at a time, from this process as the same manager —
 *      alone, after the 3 fuzzy Queries, and after the mobile GetItem + 3 Queries (the calls an upsert
 *      row that creates makes). It writes under a tenant of its own in the same table (the import's
 *      tenant holds only the import's clients), and reads where the import reads, the import tenant's
 *      index partition: DynamoDB Local answers a begins_with Query by reading the whole partition, so
 *      the partition's size is part of the cost. Half of each replay runs before the imports (the
 *      partition empty), half after the export (as the import left it): the import saw every size in
 *      between. An import that does not complete within the deadline is reported as it stood, and
 *      nothing after it but the raw replay runs (the data queue runs one step at a time: an export
 *      would wait behind it).
 * The server child samples its RSS every 200 ms; its peak, and its RSS at each step, are reported.
 *
 * Knobs (environment): BENCH_ROWS (rows of the file, 100000), BENCH_EXISTING (clients made first,
 * default 5 % of BENCH_ROWS), BENCH_RAW_ROWS (rows of each raw replay, 20000, half before and half
 * after) and BENCH_RAW_SECONDS (each half stops after this many measured seconds if it has not done
 * its rows, 60), BENCH_DEADLINE_SECONDS (900: each import must complete within it; the whole run is
 * stopped at twice it + 10 minutes), BENCH_ABLATE (what-if patches in both processes, see
 * scripts/bench/import-server.ts: prefix-between).
 * Output: the figures (PASS/MISS per target and check), the calls per row, CPU ms per row of each
 * process, the RSS timeline; JSON in .bench/import.json (a what-if run: .bench/import.<experiments>.json),
 * the server's log in .bench/import-server.log.
 * Exit code 1 when a check misses, the import does not complete, or the run fails (the throughput
 * target alone does not).
 */
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const num = (name: string, fallback: number) => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? Math.floor(v) : fallback;
};
const rows = num('BENCH_ROWS', 100_000);
const cfg = {
  rows,
  existing: num('BENCH_EXISTING', Math.max(1, Math.round(rows * 0.05))),
  rawRows: num('BENCH_RAW_ROWS', 20_000),
  rawSeconds: num('BENCH_RAW_SECONDS', 60),
  rawWarmupMs: 3000,
  concurrency: 16, // functions/lib/use-cases/imports.ts ROW_CONCURRENCY
  importPollMs: 500,
  exportPollMs: 200,
  deadlineMs: num('BENCH_DEADLINE_SECONDS', 900) * 1000,
};
const targets = { rowsPerSecond: 1000 };
/** What-if patches (BENCH_ABLATE), here for the raw replay as in the server child for the import. */
const experiments = ablate(process.env.BENCH_ABLATE);
const runDeadlineMs = 2 * cfg.deadlineMs + 600_000;
/** Where the raw replay writes: the same table, partitions of its own, the importer's staff record copied in. */
const RAW_TENANT = 'bench-raw';

// ── lifecycle: everything started is stopped, on success, error, Ctrl-C or the deadline ────────

let dynamo: DynamoDbLocal | undefined;
let server: ChildProcess | undefined;
const closers: (() => void)[] = [];
let cleaning: Promise<void> | undefined;

function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    await stopChild(server);
    await dynamo?.stop();
    for (const close of closers.splice(0).reverse()) {
      try {
        close();
      } catch {
        /* best effort */
      }
    }
  })();
  return cleaning;
}

function stopChild(child: ChildProcess | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.stdin?.end(); // the child stops when its stdin closes…
    child.kill('SIGTERM'); // …or on SIGTERM
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  });
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping the server child and DynamoDB Local…`);
    void cleanup().finally(() => process.exit(130));
  });
}
// Last resort if the process exits without cleanup (e.g. an uncaught error): nothing outlives it.
process.once('exit', () => {
  for (const p of [server, dynamo?.process]) if (p && p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
});
const watchdog = setTimeout(() => {
  console.error(`bench:import exceeded ${runDeadlineMs / 1000} s; stopping.`);
  void cleanup().finally(() => process.exit(124));
}, runDeadlineMs);
watchdog.unref();

// ── the server child ─────────────────────────────────────────────────────────────────────────

interface ServerChild {
  ready: ImportServerReady;
  stderrTail: () => string;
  /** Sends a message over IPC and waits for its reply (one question at a time). */
  ask(message: ImportServerMessage): Promise<ImportServerReply>;
}

async function startServer(dynamoEndpoint: string, dynamoPid: number, tmp: string): Promise<ServerChild> {
  const logFile = join(root, '.bench', 'import-server.log');
  mkdirSync(dirname(logFile), { recursive: true });
  const logFd = openSync(logFile, 'w');
  closers.push(() => closeSync(logFd));
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'scripts', 'bench', 'import-server.ts')], {
    cwd: root,
    // TMPDIR: s3rver's objects (the uploaded file) and the outbox land where the benchmark removes them.
    env: { ...process.env, BENCH_DYNAMODB_ENDPOINT: dynamoEndpoint, BENCH_DYNAMODB_PID: String(dynamoPid), TMPDIR: tmp },
    // stdout to a file, as `npm start > log` would: never a pipe this process must drain.
    stdio: ['pipe', logFd, 'pipe', 'ipc'],
  });
  server = child;
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => (stderr = (stderr + d).slice(-8000)));
  const ready = await new Promise<ImportServerReady>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server child did not start within 90 s:\n${stderr}`)), 90_000);
    const exited = (code: number | null) => reject(new Error(`the server child exited (${code}) before it was ready:\n${stderr}`));
    child.once('exit', exited);
    child.once('message', (m: ImportServerReply) => {
      clearTimeout(timer);
      child.off('exit', exited);
      if (m.op === 'ready') resolve(m.ready);
      else reject(new Error(`unexpected first message from the server child: ${JSON.stringify(m)}`));
    });
  });
  const ask = (message: ImportServerMessage) =>
    new Promise<ImportServerReply>((resolve, reject) => {
      // A count reads every client of the tenant: minutes are allowed for it.
      const timer = setTimeout(() => reject(new Error(`the server child did not answer ${message.op}`)), 300_000);
      child.once('message', (reply: ImportServerReply) => {
        clearTimeout(timer);
        if (reply.op === 'error') reject(new Error(`server child: ${reply.message}`));
        else resolve(reply);
      });
      child.send(message);
    });
  return { ready, stderrTail: () => stderr, ask };
}

const expect = <K extends ImportServerReply['op']>(reply: ImportServerReply, op: K): Extract<ImportServerReply, { op: K }> => {
  if (reply.op !== op) throw new Error(`the server child answered ${reply.op}, not ${op}`);
  return reply as Extract<ImportServerReply, { op: K }>;
};

// ── the files ────────────────────────────────────────────────────────────────────────────────

const CITIES = ['Mumbai', 'Delhi', 'Bengaluru', 'Chennai', 'Kolkata', 'Hyderabad', 'Pune', 'Ahmedabad', 'Jaipur', 'Lucknow', 'Kochi', 'Indore', 'Bhopal', 'Nagpur', 'Surat', 'Patna', 'Vadodara', 'Coimbatore', 'Visakhapatnam', 'Chandigarh'];
const COLUMNS = ['companyName', 'ownerName', 'mobile', 'email', 'city', 'pincode'] as const;
type Row = Record<(typeof COLUMNS)[number], string>;

/**
 * A number as a name part whose duplicate key stays distinct: dedup.ts folds repeated characters
 * ("Bench 1001" and "Bench 101" are one key), so its digits are separate words ("1-0-0-1").
 */
const distinct = (n: number) => String(n).padStart(6, '0').split('').join('-');
const phone = (prefix: '96' | '97' | '98', n: number) => `${prefix}${String(n).padStart(8, '0')}`;

/** Existing client k (from 0): mobiles 97…, made by the first import. */
const existingRow = (k: number): Row => ({
  companyName: `Bench Existing ${distinct(k)}`,
  ownerName: `Existing Owner ${distinct(k)}`,
  mobile: phone('97', k + 1),
  email: `existing-${k}@import.bench.example`,
  city: CITIES[k % CITIES.length]!,
  pincode: String(400001 + (k % 500)),
});
/** The row of the same client with another city: an upsert updates it. */
const duplicateRow = (k: number): Row => ({ ...existingRow(k), city: CITIES[(k + 7) % CITIES.length]! });
const newRow = (i: number): Row => ({
  companyName: `Bench Import ${distinct(i)}`,
  ownerName: `Owner ${distinct(i)}`,
  mobile: phone('98', i),
  email: `row-${i}@import.bench.example`,
  city: CITIES[i % CITIES.length]!,
  pincode: String(110001 + (i % 900)),
});

/** What row i (from 1) of the file is: deterministic positions, so the expected counts are exact. */
function planOf(totalRows: number, existing: number) {
  const bad = (i: number) => i % 50 === 0;
  // i % 20 === 7 is odd, never a multiple of 50: a row is bad or a duplicate, never both.
  const duplicateSlot = (i: number) => i % 20 === 7;
  const slots = totalRows >= 7 ? Math.floor((totalRows - 7) / 20) + 1 : 0;
  const duplicates = Math.min(slots, existing);
  const badRows = Math.floor(totalRows / 50);
  return {
    badRows,
    duplicates,
    expected: { total: totalRows, created: totalRows - badRows - duplicates, updated: duplicates, skipped: 0, failed: badRows },
    /** Row i, and which existing client it updates (k), if it does. */
    row(i: number): { row: Row; kind: 'new' | 'bad' | 'duplicate'; k?: number } {
      if (bad(i)) return { row: (i / 50) % 2 === 1 ? { ...newRow(i), mobile: '12345' } : { ...newRow(i), ownerName: '' }, kind: 'bad' };
      if (duplicateSlot(i)) {
        const k = (i - 7) / 20;
        if (k < duplicates) return { row: duplicateRow(k), kind: 'duplicate', k };
      }
      return { row: newRow(i), kind: 'new' };
    },
  };
}

const csvCell = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/** Writes the rows to a CSV file as they are made, a thousand lines a write, waiting for the stream to drain. */
async function writeCsv(file: string, count: number, rowOf: (i: number) => Row): Promise<number> {
  const out = createWriteStream(file);
  const done = new Promise<void>((resolve, reject) => {
    out.once('finish', resolve);
    out.once('error', reject);
  });
  let lines = `${COLUMNS.join(',')}\n`;
  for (let i = 1; i <= count; i++) {
    const r = rowOf(i);
    lines += `${COLUMNS.map((c) => csvCell(r[c])).join(',')}\n`;
    if (i % 1000 === 0 || i === count) {
      if (!out.write(lines)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      lines = '';
    }
  }
  out.end();
  await done;
  return statSync(file).size;
}

/** PUTs the file to the presigned URL as it is read from disk, with the exact length the URL signs. */
async function upload(uploadUrl: string, file: string, size: number): Promise<void> {
  const req = httpRequest(uploadUrl, { method: 'PUT', headers: { 'content-length': String(size) } });
  const answered = new Promise<void>((resolve, reject) => {
    req.once('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`upload: HTTP ${res.statusCode}: ${text.slice(0, 500)}`))));
    });
    req.once('error', reject);
  });
  await Promise.all([pipeline(createReadStream(file), req), answered]);
}

/** A download's bytes, counted as they arrive: newlines, and the CSV records (header excluded) handed to `onRecord`. */
async function readCsv(url: string, onRecord: (record: Record<string, string>) => void): Promise<{ bytes: number; lines: number; records: number }> {
  const res = await fetch(url);
  if (!res.ok || !res.body) throw new Error(`download: HTTP ${res.status}`);
  let bytes = 0;
  let lines = 0;
  const counted = Readable.from(
    (async function* () {
      for await (const chunk of Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>)) {
        const buf = chunk as Buffer;
        bytes += buf.length;
        for (let at = buf.indexOf(10); at !== -1; at = buf.indexOf(10, at + 1)) lines++;
        yield buf;
      }
    })(),
  );
  let records = 0;
  for await (const record of counted.pipe(parse({ bom: true, columns: true }))) {
    records++;
    onRecord(record as Record<string, string>);
  }
  return { bytes, lines, records };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface ImportRun {
  job: ImportView;
  /** False when the deadline passed first: `job` is as it stood then. */
  completed: boolean;
  /** From sending POST …/start to the poll that read the job completed (or failed). */
  wallMs: number;
  /** Date.now() at the start call and at the last poll: the import's span in the server's RSS timeline. */
  span: { from: number; to: number };
  /** When `processed` was seen to move: ms since the start call, and the count. */
  progress: { ms: number; processed: number }[];
  cpu: { serverMs?: number; dynamoMs?: number; loadgenMs: number };
}

/** Creates the import, uploads the file, starts it and polls it every `importPollMs` until it completed or failed. */
async function runImport(api: ReturnType<typeof apiOf>, file: string, size: number, pids: { server: number; dynamo: number }, label: string): Promise<ImportRun> {
  const created = await api<ImportView & { uploadUrl: string }>('POST', '/v1/imports', { entity: 'clients', format: 'csv', mode: 'upsert', matchOn: ['mobile'], size, fileName: `${label}.csv` }, 201);
  await upload(created.uploadUrl, file, size);
  const before: CpuSample = sampleCpu(pids.server, pids.dynamo);
  const d = (a?: number, b?: number) => (a === undefined || b === undefined ? undefined : a - b);
  const t0 = performance.now();
  const from = Date.now();
  await api('POST', `/v1/imports/${created.id}/start`, undefined, 202);
  const progress: ImportRun['progress'] = [];
  let lastLog = 0;
  for (;;) {
    const job = await api<ImportView>('GET', `/v1/imports/${created.id}`, undefined, 200);
    const ms = performance.now() - t0;
    if (job.processed !== (progress.at(-1)?.processed ?? 0)) progress.push({ ms, processed: job.processed });
    if (job.status === 'completed' || job.status === 'failed') {
      const after = sampleCpu(pids.server, pids.dynamo);
      const cpu = { serverMs: d(after.server, before.server), dynamoMs: d(after.dynamo, before.dynamo), loadgenMs: after.loadgen - before.loadgen };
      return { job, completed: job.status === 'completed', wallMs: ms, span: { from, to: Date.now() }, progress, cpu };
    }
    if (ms > cfg.deadlineMs) {
      console.log(`  ${label}: not completed within ${cfg.deadlineMs / 1000} s (BENCH_DEADLINE_SECONDS): ${job.status}, ${job.processed}/${job.total ?? '?'} rows`);
      const after = sampleCpu(pids.server, pids.dynamo);
      const cpu = { serverMs: d(after.server, before.server), dynamoMs: d(after.dynamo, before.dynamo), loadgenMs: after.loadgen - before.loadgen };
      return { job, completed: false, wallMs: ms, span: { from, to: Date.now() }, progress, cpu };
    }
    if (ms - lastLog >= 30_000) {
      lastLog = ms;
      console.log(`  ${label}: ${(ms / 1000).toFixed(0)} s, ${job.status}, ${job.processed.toLocaleString('en')}/${(job.total ?? 0).toLocaleString('en')} rows`);
    }
    await sleep(cfg.importPollMs);
  }
}

// ── the raw replay ───────────────────────────────────────────────────────────────────────────

type RawVariant = 'transact' | 'queries+transact' | 'lookup+queries+transact';
const rawLabel: Record<RawVariant, string> = {
  transact: 'raw TransactWriteItems',
  'queries+transact': 'raw 3 Queries + TransactWriteItems',
  'lookup+queries+transact': 'raw GetItem + 3 Queries + TransactWriteItems',
};

/**
 * What ClientsRepository.create writes for a new client, built with the store's own key builders
 * and item codec (functions/lib/store/clients.dynamodb.ts), with the conditions it sets.
 */
function createItems(tableName: string, tenantId: string, input: ClientInput): { client: ReturnType<typeof newClient>; items: TransactItem[] } {
  const client = newClient(input, { id: ids.client(), staffId: IMPORTER.staffId, now: new Date(), defaultCountry: 'IN' });
  const audit: AuditEntry = { id: ids.audit(), entity: 'client', entityId: client.id, action: 'created', actor: IMPORTER.staffId, actorRole: IMPORTER.role, at: client.createdAt, after: client };
  const index = (key: ReturnType<typeof keys.clientName>) => toItem('client_index', tenantId, key, { clientId: client.id });
  const items: TransactItem[] = [
    { Put: { TableName: tableName, Item: clientItem(tenantId, client), ConditionExpression: 'attribute_not_exists(pk)' } },
    ...uniqueContacts(client).map((c): TransactItem => ({ Put: { TableName: tableName, Item: index(keys.clientContact(tenantId, c.on, c.value)), ConditionExpression: 'attribute_not_exists(pk)', ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } })),
    { Put: { TableName: tableName, Item: index(keys.clientName(tenantId, searchableName(client.companyName), client.id)) } },
    ...fuzzyKeys(client).map((f): TransactItem => ({ Put: { TableName: tableName, Item: index(keys.clientFuzzy(tenantId, f.key, client.id)) } })),
    auditItem(tableName, tenantId, keys.clientAudit(tenantId, client.id, audit.at, audit.id), client.id, audit),
    ...actorGuard(tableName, tenantId, audit).map((w) => w.item),
  ];
  return { client, items };
}

function rawJobs(db: DynamoDBDocumentClient, tableName: string) {
  let n = 0;
  return (variant: RawVariant) => (): Job => {
    const j = ++n;
    // Built before the clock starts (closedLoop times run() only). Reads in the import's tenant, writes in RAW_TENANT.
    const { client, items } = createItems(tableName, RAW_TENANT, { ...newRow(j), companyName: `Bench Raw ${distinct(j)}`, mobile: phone('96', j), email: `raw-${j}@import.bench.example` });
    const lookup = new GetCommand({ TableName: tableName, Key: keys.clientContact(IMPORTER.tenantId, 'mobile', client.mobile), ConsistentRead: true });
    const queries = fuzzyKeys(client).map((f) => new QueryCommand({ TableName: tableName, ...keys.query.clientFuzzy(IMPORTER.tenantId, f.key), Limit: 20 }));
    const write = new TransactWriteCommand({ TransactItems: items });
    return {
      run: async () => {
        if (variant === 'lookup+queries+transact') await db.send(lookup);
        if (variant !== 'transact') await Promise.all(queries.map((q) => db.send(q)));
        await db.send(write);
      },
    };
  };
}

// ── the run ──────────────────────────────────────────────────────────────────────────────────

const fmt = (x: number | undefined, d = 0) => (x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(d));
const verdict = (ok: boolean) => (ok ? 'PASS' : 'MISS');

/** The commit, and whether the code under test has uncommitted changes (others may be editing while this runs). */
const revision = () => ({
  commit: spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).stdout?.trim() || undefined,
  dirty: (spawnSync('git', ['status', '--porcelain', '--', 'functions', 'domain', 'scripts/local'], { cwd: root, encoding: 'utf8' }).stdout ?? '').trim() !== '',
});

async function main() {
  const startedAt = new Date();
  const atStart = revision();
  const loadStart = loadavg();
  const plan = planOf(cfg.rows, cfg.existing);
  console.log(
    `bench:import — ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), Node ${process.version}, load average ${loadStart.map((l) => l.toFixed(2)).join(' ')}\n` +
      `rows ${cfg.rows.toLocaleString('en')} (bad ${plan.badRows}, duplicates ${plan.duplicates}), existing clients ${cfg.existing.toLocaleString('en')}, raw rows up to ${cfg.rawRows.toLocaleString('en')} per replay`,
  );
  if (experiments.length) console.log(`What-if run (BENCH_ABLATE=${experiments.join(',')}): not the product as shipped.`);
  const work = mkdtempSync(join(tmpdir(), 'bench-import-'));
  closers.push(() => rmSync(work, { recursive: true, force: true }));

  const t0 = performance.now();
  dynamo = await startDynamoDbLocal();
  const dynamoPid = dynamo.process.pid!;
  const serverTmp = join(work, 'server');
  mkdirSync(serverTmp);
  const child = await startServer(dynamo.endpoint, dynamoPid, serverTmp);
  const { ready } = child;
  const pids = { server: ready.pid, dynamo: dynamoPid };
  const mark = async (name: string) => expect(await child.ask({ op: 'mark', name }), 'mark').mark;
  const count = async () => expect(await child.ask({ op: 'count', actor: IMPORTER }), 'count');
  console.log(`DynamoDB Local ${dynamo.endpoint} (pid ${dynamoPid}), server ${ready.url} (pid ${ready.pid}); started and seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const marks: RssMark[] = [await mark('start')];
  const api = apiOf(ready.url, ready.token);

  // ── the raw replay: this process, the same SDK configuration as the server's ──
  const rawClient = createDynamoClient({ AWS_REGION: 'ap-south-1', DYNAMODB_ENDPOINT: dynamo.endpoint });
  closers.push(() => rawClient.destroy());
  const db = createDocumentClient(rawClient);
  const { Item: importer } = await db.send(new GetCommand({ TableName: ready.tableName, Key: keys.staff(IMPORTER.tenantId, IMPORTER.staffId), ConsistentRead: true }));
  if (!importer) throw new Error(`no staff record for ${IMPORTER.staffId} in ${IMPORTER.tenantId}`);
  // The actor's ConditionCheck reads their staff record in the tenant written to.
  await db.send(new PutCommand({ TableName: ready.tableName, Item: staffItem(RAW_TENANT, fromItem<Staff>(importer)) }));
  const rawJob = rawJobs(db, ready.tableName);
  const variants: RawVariant[] = ['transact', 'queries+transact', 'lookup+queries+transact'];
  const rawSlices = Object.fromEntries(variants.map((v) => [v, [] as { when: string; slice: RunSlice }[]])) as Record<RawVariant, { when: string; slice: RunSlice }[]>;
  const rawCpu = Object.fromEntries(variants.map((v) => [v, { dynamoMs: 0, loadgenMs: 0, rows: 0 }])) as Record<RawVariant, { dynamoMs: number; loadgenMs: number; rows: number }>;
  const rawHalf = async (when: string) => {
    for (const v of variants) {
      let before: CpuSample | undefined;
      const slice = await closedLoop(
        { concurrency: cfg.concurrency, warmup: { ms: cfg.rawWarmupMs }, measure: { ms: cfg.rawSeconds * 1000, maxCount: Math.ceil(cfg.rawRows / 2) } },
        rawJob(v),
        {
          beforeMeasure: () => (before = sampleCpu(pids.server, dynamoPid)),
          afterMeasure: () => {
            const after = sampleCpu(pids.server, dynamoPid);
            rawCpu[v].dynamoMs += (after.dynamo ?? 0) - (before!.dynamo ?? 0);
            rawCpu[v].loadgenMs += after.loadgen - before!.loadgen;
          },
        },
      );
      if (slice.errors > 0) throw new Error(`${rawLabel[v]} (${when}): ${slice.errors} errors, the first: ${slice.firstError}`);
      rawCpu[v].rows += slice.latencies.length;
      rawSlices[v].push({ when, slice });
      console.log(`  ${rawLabel[v]}: ${slice.latencies.length} rows, ${fmt((slice.latencies.length / slice.elapsedMs) * 1000)} rows/s`);
    }
  };
  // The calls one raw row of each kind makes, to check against the server's.
  const rawCalls = {} as Record<RawVariant, string[]>;
  const rawRecorder = callRecorder(rawClient);
  for (const v of variants) {
    rawRecorder.start();
    await rawJob(v)().run();
    rawCalls[v] = normalise(rawRecorder.take());
  }
  console.log('\nRaw replay, first half (the tenant holding the seed only):');
  await rawHalf('before the imports');
  const baseline = await count();

  // ── 1. the existing clients, by a first import whose calls are recorded ──
  const existingFile = join(work, 'existing.csv');
  const existingSize = await writeCsv(existingFile, cfg.existing, (i) => existingRow(i - 1));
  console.log(`\nExisting clients: importing ${cfg.existing.toLocaleString('en')} rows (${(existingSize / 2 ** 20).toFixed(1)} MB), calls recorded…`);
  expect(await child.ask({ op: 'record' }), 'ok');
  const first = await runImport(api, existingFile, existingSize, pids, 'existing');
  const recorded = expect(await child.ask({ op: 'take' }), 'calls').counts;
  if (!first.completed || first.job.created !== cfg.existing) throw new Error(`the import of the existing clients did not create them all: ${JSON.stringify(first.job)}`);
  console.log(`  ${cfg.existing} created in ${(first.wallMs / 1000).toFixed(1)} s (${fmt(cfg.existing / (first.wallMs / 1000))} rows/s)`);
  // Calls made at least once per row, per row (the chunk's own few reads and writes round away).
  const perRow = Object.entries(recorded)
    .filter(([, n]) => n >= cfg.existing)
    .flatMap(([call, n]) => Array.from({ length: Math.round(n / cfg.existing) }, () => call));
  const sameCalls = JSON.stringify(normalise(perRow)) === JSON.stringify(rawCalls['lookup+queries+transact']);
  marks.push(await mark('after existing'));

  // ── 2. the file ──
  const file = join(work, 'clients.csv');
  const tGen = performance.now();
  const size = await writeCsv(file, cfg.rows, (i) => plan.row(i).row);
  console.log(`\nFile: ${cfg.rows.toLocaleString('en')} rows, ${(size / 2 ** 20).toFixed(1)} MB, written in ${((performance.now() - tGen) / 1000).toFixed(1)} s`);

  // ── 3. the import ──
  const imported = await runImport(api, file, size, pids, 'import');
  marks.push(await mark('after import'));
  const job = imported.job;
  const got = { total: job.total, created: job.created, updated: job.updated, skipped: job.skipped, failed: job.failed };
  const countsPass = imported.completed && (Object.keys(plan.expected) as (keyof typeof plan.expected)[]).every((k) => got[k] === plan.expected[k]);
  const wallSeconds = imported.wallMs / 1000;
  // Not completed: the rows it did in the time it had.
  const rowsPerSecond = (imported.completed ? (job.total ?? cfg.rows) : job.processed) / wallSeconds;
  // The error file: a header, then one line per failed row, naming the bad rows exactly.
  let errorFile: { lines: number; records: number; rowsMatch: boolean; pass: boolean } | undefined;
  if (job.errorFileUrl) {
    const badRows = new Set<number>();
    const { lines, records } = await readCsv(job.errorFileUrl, (r) => badRows.add(Number(r.row)));
    const rowsMatch = badRows.size === plan.badRows && [...badRows].every((i) => plan.row(i).kind === 'bad');
    errorFile = { lines, records, rowsMatch, pass: lines === job.failed + 1 && rowsMatch };
  }
  const errorFilePass = imported.completed && (errorFile?.pass ?? plan.badRows === 0);

  // ── 4. the export (only after a completed import: the data queue runs one step at a time) ──
  let exportRun: { job: ExportView; ms: number; file: Awaited<ReturnType<typeof readCsv>>; expectedRows: number; stored: { total: number; visible: number }; movedCity: number; repeated: number; pass: boolean } | undefined;
  if (imported.completed) {
    const tExport = performance.now();
    const requested = await api<ExportView>('POST', '/v1/exports', { entity: 'clients', format: 'csv', filter: {} }, 202);
    let exported: ExportView;
    for (;;) {
      exported = await api<ExportView>('GET', `/v1/exports/${requested.id}`, undefined, 200);
      if (exported.status === 'completed' || exported.status === 'failed') break;
      if (performance.now() - tExport > cfg.deadlineMs) throw new Error(`export: not completed within ${cfg.deadlineMs / 1000} s: ${JSON.stringify(exported)}`);
      await sleep(cfg.exportPollMs);
    }
    const ms = performance.now() - tExport;
    marks.push(await mark('after export'));
    if (exported.status !== 'completed' || !exported.downloadUrl) throw new Error(`export failed: ${JSON.stringify(exported)}`);
    // The updated clients must carry their new city; each client once.
    let movedCity = 0;
    let repeated = 0;
    const seen = new Set<string>();
    const exportFile = await readCsv(exported.downloadUrl, (r) => {
      if (seen.has(r.id!)) repeated++;
      seen.add(r.id!);
      // Existing client k holds 97 followed by k + 1.
      const k = /^\+9197\d{8}$/.test(r.mobile ?? '') ? Number(r.mobile!.slice(5)) - 1 : -1;
      if (k >= 0 && k < plan.duplicates && r.city === duplicateRow(k).city) movedCity++;
    });
    seen.clear();
    const stored = await count();
    const expectedRows = baseline.visible + first.job.created + job.created;
    const pass = exported.rows === exportFile.records && exportFile.lines === exported.rows + 1 && exported.rows === expectedRows && stored.visible === exported.rows && movedCity === plan.duplicates && repeated === 0;
    exportRun = { job: exported, ms, file: exportFile, expectedRows, stored, movedCity, repeated, pass };
  }

  const memory = expect(await child.ask({ op: 'memory' }), 'memory');
  const serverHwmMb = procStatus(ready.pid).hwmMb;
  // The server's part is done: stopped (DynamoDB Local kept), so that an import still running past
  // the deadline does not share the cores with the raw replay.
  await new Promise<void>((resolve) => {
    server!.once('exit', () => resolve());
    void child.ask({ op: 'stop' }).catch(() => undefined);
    setTimeout(() => server!.kill('SIGKILL'), 10_000).unref();
  });

  // ── 5. the raw replay, second half ──
  console.log('\nRaw replay, second half (the tenant as the import left it; the server stopped):');
  await rawHalf(imported.completed ? 'after the export' : 'after the import was stopped');
  const raw = Object.fromEntries(variants.map((v) => [v, summarize(cfg.concurrency, rawSlices[v].map((s) => s.slice))])) as Record<RawVariant, ReturnType<typeof summarize>>;
  const hwm = { server: serverHwmMb, dynamodbLocal: procStatus(dynamoPid).hwmMb, loadgen: procStatus(process.pid).hwmMb };
  const loadEnd = loadavg();
  const atEnd = revision();

  // RSS while the import ran: its first and last quarter, to tell memory that grows with the file from a flat one.
  const during = (fromShare: number, toShare: number) => {
    const { from, to } = imported.span;
    const inside = memory.samples.filter((s) => s.at >= from + (to - from) * fromShare && s.at <= from + (to - from) * toShare);
    return inside.length ? Math.max(...inside.map((s) => s.rssMb)) : undefined;
  };
  const rssDuring = { firstQuarterMaxMb: during(0, 0.25), lastQuarterMaxMb: during(0.75, 1) };
  const chunkSeconds = imported.progress.map((p, i) => (p.ms - (i === 0 ? 0 : imported.progress[i - 1]!.ms)) / 1000);

  // ── the figures ──
  const e = plan.expected;
  const markOf = (name: string) => marks.find((m) => m.name === name);
  const ratio = (v: RawVariant) => rowsPerSecond / raw[v].throughput;
  const importLine = imported.completed
    ? `import   ${job.total ?? '?'} rows   ${wallSeconds.toFixed(1)} s   ${fmt(rowsPerSecond)} rows/s`
    : job.status === 'failed'
      ? `import   failed after ${wallSeconds.toFixed(1)} s: ${JSON.stringify(job.failure)}`
      : `import   ${cfg.rows} rows   not completed in ${wallSeconds.toFixed(0)} s: ${job.processed} processed (${fmt(rowsPerSecond, 1)} rows/s)`;
  const lines = [
    `bench:import  rows=${cfg.rows} (bad ${plan.badRows}, duplicates ${plan.duplicates})  DynamoDB Local, ${cpus().length} cores${experiments.length ? `  what-if BENCH_ABLATE=${experiments.join(',')}` : ''}`,
    `${importLine}   target ≥ ${targets.rowsPerSecond} rows/s   ${verdict(imported.completed && rowsPerSecond >= targets.rowsPerSecond)}`,
    `         created ${job.created} updated ${job.updated} skipped ${job.skipped} failed ${job.failed}${imported.completed ? '' : ` (of ${job.processed} processed)`}   expected ${e.created}/${e.updated}/${e.skipped}/${e.failed}   ${verdict(countsPass)}`,
    `         error file ${errorFile ? `${errorFile.lines} lines (failed + header = ${job.failed + 1}), its rows the bad ones: ${errorFile.rowsMatch ? 'yes' : 'no'}` : imported.completed ? 'none' : 'not written (import not completed)'}   ${verdict(errorFilePass)}`,
    ...variants.map((v) => `${`${rawLabel[v]} (16 at a time)`.padEnd(58)} ${fmt(raw[v].throughput).padStart(5)} rows/s   import/raw ${ratio(v).toFixed(2)}`),
    exportRun
      ? `export   ${exportRun.job.rows} rows   ${(exportRun.ms / 1000).toFixed(1)} s   ${fmt(exportRun.job.rows / (exportRun.ms / 1000))} rows/s   file ${exportRun.file.lines} lines = rows + header; expected ${exportRun.expectedRows} (store ${exportRun.stored.visible}), new cities ${exportRun.movedCity}/${plan.duplicates}   ${verdict(exportRun.pass)}`
      : `export   not run: the import did not complete (its steps hold the data queue)   ${verdict(false)}`,
    `server RSS  start ${fmt(markOf('start')?.rssMb)} MB  peak ${fmt(memory.peakMb)} MB  after import ${fmt(markOf('after import')?.rssMb)} MB${exportRun ? `  after export ${fmt(markOf('after export')?.rssMb)} MB` : ''}  (file ${(size / 2 ** 20).toFixed(1)} MB)`,
  ];
  console.log(`\n${lines.join('\n')}`);

  console.log(`\nDynamoDB calls per row that creates (recorded on the server during the import of the ${cfg.existing} existing clients; the raw replay makes the same: ${sameCalls ? 'yes' : 'NO'}):`);
  for (const call of [...new Set(perRow)]) console.log(`  ${perRow.filter((c) => c === call).length} × ${call}`);
  if (!sameCalls) console.log(`  ⚠ raw replay: ${rawCalls['lookup+queries+transact'].join(', ')}`);
  console.log('Raw replay by half (rows/s): ' + variants.map((v) => `${v} ${rawSlices[v].map((s) => `${s.when} ${fmt((s.slice.latencies.length / s.slice.elapsedMs) * 1000)} (${s.slice.latencies.length} rows)`).join(', ')}`).join('; '));

  const perRowCpu = (ms: number | undefined, n: number) => (ms === undefined || n === 0 ? '—' : (ms / n).toFixed(2));
  const importRows = imported.completed ? (job.total ?? cfg.rows) : job.processed;
  console.log('\nCPU ms per row, by process (all on the same cores):');
  console.log(
    table(
      ['run', 'server', 'DynamoDB Local', 'this process'],
      [
        ['import', perRowCpu(imported.cpu.serverMs, importRows), perRowCpu(imported.cpu.dynamoMs, importRows), perRowCpu(imported.cpu.loadgenMs, importRows)],
        ...variants.map((v) => [rawLabel[v], '—', perRowCpu(rawCpu[v].dynamoMs, rawCpu[v].rows), perRowCpu(rawCpu[v].loadgenMs, rawCpu[v].rows)]),
      ],
    ),
  );
  console.log(
    `\nImport progress: the counts moved ${chunkSeconds.length} times (a chunk of 5,000 rows each)${chunkSeconds.length ? `: ${chunkSeconds.map((c) => c.toFixed(1)).join(', ')} s (the first includes the scan; each chunk reads the file from its start to its rows)` : ''}`,
  );
  console.log(
    `Server RSS while importing: first quarter max ${fmt(rssDuring.firstQuarterMaxMb)} MB, last quarter max ${fmt(rssDuring.lastQuarterMaxMb)} MB; ` +
      `marks ${marks.map((m) => `${m.name} ${fmt(m.rssMb)} MB (heap ${fmt(m.heapUsedMb)})`).join(', ')}`,
  );
  console.log(`Peak RSS (VmHWM): server child ${fmt(hwm.server)} MB, DynamoDB Local JVM ${fmt(hwm.dynamodbLocal)} MB, this process ${fmt(hwm.loadgen)} MB`);
  console.log(`Load average at start ${loadStart.map((l) => l.toFixed(2)).join(' ')}, at end ${loadEnd.map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`Code: ${atStart.commit}${atStart.dirty ? ' with uncommitted changes under functions/, domain/ or scripts/local/' : ''}${atEnd.commit !== atStart.commit || atEnd.dirty !== atStart.dirty ? ` — ⚠ changed during the run (now ${atEnd.commit}${atEnd.dirty ? ', uncommitted changes' : ''})` : ''}`);
  const stderr = child.stderrTail().trim();
  if (stderr) console.log(`\nServer child stderr (tail):\n${stderr.split('\n').slice(-10).join('\n')}`);

  // A what-if run writes beside the figures of the product as shipped, never over them.
  const out = join(root, '.bench', experiments.length ? `import.${experiments.join('+')}.json` : 'import.json');
  mkdirSync(dirname(out), { recursive: true });
  /** The timeline, one sample a second (the highest of each second). */
  const t00 = memory.samples[0]!.at;
  const timeline = Object.values(
    memory.samples.reduce<Record<number, RssSample>>((acc, s) => {
      const second = Math.floor((s.at - t00) / 1000);
      if (!acc[second] || acc[second].rssMb < s.rssMb) acc[second] = s;
      return acc;
    }, {}),
  ).map((s) => ({ s: (s.at - t00) / 1000, rssMb: s.rssMb, heapUsedMb: s.heapUsedMb }));
  writeFileSync(
    out,
    `${JSON.stringify(
      {
        benchmark: 'bench:import',
        issue: '#12 bulk imports and exports',
        startedAt: startedAt.toISOString(),
        durationSeconds: round((Date.now() - startedAt.getTime()) / 1000, 1),
        commit: atStart.commit,
        uncommittedChanges: atStart.dirty,
        revisionAtEnd: atEnd,
        machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, loadAverageStart: loadStart, loadAverageEnd: loadEnd },
        config: { ...cfg, targets, ablate: experiments },
        summary: lines,
        file: { rows: cfg.rows, bytes: size, badRows: plan.badRows, duplicates: plan.duplicates },
        existing: { rows: cfg.existing, wallSeconds: first.wallMs / 1000, rowsPerSecond: cfg.existing / (first.wallMs / 1000), job: first.job },
        import: {
          completed: imported.completed,
          wallSeconds,
          rowsPerSecond,
          target: targets.rowsPerSecond,
          pass: imported.completed && rowsPerSecond >= targets.rowsPerSecond,
          counts: got,
          expected: e,
          countsPass,
          errorFile,
          job,
          progress: imported.progress,
          chunkSeconds,
          cpuMsPerRow: { server: imported.cpu.serverMs && imported.cpu.serverMs / importRows, dynamodbLocal: imported.cpu.dynamoMs && imported.cpu.dynamoMs / importRows },
        },
        raw: Object.fromEntries(
          variants.map((v) => [
            v,
            {
              label: rawLabel[v],
              rowsPerSecond: raw[v].throughput,
              halves: rawSlices[v].map((s) => ({ when: s.when, rows: s.slice.latencies.length, rowsPerSecond: (s.slice.latencies.length / s.slice.elapsedMs) * 1000 })),
              p50Ms: raw[v].p50,
              p95Ms: raw[v].p95,
              importOverRaw: ratio(v),
              calls: rawCalls[v],
              cpuMsPerRow: { dynamodbLocal: rawCpu[v].dynamoMs / rawCpu[v].rows, loadgen: rawCpu[v].loadgenMs / rawCpu[v].rows },
            },
          ]),
        ),
        callsPerCreatedRow: { recorded, perRow: normalise(perRow), rawSame: sameCalls },
        export: exportRun && {
          rows: exportRun.job.rows,
          seconds: exportRun.ms / 1000,
          rowsPerSecond: exportRun.job.rows / (exportRun.ms / 1000),
          size: exportRun.job.size,
          file: exportRun.file,
          expectedRows: exportRun.expectedRows,
          baseline,
          stored: exportRun.stored,
          movedCity: exportRun.movedCity,
          repeated: exportRun.repeated,
          pass: exportRun.pass,
        },
        serverRss: { peakMb: memory.peakMb, marks, duringImport: rssDuring, timeline },
        peakRssMb: hwm,
      },
      (_k, v: unknown) => (typeof v === 'number' ? round(v, 3) : v),
      2,
    )}\n`,
  );
  console.log(`\nResults: ${relative(process.cwd(), out)}`);
  if (!countsPass || !errorFilePass || !exportRun?.pass || !sameCalls) process.exitCode = 1;
}

try {
  await main();
} catch (error) {
  console.error('\nbench:import failed:', error);
  process.exitCode = 1;
} finally {
  await cleanup();
}
