import { spawnSync } from 'node:child_process';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { request } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { Principal } from '../../domain/access/roles';
import { startDynamoDbLocal, type DynamoDbLocal } from '../local/dynamodb-local';
import { startWebhookListener, type WebhookListener } from '../webhook-listen';
import { callRecorder } from './calls';
import { guardRun, startBenchChild, type BenchChild, stopWhenOrphaned } from './child';
import { categorize, readProfile } from './cpuprofile';
import { closedLoop, HttpClient, HttpError, summarize, type Job } from './load';
import { cpuMs, procStatus, round, sampleCpu, type CpuSample } from './report';

/**
 * `npm run bench:webhooks [-- --events 500 --endpoints 20 --concurrency 10]` — outbound webhooks
 * (#15) on the local stack: "fans 10,000 events to 20 endpoints on loopback", read as 10,000
 * deliveries — `events` writes, each one event every one of the `endpoints` subscriptions takes
 * (500 × 20 by default) — from the write to the receiver, through the whole pipeline.
 *
 * DynamoDB Local (in memory) runs in its JVM; the server in a child process (this module again,
 * BENCH_WEBHOOKS_ROLE=server): the local stack WITH the event pipeline — the API, the stream
 * poller and publisher, the in-process bus (analytics into chDB, the `webhooks` rule's fan-out,
 * one batch of 25 at a time), the in-process webhook queue and the sender (8 at a time), as
 * under `npm start` — the demo tenants seeded. This process drives it and hosts the receivers:
 *   1. `endpoints` receivers on 127.0.0.1 (scripts/webhook-listen.ts's own server, answering 200),
 *      each noting when every request arrived; one subscription per receiver (POST /v1/webhooks
 *      as the demo tenant's admin, events ["client.created"]), then 11 s for them to take effect
 *      (the fan-out reads a tenant's subscriptions at most every 10 s);
 *   2. idle: `idle` writes one at a time (POST /v1/clients as a TSE), each waited for until its
 *      `endpoints` deliveries have arrived — the latency of the pipeline with nothing queued; the
 *      first with the server's DynamoDB calls recorded (a write and its deliveries);
 *   3. raw: as many POSTs as the run will deliver, of a delivered body and its headers, from a
 *      plain client to the same receivers in turn, one connection each (as the sender makes) and
 *      8 at a time (the local sender's width): the network's and the receivers' own rate;
 *   4. webhooks: `events` writes at `concurrency`, closed loop, then waited for until every
 *      delivery arrived and the server is idle (stream read, bus and webhook queue drained):
 *      deliveries/s from the first write sent to the last delivery received; write → delivery
 *      from the moment this process read the write's 201 to the moment the receiver had read the
 *      delivery; delivered once each (counted per receiver and event, duplicates per webhook-id);
 *      every signature checked (Standard Webhooks, HMAC written here from the specification);
 *   5. peak RSS (VmHWM) of the server child and the JVM.
 * Where the time goes: CPU ms per delivery of each process over step 4 and how many of the cores
 * were busy, the DynamoDB calls per delivery (recorded in step 2) and their latency over step 4,
 * and what the sender logged (attempted, busy: an endpoint's 4 slots taken).
 *
 * Options: --events (writes measured, 500), --endpoints (receivers and subscriptions, 20),
 * --concurrency (writes in flight, 10), --idle (writes one at a time, 5), --deadline-seconds (600:
 * the run is stopped past it, loudly, and everything it started with it), --cpu-prof <dir> (the
 * server child CPU-profiled over step 4, summarised by category; slower, so not comparable).
 * Output: the three summary lines, then the details; JSON in .bench/webhooks.json, the server's
 * log in .bench/webhooks-server.log. Exit code 1 when a write is refused, a delivery is missing,
 * duplicated or badly signed, or the run fails.
 */
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SELF = fileURLToPath(import.meta.url);

/** Subscriptions are the tenant admin's; the writes a TSE's, as in the end-to-end test (functions/queues/webhooks.int.test.ts). */
const ADMIN = { tenantId: 'demo', staffId: 'admin', role: 'tenant_admin' } as const satisfies Principal;
const WRITER = { tenantId: 'demo', staffId: 'tse-1', role: 'tse' } as const satisfies Principal;
const EVENT = 'client.created';
/** The local webhook queue's width (scripts/local/stack.ts: concurrency 8): the raw client's too. */
const SENDER_LANES = 8;

// ── what the benchmark and its server child say to each other ─────────────────────────────────

