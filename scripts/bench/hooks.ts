import { spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Delivery } from '../../domain/integrations/connection';
import { deliveryIdOf } from '../../domain/integrations/connection';
import { ids } from '../../functions/lib/ids';
import { createDocumentClient, createDynamoClient } from '../../functions/lib/store/dynamo';
import { toItem } from '../../functions/lib/store/items';
import { keys } from '../../functions/lib/store/keys';
import type { StoredDelivery } from '../../functions/lib/use-cases/ports';
import { startDynamoDbLocal, type DynamoDbLocal } from '../local/dynamodb-local';
import { callRecorder } from './calls';
import { apiOf, guardRun, startBenchChild, type BenchChild } from './child';
import { HOOKS_ADMIN, whatIfs, type Finished, type HooksServerMessage, type HooksServerReady, type HooksServerReply } from './hooks-server';
import { closedLoop, HttpClient, HttpError, summarize, type Job, type RunSlice, type RunStats } from './load';
import { procStatus, round, sampleCpu, type CpuSample } from './report';

/**
 * `npm run bench:hooks [-- --n 3000 --concurrency 50]` — the inbound path of #13 on the local
 * stack, against DynamoDB Local's PutItem rate measured in the same run (DESIGN §7, §9):
 *   POST /hooks/{tenant}/{connection} accepted/s (202s a second) at 50 concurrent ≥ 70 % of raw
 *   PutItem/s at 50 concurrent, the item a delivery's (same payload, same condition).
 *
 * DynamoDB Local (in memory) runs in its JVM, the server in a child process (scripts/bench/hooks-server.ts:
 * the local stack without the event pipeline, its in-process inbound queue and worker, the demo
 * tenants seeded), and this process drives it:
 *   1. a `generic` connection created as the demo tenant's admin (POST /v1/integrations → {id, secret});
 *   2. one delivery with the server's DynamoDB calls recorded (the hook's, then the worker's), and a
 *      warm-up of `warmup` deliveries, drained (unmeasured: the JIT of both Node processes and the JVM);
 *   3. raw, first half: n/2 PutItem of delivery items (built with the store's key builders and codec,
 *      a ~1 KB payload as the hooks', `attribute_not_exists(pk)`), then n/2 GetItem of the connection
 *      + that PutItem (the two calls a hook makes, in its order), each at `concurrency`;
 *   4. hooks: n signed deliveries (Standard Webhooks, signed here with an HMAC of our own; a unique
 *      webhook-id each; the body one `customer.upserted` record with a unique mobile, ~1 KB) at
 *      `concurrency`, closed loop: accepted/s, p50/p95 of the 202, every other status counted;
 *   5. lag: the inbound queue drained (the child waits on it); for each delivery, from the moment
 *      this process read its 202 to the moment the worker's write marking it processed was
 *      acknowledged (noted in the child) — and, beside it, `processedAt − receivedAt` as the
 *      delivery log shows it (GET /v1/integrations/{id}/deliveries, every page), which also checks
 *      that every delivery is there and processed, with one client created;
 *   6. raw, second half (the table as the hooks left it; the server idle);
 *   7. peak RSS (VmHWM) of the server child and the JVM.
 * The worker runs while the hooks are posted (as it would in AWS, though there in its own Lambda):
 * the accepted/s figure is the receipt path sharing the process and cores with processing (the
 * output says how many deliveries the worker finished meanwhile).
 *
 * Options: --n (deliveries measured, 1500; also the raw requests of each kind), --concurrency (50),
 * --warmup (deliveries before, 200), --drain-seconds (180: past it the lag is reported as it stood),
 * --what-if (comma list of patches in the server child that price a suggested change without
 * making it, see scripts/bench/hooks-server.ts: connection-cache).
 * Output: the table, the calls per delivery, CPU ms per request; JSON in .bench/hooks.json (a
 * what-if run: .bench/hooks.<experiments>.json), the
 * server's log in .bench/hooks-server.log. Exit code 1 when a delivery is refused, lost or not
 * processed, or the run fails (the throughput target alone does not).
 */
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { values: argv } = parseArgs({
  options: { n: { type: 'string' }, concurrency: { type: 'string' }, warmup: { type: 'string' }, 'drain-seconds': { type: 'string' }, 'what-if': { type: 'string' } },
  allowPositionals: false,
});
const positive = (name: string, v: string | undefined, fallback: number) => {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer, not ${v}`);
  return n;
};
const cfg = {
  // 1,500: the worker drains 25–30 deliveries/s on 2 cores (one at a time), so the run stays within ~2 minutes.
  n: positive('n', argv.n, 1500),
  concurrency: positive('concurrency', argv.concurrency, 50),
  warmup: positive('warmup', argv.warmup, 200),
  drainMs: positive('drain-seconds', argv['drain-seconds'], 180) * 1000,
  rawWarmupMs: 1000,
  /** The payload a delivery carries: "~1 KB", as an ERP's single customer record. */
  bodyBytes: 1024,
};
const targets = { ratio: 0.7 };
/** What-if patches in the server child (scripts/bench/hooks-server.ts WHAT_IFS); none by default. */
const experiments = whatIfs(argv['what-if']);
/** The whole run is stopped past this, and everything it started with it. */
const runDeadlineMs = cfg.drainMs + 300_000;

// ── lifecycle: everything started is stopped, on success, error, Ctrl-C or the deadline ────────
// (scripts/bench/child.ts: the server child, its IPC, the signals and the watchdog)

type ServerChild = BenchChild<HooksServerReady, HooksServerMessage, HooksServerReply>;
let dynamo: DynamoDbLocal | undefined;
let server: ServerChild | undefined;
const closers: (() => void)[] = [];
const cleanup = guardRun({
  name: 'bench:hooks',
  deadlineMs: runDeadlineMs,
  processes: () => [server?.process, dynamo?.process],
  cleanup: async () => {
    await server?.stop();
    await dynamo?.stop();
    for (const close of closers.splice(0).reverse()) {
      try {
        close();
      } catch {
        /* best effort */
      }
    }
  },
});

// ── the server child ─────────────────────────────────────────────────────────────────────────

async function startServer(dynamoEndpoint: string, dynamoPid: number): Promise<ServerChild> {
  server = await startBenchChild<HooksServerReady, HooksServerMessage, HooksServerReply>({
    script: join(root, 'scripts', 'bench', 'hooks-server.ts'),
    cwd: root,
    env: { BENCH_DYNAMODB_ENDPOINT: dynamoEndpoint, BENCH_DYNAMODB_PID: String(dynamoPid), BENCH_WHAT_IF: experiments.join(',') },
    // stdout (the request and worker logs) to a file, as `npm start > log` would.
    logFile: join(root, '.bench', 'hooks-server.log'),
  });
  return server;
}

// ── the deliveries ───────────────────────────────────────────────────────────────────────────

/**
 * Standard Webhooks signing, written here from the specification (not the code under test), as
 * functions/http/integrations/integrations.int.test.ts does: HMAC-SHA256 of id.timestamp.body with
 * the base64-decoded key.
 */
function sign(secret: string, id: string, body: string, at = Math.floor(Date.now() / 1000)): Record<string, string> {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const signature = createHmac('sha256', key).update(`${id}.${at}.${body}`).digest('base64');
  return { 'webhook-id': id, 'webhook-timestamp': String(at), 'webhook-signature': `v1,${signature}` };
}

/**
 * A number as a name part whose duplicate key stays distinct: dedup.ts folds repeated characters
 * ("Bench 1001" and "Bench 101" are one key), so its digits are separate words — as
 * scripts/bench/import.ts's `distinct` (not importable: that module runs its benchmark when loaded).
 */
const distinct = (n: number) => String(n).padStart(6, '0').split('').join('-');
const CITIES = ['Mumbai', 'Delhi', 'Bengaluru', 'Chennai', 'Kolkata', 'Hyderabad', 'Pune', 'Ahmedabad', 'Jaipur', 'Lucknow'];
const ADDRESS = 'Unit 4, Second Floor, Bench Industrial Estate, Off Link Road, Near the Old Water Tank, Behind the Post Office, Ward 12, Taluka Haveli, District Pune, Maharashtra, India. Deliveries between 10:00 and 18:00 on working days only; call the stores desk on arrival. Billing queries to the accounts department, quoting the customer code. ';
const UPDATED_AT = '2026-11-30T10:00:00Z';

/**
 * Delivery i's body: one `customer.upserted` record (a unique external id, mobile 98… and a name
 * that folds to a key of its own, so no dedup rule matches another), pretty-printed as ERPs send
 * it, its billing address as long as makes the body `bodyBytes` (the address takes at most 500).
 */
function bodyOf(i: number): string {
  const record = (address: string) => ({
    type: 'customer.upserted',
    externalId: `BENCH-${i}`,
    data: {
      companyName: `Bench Hook Traders and Distributors Private Limited ${distinct(i)}`,
      ownerName: `Proprietor ${distinct(i)}`,
      mobile: `98${String(i).padStart(8, '0')}`,
      email: `accounts.hook-${i}@bench-hook-traders.example`,
      address,
      city: CITIES[i % CITIES.length]!,
      pincode: String(411001 + (i % 50)),
      updatedAt: UPDATED_AT,
    },
  });
  const bare = JSON.stringify(record('x'), null, 2);
  const length = Math.max(1, Math.min(500, cfg.bodyBytes - bare.length + 1));
  return JSON.stringify(record(ADDRESS.repeat(2).slice(0, length).trimEnd()), null, 2);
}

/** The delivery item the hook stores for webhook-id `webhookId`, as storeAndQueue builds it (functions/lib/use-cases/inbound.ts). */
function deliveryItem(tenantId: string, connectionId: string, webhookId: string, body: string): Record<string, unknown> {
  const providerDeliveryId = `webhook-id:${webhookId}`;
  const d: StoredDelivery = {
    id: deliveryIdOf(`${connectionId}|${providerDeliveryId}`),
    connectionId,
    provider: 'generic',
    providerDeliveryId,
    receivedAt: new Date().toISOString(),
    status: 'queued',
    attempts: 0,
    payload: { bytes: Buffer.byteLength(body), contentType: 'application/json' },
    headers: { 'content-type': 'application/json', 'webhook-id': webhookId, 'webhook-timestamp': String(Math.floor(Date.now() / 1000)) },
    raw: Buffer.from(body),
    version: 1,
  };
  return toItem('delivery', tenantId, { ...keys.delivery(tenantId, connectionId, d.id), ...keys.deliveryIndexes(tenantId, d) }, d);
}

// ── the run ──────────────────────────────────────────────────────────────────────────────────

const fmt = (x: number | undefined, d = 0) => (x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(d));

/** p-th quantile (nearest rank) of ascending `sorted`. */
const quantile = (sorted: readonly number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]! : NaN);
const spread = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b);
  return { count: s.length, p50: quantile(s, 0.5), p95: quantile(s, 0.95), max: s.length ? s[s.length - 1]! : NaN, min: s.length ? s[0]! : NaN };
};

/** The commit, and whether the code under test has uncommitted changes (others may be editing while this runs). */
const revision = () => ({
  commit: spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).stdout?.trim() || undefined,
  dirty: (spawnSync('git', ['status', '--porcelain', '--', 'functions', 'domain', 'scripts/local'], { cwd: root, encoding: 'utf8' }).stdout ?? '').trim() !== '',
});

async function main() {
  const startedAt = new Date();
  const atStart = revision();
  const loadStart = loadavg();
  console.log(`bench:hooks — ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), Node ${process.version}, load average ${loadStart.map((l) => l.toFixed(2)).join(' ')}`);
  if (experiments.length) console.log(`What-if run (--what-if ${experiments.join(',')}): not the product as shipped.`);
  const t0 = performance.now();
  dynamo = await startDynamoDbLocal();
  const dynamoPid = dynamo.process.pid!;
  const child = await startServer(dynamo.endpoint, dynamoPid);
  const { ready } = child;
  const tenantId = HOOKS_ADMIN.tenantId;
  console.log(`DynamoDB Local ${dynamo.endpoint} (pid ${dynamoPid}), server ${ready.url} (pid ${ready.pid}); started and seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const rssAtStart = { server: procStatus(ready.pid).rssMb, dynamodbLocal: procStatus(dynamoPid).rssMb };

  // ── 1. the connection ──
  const api = apiOf(ready.url, ready.token);
  const conn = await api<{ id: string; secret: string; webhookUrl: string }>('POST', '/v1/integrations', { provider: 'generic', name: 'Bench hooks', settings: {} }, 201);
  const hookPath = `/hooks/${tenantId}/${conn.id}`;
  const http = new HttpClient(ready.url, cfg.concurrency);
  closers.push(() => http.close());

  /** Accepted deliveries: id → Date.now() when this process had read the 202. */
  const acceptedAt = new Map<string, number>();
  const statuses: Record<string, number> = {};
  const runTag = startedAt.getTime().toString(36);
  const hookJob = (i: number, accepted?: Map<string, number>): Job => {
    const body = bodyOf(i);
    const headers = sign(conn.secret, `bench-${runTag}-${i}`, body);
    return {
      run: async () => {
        const res = await http.send('POST', hookPath, headers, body);
        const at = Date.now();
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        if (res.status !== 202) throw new HttpError(res.status, res.text);
        const receipt = JSON.parse(res.text) as { deliveryId: string; duplicate?: true };
        if (receipt.duplicate) throw new Error(`delivery ${i} answered as a duplicate: ${res.text}`);
        accepted?.set(receipt.deliveryId, at);
      },
    };
  };
  const finished = new Map<string, { at: number; status: string }>();
  const collect = async () => {
    for (const [id, at, status] of (await child.ask({ op: 'finished' }, 'finished')).finished as Finished[]) finished.set(id, { at, status });
  };
  /** Waits for the inbound queue to drain, collecting finish times, up to `deadline` (performance.now()). */
  const drain = async (deadline: number, progress?: (done: number) => void): Promise<{ idle: boolean; at: number }> => {
    let lastLog = performance.now();
    for (;;) {
      const left = deadline - performance.now();
      const r = await child.ask({ op: 'drain', timeoutMs: Math.max(1, Math.min(2000, left)) }, 'drained', 10_000);
      await collect();
      if (r.idle || left <= 2000) return { idle: r.idle, at: r.at };
      if (progress && performance.now() - lastLog >= 10_000) {
        lastLog = performance.now();
        progress(finished.size);
      }
    }
  };

  // ── 2. one delivery's calls, then the warm-up ──
  let nextIndex = cfg.n; // measured deliveries are 0 … n-1; the rest come after them
  await child.ask({ op: 'record' }, 'ok');
  await hookJob(nextIndex++).run();
  await drain(performance.now() + 30_000);
  const recorded = (await child.ask({ op: 'take' }, 'calls')).calls;
  // The hook sends its calls before it queues the delivery; the worker's come after the hook's write.
  const stored = recorded.indexOf('PutItem:delivery') + 1;
  const serverCalls = { hook: recorded.slice(0, stored), worker: recorded.slice(stored) };

  const warm: RunSlice = await closedLoop({ concurrency: cfg.concurrency, warmup: { count: 0 }, measure: { count: cfg.warmup } }, () => hookJob(nextIndex++));
  if (warm.errors) throw new Error(`warm-up: ${warm.errors} deliveries refused, the first: ${warm.firstError}`);
  await drain(performance.now() + cfg.drainMs);
  finished.clear();
  for (const k of Object.keys(statuses)) delete statuses[k];

  // ── 3. raw, first half: this process, the same SDK configuration as the server's ──
  const rawClient = createDynamoClient({ AWS_REGION: 'ap-south-1', DYNAMODB_ENDPOINT: dynamo.endpoint });
  closers.push(() => rawClient.destroy());
  const db = createDocumentClient(rawClient);
  // Its own partition (a connection id no hook posts to), in the same table and tenant.
  const rawConnection = ids.connection();
  let rawN = 0;
  const rawPut = (): Job => {
    const j = rawN++;
    const body = bodyOf(j);
    const put = new PutCommand({ TableName: ready.tableName, Item: deliveryItem(tenantId, rawConnection, `raw-${runTag}-${j}`, body), ConditionExpression: 'attribute_not_exists(pk)' });
    return { run: async () => void (await db.send(put)) };
  };
  // The hook's calls: the connection (as IntegrationsRepository.getConnection reads it), then the delivery.
  const connectionGet = new GetCommand({ TableName: ready.tableName, Key: keys.connection(tenantId, conn.id) });
  const rawGetPut = (): Job => {
    const put = rawPut();
    return {
      run: async () => {
        await db.send(connectionGet);
        await put.run();
      },
    };
  };
  const rawRecorder = callRecorder(rawClient);
  rawRecorder.start();
  await rawGetPut().run();
  const rawCalls = rawRecorder.take();
  const sameCalls = JSON.stringify(rawCalls) === JSON.stringify(serverCalls.hook);

  type RawKind = 'put' | 'getPut';
  const rawSlices: Record<RawKind, RunSlice[]> = { put: [], getPut: [] };
  const rawCpu: Record<RawKind, { dynamoMs: number; loadgenMs: number }> = { put: { dynamoMs: 0, loadgenMs: 0 }, getPut: { dynamoMs: 0, loadgenMs: 0 } };
  const rawHalf = async (when: string) => {
    for (const kind of ['put', 'getPut'] as const) {
      let before: CpuSample | undefined;
      const slice = await closedLoop({ concurrency: cfg.concurrency, warmup: { ms: cfg.rawWarmupMs }, measure: { count: Math.ceil(cfg.n / 2) } }, kind === 'put' ? rawPut : rawGetPut, {
        beforeMeasure: () => (before = sampleCpu(ready.pid, dynamoPid)),
        afterMeasure: () => {
          const after = sampleCpu(ready.pid, dynamoPid);
          rawCpu[kind].dynamoMs += (after.dynamo ?? 0) - (before!.dynamo ?? 0);
          rawCpu[kind].loadgenMs += after.loadgen - before!.loadgen;
        },
      });
      if (slice.errors) throw new Error(`raw ${kind} (${when}): ${slice.errors} errors, the first: ${slice.firstError}`);
      rawSlices[kind].push(slice);
      console.log(`  raw ${kind === 'put' ? 'PutItem' : 'GetItem + PutItem'} (${when}): ${slice.latencies.length} in ${fmt(slice.elapsedMs)} ms, ${fmt((slice.latencies.length / slice.elapsedMs) * 1000)}/s`);
    }
  };
  await rawHalf('before the hooks');

  // ── 4. the hooks ──
  let cpuBefore: CpuSample | undefined;
  let cpuAfter: CpuSample | undefined;
  let i = 0;
  const hooksSlice = await closedLoop({ concurrency: cfg.concurrency, warmup: { count: 0 }, measure: { count: cfg.n } }, () => (i < cfg.n ? hookJob(i++, acceptedAt) : undefined), {
    beforeMeasure: () => (cpuBefore = sampleCpu(ready.pid, dynamoPid)),
    afterMeasure: () => (cpuAfter = sampleCpu(ready.pid, dynamoPid)),
  });
  const lastAccepted = Math.max(...acceptedAt.values());
  const hooks = summarize(cfg.concurrency, [hooksSlice]);
  console.log(`  POST /hooks: ${hooks.count} accepted in ${fmt(hooks.elapsedMs)} ms, ${fmt(hooks.throughput)}/s; ${hooks.errors} refused${hooks.firstError ? ` (the first: ${hooks.firstError})` : ''}`);

  // ── 5. the lag ──
  const drained = await drain(performance.now() + cfg.drainMs, (done) => console.log(`  draining: ${done}/${acceptedAt.size} processed, ${((Date.now() - lastAccepted) / 1000).toFixed(0)} s after the last 202`));
  const cpuDrained = sampleCpu(ready.pid, dynamoPid);
  const lags: number[] = [];
  const finishStatus: Record<string, number> = {};
  for (const [id, at] of acceptedAt) {
    const f = finished.get(id);
    if (!f) continue;
    finishStatus[f.status] = (finishStatus[f.status] ?? 0) + 1;
    lags.push(f.at - at);
  }
  const lag = spread(lags);
  const finishTimes = [...acceptedAt.keys()].map((id) => finished.get(id)?.at).filter((x): x is number => x !== undefined);
  const lastFinished = finishTimes.length ? Math.max(...finishTimes) : NaN;
  const firstAccepted = Math.min(...acceptedAt.values());
  // The worker's pace: it runs one message at a time (scripts/local/data-queue.ts startLocalQueue).
  const workerPerSecond = (finishTimes.length / (lastFinished - firstAccepted)) * 1000;

  // The delivery log, every page, as the admin reads it: all there, processed, one client created each.
  const log = new Map<string, Delivery>();
  let cursor: string | undefined;
  do {
    const page = await api<{ items: Delivery[]; nextCursor?: string }>('GET', `/v1/integrations/${conn.id}/deliveries?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, undefined, 200);
    for (const d of page.items) log.set(d.id, d);
    cursor = page.nextCursor;
  } while (cursor);
  const measured = [...acceptedAt.keys()].map((id) => log.get(id));
  const inLog = measured.filter((d): d is Delivery => d !== undefined);
  const processed = inLog.filter((d) => d.status === 'processed');
  const createdOne = processed.filter((d) => d.counts?.created === 1).length;
  const loggedLag = spread(processed.filter((d) => d.processedAt).map((d) => Date.parse(d.processedAt!) - Date.parse(d.receivedAt)));
  const firstFailed = inLog.find((d) => d.status === 'failed');
  // How far the record's processedAt is from the write that marked it processed (the worker's processing time, if it is stamped at pickup).
  const stampGap = spread(processed.flatMap((d) => (d.processedAt && finished.has(d.id) ? [finished.get(d.id)!.at - Date.parse(d.processedAt)] : [])));
  // One delivery read by id, as the admin reads it.
  const sample = inLog[Math.floor(inLog.length / 2)];
  const one = sample && (await api<Delivery>('GET', `/v1/integrations/${conn.id}/deliveries/${sample.id}`, undefined, 200));
  const allProcessed = drained.idle && acceptedAt.size === cfg.n && processed.length === cfg.n && lags.length === cfg.n;

  // Peak RSS, read before anything is stopped.
  const hwm = { server: procStatus(ready.pid).hwmMb, dynamodbLocal: procStatus(dynamoPid).hwmMb, loadgen: procStatus(process.pid).hwmMb };

  // ── 6. raw, second half: the server's part done ──
  await rawHalf('after the hooks');
  const raw = summarize(cfg.concurrency, rawSlices.put);
  const rawGP = summarize(cfg.concurrency, rawSlices.getPut);
  const ratio = hooks.throughput / raw.throughput;
  const loadEnd = loadavg();
  const atEnd = revision();

  // ── the figures ──
  const bodySizes = spread(Array.from({ length: cfg.n }, (_, k) => Buffer.byteLength(bodyOf(k))));
  const ms = (s: { p50: number; p95: number }) => `p50 ${fmt(s.p50, 1)} ms  p95 ${fmt(s.p95, 1)} ms`;
  const nonAccepted = Object.entries(statuses).filter(([s]) => s !== '202');
  const lines = [
    `bench:hooks  n=${cfg.n} concurrency=${cfg.concurrency}${experiments.length ? `  what-if ${experiments.join(',')}` : ''}`,
    `raw PutItem        ${fmt(raw.throughput).padStart(5)} puts/s     ${ms(raw)}`,
    `POST /hooks        ${fmt(hooks.throughput).padStart(5)} accepted/s ${ms(hooks)}  non-202: ${hooks.errors}${nonAccepted.length ? ` (${nonAccepted.map(([s, c]) => `${s}×${c}`).join(', ')})` : ''}   ratio ${fmt(ratio * 100)} % (target ≥ ${targets.ratio * 100} %) ${ratio >= targets.ratio ? 'PASS' : 'MISS'}`,
    `202 → processed    p50 ${fmt(lag.p50)} ms  p95 ${fmt(lag.p95)} ms  max ${fmt(lag.max)} ms  (all ${cfg.n} processed: ${allProcessed ? 'yes' : `no — ${processed.length} processed, ${lags.length} seen finishing${drained.idle ? '' : `, queue not drained in ${cfg.drainMs / 1000} s`}`})`,
    `peak RSS           server ${fmt(hwm.server)} MB  dynamodb-local ${fmt(hwm.dynamodbLocal)} MB`,
  ];
  console.log(`\n${lines.join('\n')}`);

  const cpuPer = (a: number | undefined, b: number | undefined, n: number) => (a === undefined || b === undefined || n === 0 ? undefined : (b - a) / n);
  const hookCpu = {
    server: cpuPer(cpuBefore?.server, cpuAfter?.server, hooks.count),
    dynamo: cpuPer(cpuBefore?.dynamo, cpuAfter?.dynamo, hooks.count),
    loadgen: cpuPer(cpuBefore?.loadgen, cpuAfter?.loadgen, hooks.count),
  };
  const drainCpu = { server: cpuPer(cpuAfter?.server, cpuDrained.server, cfg.n), dynamo: cpuPer(cpuAfter?.dynamo, cpuDrained.dynamo, cfg.n) };
  // With every process on the same cores, the CPU a request costs bounds the throughput: raw's over the hook's is the ratio the CPU allows.
  const cpuTotal = (...xs: (number | undefined)[]) => xs.reduce<number>((t, x) => t + (x ?? NaN), 0);
  const duringHooks = finishTimes.filter((at) => at <= lastAccepted).length;
  const rawPer = (k: RawKind) => ({ dynamo: rawCpu[k].dynamoMs / (rawSlices[k].reduce((t, s) => t + s.latencies.length, 0) || 1), loadgen: rawCpu[k].loadgenMs / (rawSlices[k].reduce((t, s) => t + s.latencies.length, 0) || 1) });
  console.log(
    [
      '',
      `raw GetItem+PutItem ${fmt(rawGP.throughput)}/s  ${ms(rawGP)}   (the hook's own two calls in its order; hooks/this ${fmt((hooks.throughput / rawGP.throughput) * 100)} %)`,
      `raw halves (puts/s): ${rawSlices.put.map((s) => fmt((s.latencies.length / s.elapsedMs) * 1000)).join(' before, ')} after;  GetItem+PutItem ${rawSlices.getPut.map((s) => fmt((s.latencies.length / s.elapsedMs) * 1000)).join(' before, ')} after`,
      `worker             ${fmt(workerPerSecond, 1)} deliveries/s (one at a time); the last processed ${fmt((lastFinished - lastAccepted) / 1000, 1)} s after the last 202, ${fmt((lastFinished - firstAccepted) / 1000, 1)} s after the first`,
      `delivery log       ${inLog.length}/${cfg.n} listed, ${processed.length} processed${firstFailed ? `, ${inLog.length - processed.length} not (e.g. ${firstFailed.status}: ${JSON.stringify(firstFailed.reason)})` : ''}, ${createdOne} created one client; processedAt − receivedAt ${ms(loggedLag)} max ${fmt(loggedLag.max)} ms`,
      `                   processedAt precedes the write that marks the delivery processed by p50 ${fmt(stampGap.p50)} ms, p95 ${fmt(stampGap.p95)} ms, max ${fmt(stampGap.max)} ms (it is the time the worker picked the message up)`,
      `                   read back by id: ${one ? `${one.id} ${one.status}, attempts ${one.attempts}, counts ${JSON.stringify(one.counts)}` : '—'}`,
      `body               ${bodySizes.min === bodySizes.max ? bodySizes.min : `${bodySizes.min}–${bodySizes.max}`} bytes (raw items carry the same bodies)`,
      `DynamoDB calls     hook: ${serverCalls.hook.join(', ')}   (raw GetItem+PutItem replays: ${rawCalls.join(', ')} — same: ${sameCalls ? 'yes' : 'NO'})`,
      `                   worker, one customer.upserted that creates: ${serverCalls.worker.length} calls: ${serverCalls.worker.join(', ')}`,
      `CPU ms/request     hooks: server ${fmt(hookCpu.server, 2)}, JVM ${fmt(hookCpu.dynamo, 2)}, this process ${fmt(hookCpu.loadgen, 2)} (the worker ran meanwhile);  raw PutItem: JVM ${fmt(rawPer('put').dynamo, 2)}, this process ${fmt(rawPer('put').loadgen, 2)};  raw Get+Put: JVM ${fmt(rawPer('getPut').dynamo, 2)}, this process ${fmt(rawPer('getPut').loadgen, 2)}`,
      `                   after the last 202 until drained, per delivery: server ${fmt(drainCpu.server, 2)}, JVM ${fmt(drainCpu.dynamo, 2)};  the worker finished ${duringHooks} of the ${cfg.n} while the hooks were posted`,
      `                   CPU ratio raw PutItem / hook ${fmt((cpuTotal(rawPer('put').dynamo, rawPer('put').loadgen) / cpuTotal(hookCpu.server, hookCpu.dynamo, hookCpu.loadgen)) * 100)} %, raw GetItem+PutItem / hook ${fmt((cpuTotal(rawPer('getPut').dynamo, rawPer('getPut').loadgen) / cpuTotal(hookCpu.server, hookCpu.dynamo, hookCpu.loadgen)) * 100)} % (the throughput ratios the CPU alone allows)`,
      `RSS once started   server ${fmt(rssAtStart.server)} MB, dynamodb-local ${fmt(rssAtStart.dynamodbLocal)} MB; this process peak ${fmt(hwm.loadgen)} MB`,
      `load average       start ${loadStart.map((l) => l.toFixed(2)).join(' ')}, end ${loadEnd.map((l) => l.toFixed(2)).join(' ')}`,
      `code               ${atStart.commit}${atStart.dirty ? ' with uncommitted changes under functions/, domain/ or scripts/local/' : ''}${atEnd.commit !== atStart.commit || atEnd.dirty !== atStart.dirty ? ` — ⚠ changed during the run (now ${atEnd.commit}${atEnd.dirty ? ', uncommitted changes' : ''})` : ''}`,
    ].join('\n'),
  );
  const stderr = child.stderrTail().trim();
  if (stderr) console.log(`\nServer child stderr (tail):\n${stderr.split('\n').slice(-10).join('\n')}`);

  // A what-if run writes beside the figures of the product as shipped, never over them.
  const out = join(root, '.bench', experiments.length ? `hooks.${experiments.join('+')}.json` : 'hooks.json');
  mkdirSync(dirname(out), { recursive: true });
  const brief = (s: RunStats) => ({ count: s.count, errors: s.errors, perSecond: s.throughput, p50Ms: s.p50, p95Ms: s.p95, p99Ms: s.p99, maxMs: s.max, elapsedMs: s.elapsedMs });
  writeFileSync(
    out,
    `${JSON.stringify(
      {
        benchmark: 'bench:hooks',
        issue: '#13 inbound integrations',
        startedAt: startedAt.toISOString(),
        durationSeconds: round((Date.now() - startedAt.getTime()) / 1000, 1),
        commit: atStart.commit,
        uncommittedChanges: atStart.dirty,
        revisionAtEnd: atEnd,
        machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, loadAverageStart: loadStart, loadAverageEnd: loadEnd },
        config: { ...cfg, targets, whatIf: experiments },
        summary: lines,
        raw: { putItem: brief(raw), getItemPutItem: brief(rawGP), halves: { put: rawSlices.put.map((s) => (s.latencies.length / s.elapsedMs) * 1000), getPut: rawSlices.getPut.map((s) => (s.latencies.length / s.elapsedMs) * 1000) }, cpuMsPerRequest: { put: rawPer('put'), getPut: rawPer('getPut') } },
        hooks: { ...brief(hooks), statuses, ratio, pass: ratio >= targets.ratio, cpuMsPerRequest: hookCpu },
        lag: { ...lag, allProcessed, drained: drained.idle, finishStatus, workerPerSecond, lastAfterLast202Ms: lastFinished - lastAccepted, loggedProcessedMinusReceived: loggedLag, finishMinusProcessedAt: stampGap, drainCpuMsPerDelivery: drainCpu, finishedWhileHooksPosted: duringHooks },
        log: { listed: inLog.length, processed: processed.length, createdOneClient: createdOne, firstFailed },
        calls: { hook: serverCalls.hook, worker: serverCalls.worker, raw: rawCalls, same: sameCalls },
        bodyBytes: bodySizes,
        peakRssMb: hwm,
        rssAtStartMb: rssAtStart,
      },
      (_k, v: unknown) => (typeof v === 'number' ? round(v, 3) : v),
      2,
    )}\n`,
  );
  console.log(`\nResults: ${relative(process.cwd(), out)}`);
  if (hooks.errors > 0 || !allProcessed || createdOne !== cfg.n) process.exitCode = 1;
}

try {
  await main();
} catch (error) {
  console.error('\nbench:hooks failed:', error);
  process.exitCode = 1;
} finally {
  await cleanup();
}