interface WebhooksReady {
  url: string;
  pid: number;
  tableName: string;
  tokens: { admin: string; writer: string };
}
type WebhooksMessage =
  /** Waits until the stream is read, the bus drained and the webhook queue idle, at most `timeoutMs`. */
  | { op: 'settle'; timeoutMs: number }
  /** Records the DynamoDB calls (scripts/bench/calls.ts) until `take`. */
  | { op: 'record' }
  | { op: 'take' }
  /** Times every DynamoDB call until `timings`. */
  | { op: 'time' }
  | { op: 'timings' };
type Timings = Record<string, { count: number; ms: number }>;
/**
 * Each second of a timed interval: ms since it began, deliveries the fan-out had created, deliveries
 * the sender had saved after an attempt, and the CPU ms the server and the JVM had used since.
 */
type Progress = [atMs: number, created: number, saved: number, serverCpuMs: number, jvmCpuMs: number];
type WebhooksReply =
  | { op: 'ready'; ready: WebhooksReady }
  | { op: 'ok' }
  | { op: 'settled'; idle: boolean; at: number }
  | { op: 'calls'; calls: string[] }
  | { op: 'timings'; timings: Timings; wallMs: number; progress: Progress[] }
  | { op: 'error'; message: string };

// ── the server child ─────────────────────────────────────────────────────────────────────────

interface MiddlewareStackLike {
  middlewareStack: { add(mw: unknown, options: { step: 'initialize'; name: string }): void };
}

/** A string attribute, plain (document client) or marshalled ({S: …}): the store's client shares its middleware stack with the document client's. */
const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof (v as { S?: unknown } | undefined)?.S === 'string' ? (v as { S: string }).S : undefined);

async function serve() {
  const dynamoEndpoint = process.env.BENCH_DYNAMODB_ENDPOINT;
  if (!dynamoEndpoint) throw new Error('BENCH_DYNAMODB_ENDPOINT is not set');
  const [{ startLocalStack }, { seedDemo }] = await Promise.all([import('../local/stack'), import('../seed')]);
  const stack = await startLocalStack({ dynamoEndpoint, pipeline: true });
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await stack.stop().catch(() => undefined);
    process.exit(code);
  };
  stopWhenOrphaned(stop);

  // After startLocalStack: the services read the environment it sets.
  const { getServices, getStoreClients } = await import('../../functions/lib/services');
  await seedDemo(getServices(), new Date());
  const pipeline = stack.pipeline!;
  const settle = async () => {
    // Twice: a delivery the sender saves may be read off the stream, and what the bus hands on is queued.
    for (let round = 0; round < 2; round++) {
      await pipeline.poller.caughtUp();
      await pipeline.bus.idle();
      await stack.webhookQueue.idle();
    }
  };
  await settle();

  // The API, the fan-out and the sender share this client (one per process, as in Lambda).
  const { db } = getStoreClients();
  const recorder = callRecorder(db);
  let timings: Timings | undefined;
  let timedSince = 0;
  let progress: Progress[] = [];
  let sampler: NodeJS.Timeout | undefined;
  let sample = () => undefined as unknown;
  const jvm = Number(process.env.BENCH_DYNAMODB_PID);
  const profileFile = process.env.BENCH_CPU_PROF_FILE;
  let profiler: Session | undefined;
  const ownCpuMs = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  const made = { created: 0, saved: 0 };
  (db as unknown as MiddlewareStackLike).middlewareStack.add(
    (next: (args: { input: unknown }) => Promise<unknown>, context: { commandName?: string }) => async (args: { input: unknown }) => {
      if (!timings) return next(args);
      const t0 = performance.now();
      const name = (context.commandName ?? '?').replace(/Command$/, '');
      const timed = timings;
      try {
        const out = await next(args);
        // The fan-out's createDelivery (a transaction led by the delivery's Put), the sender's save of an attempted delivery (a Put).
        const input = args.input as { TransactItems?: { Put?: { Item?: Record<string, unknown> } }[]; Item?: Record<string, unknown> };
        if (name === 'TransactWriteItems' && text(input.TransactItems?.[0]?.Put?.Item?.entity) === 'webhook_delivery') made.created += 1;
        else if (name === 'PutItem' && text(input.Item?.entity) === 'webhook_delivery') made.saved += 1;
        return out;
      } finally {
        const t = (timed[name] ??= { count: 0, ms: 0 });
        t.count += 1;
        t.ms += performance.now() - t0;
      }
    },
    { step: 'initialize', name: 'benchDynamoTimings' },
  );

  const reply = (r: WebhooksReply) => process.send?.(r);
  process.on('message', (m: WebhooksMessage) => {
    void (async () => {
      try {
        if (m.op === 'settle') {
          let timer: NodeJS.Timeout | undefined;
          const idle = await Promise.race([settle().then(() => true), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), m.timeoutMs)))]);
          clearTimeout(timer);
          reply({ op: 'settled', idle, at: Date.now() });
        } else if (m.op === 'record') {
          recorder.start();
          reply({ op: 'ok' });
        } else if (m.op === 'take') {
          reply({ op: 'calls', calls: recorder.take() });
        } else if (m.op === 'time') {
          timings = {};
          timedSince = performance.now();
          made.created = made.saved = 0;
          progress = [];
          const cpu0 = { server: ownCpuMs(), jvm: cpuMs(jvm) ?? NaN };
          sample = () => progress.push([performance.now() - timedSince, made.created, made.saved, ownCpuMs() - cpu0.server, (cpuMs(jvm) ?? NaN) - cpu0.jvm]);
          sampler = setInterval(sample, 1000);
          if (profileFile) {
            profiler = new Session();
            profiler.connect();
            await profiler.post('Profiler.enable');
            await profiler.post('Profiler.setSamplingInterval', { interval: 500 });
            await profiler.post('Profiler.start');
          }
          reply({ op: 'ok' });
        } else if (m.op === 'timings') {
          clearInterval(sampler);
          sample();
          if (profiler && profileFile) {
            const { profile } = await profiler.post('Profiler.stop');
            profiler.disconnect();
            profiler = undefined;
            writeFileSync(profileFile, JSON.stringify(profile));
          }
          reply({ op: 'timings', timings: timings ?? {}, wallMs: performance.now() - timedSince, progress });
          timings = undefined;
        }
      } catch (error) {
        reply({ op: 'error', message: error instanceof Error ? error.message : String(error) });
      }
    })();
  });
  const mint = (p: Principal) => stack.issuer.mint(p, { ttlSeconds: 3600 });
  reply({ op: 'ready', ready: { url: stack.url, pid: process.pid, tableName: stack.tableName, tokens: { admin: mint(ADMIN), writer: mint(WRITER) } } });
}

// ── the benchmark ────────────────────────────────────────────────────────────────────────────

/** p-th quantile (nearest rank) of ascending `sorted`. */
const quantile = (sorted: readonly number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]! : NaN);
const spread = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b);
  return { count: s.length, p50: quantile(s, 0.5), p95: quantile(s, 0.95), max: s.length ? s[s.length - 1]! : NaN };
};
const fmt = (x: number | undefined, d = 0) => (x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(d));

/**
 * A number as a name part whose duplicate key stays distinct: dedup.ts folds repeated characters,
 * so its digits are separate words (as scripts/bench/hooks.ts's `distinct`).
 */
const distinct = (n: number) => String(n).padStart(6, '0').split('').join('-');

/** Standard Webhooks, checked from the specification (not the code under test): any `v1,` signature = base64 HMAC-SHA256 of id.timestamp.body. */
function signedBy(secret: string, headers: Record<string, string | string[] | undefined>, body: string): boolean {
  const h = (name: string) => (Array.isArray(headers[name]) ? headers[name][0] : headers[name]) ?? '';
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(`${h('webhook-id')}.${h('webhook-timestamp')}.${body}`).digest();
  return h('webhook-signature')
    .split(' ')
    .some((s) => {
      const [version, sig] = s.split(',');
      const given = Buffer.from(sig ?? '', 'base64');
      return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
    });
}

/** One POST on a connection of its own (as the sender's client makes), its whole answer read. */
function postOnce(url: URL, headers: Record<string, string>, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: Number(url.port), path: url.pathname, method: 'POST', agent: false, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The commit, and whether the code under test has uncommitted changes (others may be editing while this runs). */
const revision = () => ({
  commit: spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).stdout?.trim() || undefined,
  dirty: (spawnSync('git', ['status', '--porcelain', '--', 'functions', 'domain', 'events', 'scripts/local'], { cwd: root, encoding: 'utf8' }).stdout ?? '').trim() !== '',
});

async function bench() {
  const { values: argv } = parseArgs({
    options: { events: { type: 'string' }, endpoints: { type: 'string' }, concurrency: { type: 'string' }, idle: { type: 'string' }, 'deadline-seconds': { type: 'string' }, 'cpu-prof': { type: 'string' } },
    allowPositionals: false,
  });
  const positive = (name: string, v: string | undefined, fallback: number) => {
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer, not ${v}`);
    return n;
  };
  const cfg = {
    events: positive('events', argv.events, 500),
    endpoints: positive('endpoints', argv.endpoints, 20),
    concurrency: positive('concurrency', argv.concurrency, 10),
    idle: positive('idle', argv.idle, 5),
    deadlineMs: positive('deadline-seconds', argv['deadline-seconds'], 600) * 1000,
    /** A directory: the server child is CPU-profiled over the burst (slower: its figures are not comparable). */
    cpuProf: argv['cpu-prof'],
  };
  const profileFile = cfg.cpuProf && join(cfg.cpuProf, 'webhooks-server.cpuprofile');
  if (cfg.cpuProf) mkdirSync(cfg.cpuProf, { recursive: true });
  const expected = cfg.events * cfg.endpoints;
  const startedAt = new Date();
  const runEnd = performance.now() + cfg.deadlineMs;

  // ── lifecycle (scripts/bench/child.ts) ──
  let dynamo: DynamoDbLocal | undefined;
  let child: BenchChild<WebhooksReady, WebhooksMessage, WebhooksReply> | undefined;
  const listeners: WebhookListener[] = [];
  const closers: (() => void)[] = [];
  const cleanup = guardRun({
    name: 'bench:webhooks',
    deadlineMs: cfg.deadlineMs,
    processes: () => [child?.process, dynamo?.process],
    cleanup: async () => {
      await child?.stop();
      await dynamo?.stop();
      await Promise.all(listeners.map((l) => l.close().catch(() => undefined)));
      for (const close of closers.splice(0).reverse()) {
        try {
          close();
        } catch {
          /* best effort */
        }
      }
    },
  });

  try {
    const atStart = revision();
    const loadStart = loadavg();
    console.log(`bench:webhooks — ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), Node ${process.version}, load average ${loadStart.map((l) => l.toFixed(2)).join(' ')}`);
    console.log(`${cfg.events} events (${EVENT}, each from a POST /v1/clients) × ${cfg.endpoints} endpoints (one subscription each, every event to every one) = ${expected} deliveries`);
    const t0 = performance.now();
    dynamo = await startDynamoDbLocal();
    const dynamoPid = dynamo.process.pid!;
    const logFile = join(root, '.bench', 'webhooks-server.log');
    child = await startBenchChild<WebhooksReady, WebhooksMessage, WebhooksReply>({
      script: SELF,
      cwd: root,
      env: { BENCH_WEBHOOKS_ROLE: 'server', BENCH_DYNAMODB_ENDPOINT: dynamo.endpoint, BENCH_DYNAMODB_PID: String(dynamoPid), ...(profileFile && { BENCH_CPU_PROF_FILE: profileFile }) },
      logFile,
      readyTimeoutMs: 180_000,
    });
    const server = child;
    const { ready } = server;
    console.log(`DynamoDB Local ${dynamo.endpoint} (pid ${dynamoPid}), server ${ready.url} (pid ${ready.pid}, with the pipeline); started and seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const rssAtStart = { server: server.memory().rssMb, dynamodbLocal: procStatus(dynamoPid).rssMb };

    const api = new HttpClient(ready.url, cfg.concurrency);
    closers.push(() => api.close());
    const call = async <T>(token: string, method: 'GET' | 'POST', path: string, body: unknown, status: number): Promise<T> => {
      const res = await api.send(method, path, { authorization: `Bearer ${token}` }, body === undefined ? undefined : JSON.stringify(body));
      if (res.status !== status) throw new HttpError(res.status, `${method} ${path}: ${res.text}`);
      return JSON.parse(res.text) as T;
    };
    const settle = async (timeoutMs: number) => (await server.ask({ op: 'settle', timeoutMs }, 'settled', timeoutMs + 10_000)).idle;

    // ── 1. receivers and subscriptions ──
    type Phase = 'idle' | 'raw' | 'burst';
    let phase: Phase = 'idle';
    /** Per receiver: when each request had been read (Date.now()), in the order of its `received`. */
    const times: number[][] = [];
    /** webhook-ids seen during the burst (first receipts), for the progress and the end. */
    const burstIds = new Set<string>();
    for (let r = 0; r < cfg.endpoints; r++) {
      const at: number[] = [];
      times.push(at);
      listeners.push(
        await startWebhookListener({
          port: 0,
          print: () => undefined,
          status: ({ webhookId }) => {
            at.push(Date.now());
            if (phase === 'burst' && webhookId) burstIds.add(webhookId);
            return 200;
          },
        }),
      );
    }
    const secrets: string[] = [];
    for (const [r, l] of listeners.entries()) {
      const hook = await call<{ id: string; secret: string }>(ready.tokens.admin, 'POST', '/v1/webhooks', { url: l.url, events: [EVENT], description: `bench:webhooks receiver ${r}` }, 201);
      secrets.push(hook.secret);
    }
    const subscribedAt = performance.now();
    const forget = () => {
      for (const [r, l] of listeners.entries()) {
        l.received.length = 0;
        times[r]!.length = 0;
      }
    };

    /** Client i's write: its id and when its 201 had been read. */
    const writtenAt = new Map<string, number>();
    const write = async (i: number) => {
      const body = { companyName: `Webhook Bench Traders ${distinct(i)}`, ownerName: `Proprietor ${distinct(i)}`, mobile: `95${String(i).padStart(8, '0')}` };
      const client = await call<{ id: string }>(ready.tokens.writer, 'POST', '/v1/clients', body, 201);
      writtenAt.set(client.id, Date.now());
      return client.id;
    };
    /** Deliveries received so far about client `id` (the event's entityId), over every receiver. */
    const receiptsOf = (id: string) => listeners.reduce((n, l) => n + l.received.filter((d) => d.body.includes(`"entityId":"${id}"`)).length, 0);

    // ── 2. idle: one write at a time ──
    await sleep(Math.max(0, subscribedAt + 11_000 - performance.now()));
    const idleLatencies: number[] = [];
    let recordedCalls: string[] = [];
    for (let k = 0; k < cfg.idle; k++) {
      if (k === 0) await server.ask({ op: 'record' }, 'ok');
      const id = await write(1_000_000 + k);
      const until = performance.now() + 60_000;
      while (receiptsOf(id) < cfg.endpoints) {
        if (performance.now() > until) throw new Error(`idle write ${k}: ${receiptsOf(id)}/${cfg.endpoints} deliveries after 60 s (are the subscriptions in effect?)`);
        await sleep(5);
      }
      if (!(await settle(60_000))) throw new Error(`idle write ${k}: the server did not settle within 60 s`);
      if (k === 0) recordedCalls = (await server.ask({ op: 'take' }, 'calls')).calls;
      for (const [r, l] of listeners.entries()) {
        l.received.forEach((d, j) => {
          if (d.body.includes(`"entityId":"${id}"`)) idleLatencies.push(times[r]![j]! - writtenAt.get(id)!);
        });
      }
    }
    const idleLag = spread(idleLatencies);
    const sample = listeners[0]!.received.at(-1)!;
    const sampleHeaders = Object.fromEntries(Object.entries(sample.headers).filter(([k]) => ['content-type', 'user-agent', 'webhook-timestamp', 'webhook-signature'].includes(k))) as Record<string, string>;
    forget();

    // ── 3. raw: a plain client, the same receivers, the same bodies ──
    phase = 'raw';
    const urls = listeners.map((l) => new URL(l.url));
    let rawN = 0;
    const rawJob = (): Job => {
      const n = rawN++;
      return {
        run: async () => {
          const status = await postOnce(urls[n % urls.length]!, { ...sampleHeaders, 'webhook-id': `raw-${n}` }, sample.body);
          if (status !== 200) throw new HttpError(status, 'raw POST');
        },
      };
    };
    const raw = summarize(SENDER_LANES, [await closedLoop({ concurrency: SENDER_LANES, warmup: { count: 500 }, measure: { count: expected } }, rawJob)]);
    if (raw.errors) throw new Error(`raw POSTs: ${raw.errors} failed, the first: ${raw.firstError}`);
    console.log(`  raw POST: ${raw.count} in ${fmt(raw.elapsedMs)} ms, ${fmt(raw.throughput)}/s`);
    forget();

    // ── 4. the burst ──
    phase = 'burst';
    const logOffset = statSync(logFile).size;
    await server.ask({ op: 'time' }, 'ok');
    const cpuBefore: CpuSample = sampleCpu(ready.pid, dynamoPid);
    const firstWrite = Date.now();
    let w = 0;
    const writes = summarize(cfg.concurrency, [await closedLoop({ concurrency: cfg.concurrency, warmup: { count: 0 }, measure: { count: cfg.events } }, () => (w < cfg.events ? { run: async () => void (await write(w++)) } : undefined))]);
    const lastWrite = Date.now();
    console.log(`  writes: ${writes.count} POST /v1/clients in ${fmt(writes.elapsedMs)} ms, ${fmt(writes.throughput)}/s (p50 ${fmt(writes.p50)} ms, p95 ${fmt(writes.p95)} ms); ${writes.errors} refused${writes.firstError ? ` (the first: ${writes.firstError})` : ''}`);
    let lastProgress = performance.now();
    const drainUntil = runEnd - 60_000;
    while (burstIds.size < writes.count * cfg.endpoints && performance.now() < drainUntil) {
      await sleep(50);
      if (performance.now() - lastProgress >= 10_000) {
        lastProgress = performance.now();
        console.log(`  delivering: ${burstIds.size}/${writes.count * cfg.endpoints}, ${((Date.now() - firstWrite) / 1000).toFixed(0)} s after the first write`);
      }
    }
    const cpuAfter: CpuSample = sampleCpu(ready.pid, dynamoPid);
    const allArrived = Date.now();
    const { timings, wallMs: timedMs, progress } = await server.ask({ op: 'timings' }, 'timings', 120_000);
    // Peak RSS, read before anything else runs.
    const hwm = { server: server.memory().hwmMb, dynamodbLocal: procStatus(dynamoPid).hwmMb, loadgen: procStatus(process.pid).hwmMb };
    // Then nothing more may come: the server idle (a duplicate would be sent by now), and a second more.
    const settled = await settle(Math.max(1000, Math.min(60_000, runEnd - performance.now() - 20_000)));
    await sleep(1000);

    // ── the figures ──
    const measured = new Set([...writtenAt.keys()].slice(cfg.idle));
    const pairs = new Map<string, number>(); // receiver|client → receipts
    const ids = new Map<string, number>(); // webhook-id → receipts
    const lags: number[] = [];
    const fromOccurred: number[] = [];
    let firstSeen = Infinity;
    let lastSeen = -Infinity;
    let badSignatures = 0;
    let checked = 0;
    let strays = 0;
    for (const [r, l] of listeners.entries()) {
      l.received.forEach((d, j) => {
        const at = times[r]![j]!;
        const event = JSON.parse(d.body) as { type: string; entityId: string; occurredAt: string };
        if (event.type !== EVENT || !measured.has(event.entityId)) return void strays++;
        checked++;
        if (!signedBy(secrets[r]!, d.headers, d.body)) badSignatures++;
        const id = d.webhookId ?? '?';
        ids.set(id, (ids.get(id) ?? 0) + 1);
        const pair = `${r}|${event.entityId}`;
        const n = (pairs.get(pair) ?? 0) + 1;
        pairs.set(pair, n);
        if (n > 1) return;
        lags.push(at - writtenAt.get(event.entityId)!);
        fromOccurred.push(at - Date.parse(event.occurredAt));
        firstSeen = Math.min(firstSeen, at);
        lastSeen = Math.max(lastSeen, at);
      });
    }
    const delivered = pairs.size;
    // Every receipt of a measured event beyond the first at its receiver.
    const duplicates = checked - delivered;
    const perSecond = (delivered / (lastSeen - firstWrite)) * 1000;
    const lag = spread(lags);
    const occurredLag = spread(fromOccurred);
    const ok = writes.errors === 0 && delivered === expected && duplicates === 0 && badSignatures === 0 && ids.size === expected;

    // What the sender logged over the burst (one line per queued message: attempted, busy, …).
    const senderLog = readFileSync(logFile, 'utf8').slice(logOffset);
    const kinds: Record<string, number> = {};
    for (const m of senderLog.matchAll(/"message":"webhook message"[^\n]*?"kind":"(\w+)"|"kind":"(\w+)"[^\n]*?"message":"webhook message"/g)) kinds[m[1] ?? m[2]!] = (kinds[m[1] ?? m[2]!] ?? 0) + 1;
    const cpu = (k: keyof CpuSample) => ((cpuAfter[k] ?? NaN) - (cpuBefore[k] ?? NaN)) / delivered;
    const cpuPer = { server: cpu('server'), dynamodbLocal: cpu('dynamo'), loadgen: cpu('loadgen') };
    const burstMs = allArrived - firstWrite;
    const coresBusy = ((cpuPer.server + cpuPer.dynamodbLocal + cpuPer.loadgen) * delivered) / burstMs;
    const callCounts = Object.entries(
      recordedCalls.reduce<Record<string, number>>((t, c) => ((t[c.replace(/\(.*$/, '')] = (t[c.replace(/\(.*$/, '')] ?? 0) + 1), t), {}),
    ).sort((a, b) => b[1] - a[1]);
    const dynamoCalls = Object.values(timings).reduce((t, x) => t + x.count, 0);
    const dynamoMs = Object.values(timings).reduce((t, x) => t + x.ms, 0);
    // The fan-out ahead of the sender: the deliveries created and not yet attempted, second by second.
    const backlog = progress.reduce((m, [at, created, saved]) => (created - saved > m.n ? { n: created - saved, at } : m), { n: 0, at: 0 });
    const allCreatedAt = progress.find(([, created]) => created >= expected)?.[0];
    const every = Math.max(1, Math.ceil(progress.length / 8));
    const timeline = progress.filter((_, k) => k % every === every - 1 || k === progress.length - 1).map(([at, created, saved]) => `${fmt(at / 1000)} s ${created}/${saved}`);
    // Two phases: while the fan-out is creating deliveries (the writes' time, about), and after, the sender alone.
    const split = progress.find(([, created]) => created >= expected) ?? progress.at(-1)!;
    const end = progress.at(-1)!;
    const phaseOf = (a: Progress, b: Progress) => {
      const s = (b[0] - a[0]) / 1000;
      return { seconds: s, attemptedPerSecond: (b[2] - a[2]) / s, createdPerSecond: (b[1] - a[1]) / s, serverCores: (b[3] - a[3]) / 1000 / s, jvmCores: (b[4] - a[4]) / 1000 / s };
    };
    const phases = { fanningOut: phaseOf([0, 0, 0, 0, 0], split), senderAlone: phaseOf(split, end) };
    const phaseText = (p: ReturnType<typeof phaseOf>) => `${fmt(p.seconds, 1)} s, ${fmt(p.createdPerSecond)} created/s, ${fmt(p.attemptedPerSecond)} attempted/s, cores busy: server ${fmt(p.serverCores, 2)}, JVM ${fmt(p.jvmCores, 2)}`;
    const jvmCores = (cpuPer.dynamodbLocal * delivered) / burstMs;
    const serverCores = (cpuPer.server * delivered) / burstMs;
    const loadEnd = loadavg();
    const atEnd = revision();

    const ms = (s: { p50: number; p95: number }) => `p50 ${fmt(s.p50, 1)} ms  p95 ${fmt(s.p95, 1)} ms`;
    const lines = [
      `raw POST (${cfg.endpoints} receivers)   ${fmt(raw.throughput)} posts/s   ${ms(raw)}`,
      `webhooks                  ${fmt(perSecond)} deliveries/s  write→delivery p50 ${fmt(lag.p50)} ms  p95 ${fmt(lag.p95)} ms  delivered: ${delivered}/${expected}  duplicates: ${duplicates}`,
      `peak RSS                  server ${fmt(hwm.server)} MB  dynamodb-local ${fmt(hwm.dynamodbLocal)} MB`,
    ];
    console.log(`\n${lines.join('\n')}`);
    console.log(
      [
        '',
        `reading            ${cfg.events} events × ${cfg.endpoints} endpoints = ${expected} deliveries; events produced by real writes (POST /v1/clients, ${cfg.concurrency} in flight) through stream → bus → fan-out → queue → sender`,
        `webhooks/raw       ${fmt((perSecond / raw.throughput) * 100, 1)} % of the receivers' own rate (raw: one connection per POST, ${SENDER_LANES} at a time, as the sender)`,
        `burst              first write → last delivery ${fmt((lastSeen - firstWrite) / 1000, 1)} s; the writes took ${fmt((lastWrite - firstWrite) / 1000, 1)} s (${fmt(writes.throughput)}/s), the first delivery came ${fmt(firstSeen - firstWrite)} ms after the first write; max write→delivery ${fmt(lag.max)} ms`,
        `                   occurredAt→delivery ${ms(occurredLag)} (the server's clock, stamped when the write began)`,
        `idle               one write at a time, its ${cfg.endpoints} deliveries: write→delivery ${ms(idleLag)} max ${fmt(idleLag.max)} ms (${idleLag.count} deliveries of ${cfg.idle} writes)`,
        `checked            ${checked} receipts of the measured events: signatures ${checked - badSignatures} valid, ${badSignatures} not; ${ids.size} webhook-ids; ${strays} other requests (the idle writes' late or other events); server settled after: ${settled ? 'yes' : 'NO'}`,
        `sender             ${Object.entries(kinds).map(([k, n]) => `${k} ${n}`).join(', ') || '—'} (log lines over the burst; busy: the endpoint's 4 slots were taken, the message comes back 2–5 s later)`,
        `fan-out / sender   created/attempted: ${timeline.join(', ')}; the fan-out had created all ${allCreatedAt === undefined ? 'NOT' : `at ${fmt(allCreatedAt / 1000, 1)} s`}, the sender's backlog peaked at ${backlog.n} (${fmt(backlog.at / 1000)} s)`,
        `                   while the fan-out ran: ${phaseText(phases.fanningOut)}; after it, the sender alone: ${phaseText(phases.senderAlone)}`,
        `CPU ms/delivery    server ${fmt(cpuPer.server, 2)}, JVM ${fmt(cpuPer.dynamodbLocal, 2)}, this process (receivers, writes) ${fmt(cpuPer.loadgen, 2)}; cores busy over the burst: server ${fmt(serverCores, 2)}, JVM ${fmt(jvmCores, 2)}, all three ${fmt(coresBusy, 2)} of ${cpus().length}`,
        `DynamoDB calls     one write and its ${cfg.endpoints} deliveries: ${recordedCalls.length} (${fmt(recordedCalls.length / cfg.endpoints, 1)} a delivery): ${callCounts.map(([c, n]) => `${c} ×${n}`).join(', ')}`,
        `                   over the burst: ${dynamoCalls} calls (${fmt(dynamoCalls / Math.max(1, delivered), 1)} a delivery), ${fmt(dynamoCalls / (timedMs / 1000))}/s, mean ${fmt(dynamoMs / Math.max(1, dynamoCalls), 1)} ms, ${fmt(dynamoMs / timedMs, 1)} in flight on average; ${Object.entries(timings).sort((a, b) => b[1].ms - a[1].ms).map(([c, t]) => `${c} ${t.count} × ${fmt(t.ms / t.count, 1)} ms`).join(', ')}`,
        `RSS once started   server ${fmt(rssAtStart.server)} MB, dynamodb-local ${fmt(rssAtStart.dynamodbLocal)} MB; this process peak ${fmt(hwm.loadgen)} MB`,
        `load average       start ${loadStart.map((l) => l.toFixed(2)).join(' ')}, end ${loadEnd.map((l) => l.toFixed(2)).join(' ')}`,
        `code               ${atStart.commit}${atStart.dirty ? ' with uncommitted changes under functions/, domain/, events/ or scripts/local/' : ''}${atEnd.commit !== atStart.commit || atEnd.dirty !== atStart.dirty ? ` — ⚠ changed during the run (now ${atEnd.commit}${atEnd.dirty ? ', uncommitted changes' : ''})` : ''}`,
      ].join('\n'),
    );
    if (profileFile) {
      const cats = categorize(readProfile(profileFile));
      console.log(`\nServer child CPU over the burst, profiled (slower than unprofiled), ${fmt(cats.busyMs / 1000, 1)} s busy, ms per delivery (share); details: npx tsx scripts/bench/cpuprofile.ts ${profileFile}`);
      for (const r of cats.rows.filter((x) => x.share >= 0.01)) console.log(`  ${fmt(r.ms / Math.max(1, delivered), 2).padStart(6)}  ${fmt(r.share * 100).padStart(3)} %  ${r.category}`);
    }
    const stderr = server.stderrTail().trim();
    if (stderr) console.log(`\nServer child stderr (tail):\n${stderr.split('\n').slice(-10).join('\n')}`);

    const out = join(root, '.bench', 'webhooks.json');
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(
      out,
      `${JSON.stringify(
        {
          benchmark: 'bench:webhooks',
          issue: '#15 outbound webhooks',
          startedAt: startedAt.toISOString(),
          durationSeconds: round((Date.now() - startedAt.getTime()) / 1000, 1),
          commit: atStart.commit,
          uncommittedChanges: atStart.dirty,
          revisionAtEnd: atEnd,
          machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, loadAverageStart: loadStart, loadAverageEnd: loadEnd },
          config: { ...cfg, event: EVENT, senderLanes: SENDER_LANES },
          summary: lines,
          raw: { count: raw.count, perSecond: raw.throughput, p50Ms: raw.p50, p95Ms: raw.p95, p99Ms: raw.p99, maxMs: raw.max },
          writes: { count: writes.count, errors: writes.errors, perSecond: writes.throughput, p50Ms: writes.p50, p95Ms: writes.p95, elapsedMs: lastWrite - firstWrite },
          webhooks: { expected, delivered, duplicates, webhookIds: ids.size, badSignatures, strays, perSecond, writeToDelivery: lag, occurredAtToDelivery: occurredLag, firstDeliveryAfterMs: firstSeen - firstWrite, lastDeliveryAfterMs: lastSeen - firstWrite, settled, pass: ok },
          idle: idleLag,
          sender: kinds,
          cpuMsPerDelivery: cpuPer,
          coresBusy,
          dynamodb: { perWriteAndDeliveries: recordedCalls, burst: timings, burstWallMs: timedMs },
          progress: { series: progress, allCreatedAtMs: allCreatedAt, backlogPeak: backlog, phases },
          peakRssMb: hwm,
          rssAtStartMb: rssAtStart,
        },
        (_k, v: unknown) => (typeof v === 'number' ? round(v, 3) : v),
        2,
      )}\n`,
    );
    console.log(`\nResults: ${relative(process.cwd(), out)}`);
    if (!ok) process.exitCode = 1;
  } finally {
    await cleanup();
  }
}

if (process.env.BENCH_WEBHOOKS_ROLE === 'server') {
  serve().catch((error: unknown) => {
    console.error('bench webhooks server failed:', error);
    process.exit(1);
  });
} else if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    await bench();
  } catch (error) {
    console.error('\nbench:webhooks failed:', error);
    process.exitCode = 1;
  }
}
