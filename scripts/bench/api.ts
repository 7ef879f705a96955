import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient, createDynamoClient } from '../../functions/lib/store/dynamo';
import { keys } from '../../functions/lib/store/keys';
import { startDynamoDbLocal, type DynamoDbLocal } from '../local/dynamodb-local';
import { closedLoop, HttpClient, summarize, type Job, type RunPlan, type RunSlice, type RunStats } from './load';
import { callRecorder, normalise } from './calls';
import { categorize, readProfile } from './cpuprofile';
import { BENCH_TENANTS, type ServerMessage, type ServerReady, type ServerReply } from './protocol';
import { procStatus, resultsTable, round, sampleCpu, table, type CpuSample, type Row } from './report';
import { newPools, routeBenches, type BenchContext, type RouteBench } from './routes';

/**
 * `npm run bench:api` — the "Sales pipeline core" routes on the local stack, each measured against
 * the raw DynamoDB Local throughput of the calls it makes, in the same run (DESIGN §7):
 *   at 50 concurrent clients, route throughput ≥ 70 % of raw;  one at a time, route p50 ≤ raw p50 + 3 ms.
 *
 * DynamoDB Local (in memory, free port) runs in its JVM, the API server in a child process
 * (scripts/bench/server.ts), and this process generates the load: keep-alive HTTP for the routes,
 * the same DynamoDB calls through the same SDK configuration for the raw figures.
 *
 * Raw and API runs alternate in parts (BENCH_SLICES, 3, at 50 concurrent; BENCH_SEQUENTIAL_SLICES, 10,
 * one at a time) so that a neighbour's load hits both alike.
 *
 * Knobs (environment): BENCH_SECONDS (measured seconds at 50, default 6), BENCH_WARMUP_SECONDS (1),
 * BENCH_CONCURRENCY (50), BENCH_SEQUENTIAL (300 requests one at a time), BENCH_ROUTES (comma list of
 * route names to run), BENCH_CPU_PROF=<dir> (CPU-profile the server child during each route's API
 * slices, one profile per route and concurrency in <dir>, summarised after the table; profiling
 * slows the server, so its figures are not comparable with an unprofiled run),
 * BENCH_SERVER_LOG_LEVEL (POWERTOOLS_LOG_LEVEL of the server child; default: as npm start),
 * BENCH_DEADLINE_SECONDS (300: past it the run stops, and stops everything it started),
 * BENCH_ABLATE (what-if patches in the server child, see scripts/bench/server.ts: ulid-prng, jwt-cache).
 * Output: the results table (PASS/MISS per target), the DynamoDB calls each route made (recorded on
 * the server, checked against the raw replay), CPU ms per request of each process, peak RSS; JSON in
 * .bench/api.json, the server's request log in .bench/api-server.log.
 */
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const num = (name: string, fallback: number) => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : fallback;
};
const cfg = {
  concurrency: num('BENCH_CONCURRENCY', 50),
  seconds: num('BENCH_SECONDS', 6),
  warmupSeconds: num('BENCH_WARMUP_SECONDS', 1),
  sequential: num('BENCH_SEQUENTIAL', 300),
  sequentialWarmup: 30,
  /** Raw and API alternate in this many parts per figure: 50 concurrent, and one at a time (finer: its figures are small). */
  slices: num('BENCH_SLICES', 3),
  sequentialSlices: num('BENCH_SEQUENTIAL_SLICES', 10),
  routes: process.env.BENCH_ROUTES?.split(',').map((s) => s.trim()).filter(Boolean),
  cpuProfDir: process.env.BENCH_CPU_PROF,
  /** The whole run is stopped past this (everything it started is stopped too). */
  deadlineMs: num('BENCH_DEADLINE_SECONDS', 300) * 1000,
};
const targets = { throughputRatio: 0.7, p50OverheadMs: 3 };

// ── lifecycle: everything started is stopped, on success, error, Ctrl-C or the deadline ────────

let dynamo: DynamoDbLocal | undefined;
let server: ChildProcess | undefined;
const closers: (() => void)[] = [];
let cleaning: Promise<void> | undefined;

function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    for (const close of closers.splice(0)) {
      try {
        close();
      } catch {
        /* best effort */
      }
    }
    await Promise.all([stopChild(server), dynamo?.stop()]);
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
  console.error(`bench:api exceeded ${cfg.deadlineMs / 1000} s; stopping.`);
  void cleanup().finally(() => process.exit(124));
}, cfg.deadlineMs);
watchdog.unref();

// ── the server child ─────────────────────────────────────────────────────────────────────────

interface ServerChild {
  ready: ServerReady;
  process: ChildProcess;
  /** Bytes the server has logged so far (its stdout, a file). */
  logBytes: () => number;
  logFile: string;
  stderrTail: () => string;
  /** Sends a message over IPC and waits for the reply. */
  ask(message: ServerMessage): Promise<ServerReply>;
}

async function startServer(dynamoEndpoint: string, dynamoPid: number): Promise<ServerChild> {
  const logFile = join(root, '.bench', 'api-server.log');
  mkdirSync(dirname(logFile), { recursive: true });
  const logFd = openSync(logFile, 'w');
  closers.push(() => closeSync(logFd));
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'scripts', 'bench', 'server.ts')], {
    cwd: root,
    env: {
      ...process.env,
      BENCH_DYNAMODB_ENDPOINT: dynamoEndpoint,
      BENCH_DYNAMODB_PID: String(dynamoPid),
      ...(process.env.BENCH_SERVER_LOG_LEVEL && { POWERTOOLS_LOG_LEVEL: process.env.BENCH_SERVER_LOG_LEVEL }),
    },
    // stdout to a file, as `npm start > log` would: never a pipe this busy process must drain.
    stdio: ['pipe', logFd, 'pipe', 'ipc'],
  });
  server = child;
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => (stderr = (stderr + d).slice(-8000)));
  const ready = await new Promise<ServerReady>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server child did not start within 90 s:\n${stderr}`)), 90_000);
    const exited = (code: number | null) => reject(new Error(`the server child exited (${code}) before it was ready:\n${stderr}`));
    child.once('exit', exited);
    child.once('message', (m: ServerReply) => {
      clearTimeout(timer);
      child.off('exit', exited);
      if (m.op === 'ready') resolve(m.ready);
      else reject(new Error(`unexpected first message from the server child: ${JSON.stringify(m)}`));
    });
  });
  const ask = (message: ServerMessage) =>
    new Promise<ServerReply>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the server child did not answer ${message.op}`)), 30_000);
      child.once('message', (reply: ServerReply) => {
        clearTimeout(timer);
        if (reply.op === 'error') reject(new Error(`server child: ${reply.message}`));
        else resolve(reply);
      });
      child.send(message);
    });
  const logBytes = () => {
    try {
      return statSync(logFile).size;
    } catch {
      return 0;
    }
  };
  return { ready, process: child, logBytes, logFile, stderrTail: () => stderr, ask };
}

// ── runs ─────────────────────────────────────────────────────────────────────────────────────

interface Measured {
  stats: RunStats;
  /** Every request of the slices, warm-up included. */
  requestsServed: number;
  /** CPU time each process spent per measured request. */
  cpuMsPerRequest: { loadgen: number; server: number; dynamo: number };
  serverLogBytesPerRequest?: number;
}

interface ServerProfile {
  file: string;
  busyMsPerRequest: number;
  rows: { category: string; msPerRequest: number; share: number }[];
}

interface RouteResult {
  name: string;
  route: string;
  dynamoDbCalls: string;
  /** The calls one request made, as recorded on the server, and whether the raw job made the same. */
  observedCalls: { server: string[]; raw: string[]; same: boolean };
  /** `cpuRatio`: raw CPU per request (all processes) over the route's — the ratio the CPU alone allows. */
  concurrent: { api: Measured; raw: Measured; ratio: number; cpuRatio: number; pass: boolean };
  /** With BENCH_CPU_PROF: the server child's busy time during the API slices, by category. */
  serverProfile?: { concurrent: ServerProfile; sequential: ServerProfile };
  sequential: { api: Measured; raw: Measured; p50OverheadMs: number; ratio: number; cpuRatio: number; pass: boolean };
}

/** Plain GetItem and PutItem against the same DynamoDB Local, from this process (raw client). */
async function calibrate(ctx: BenchContext) {
  const key = keys.config('demo', 'TENANT');
  const get = (): Job => ({ run: async () => void (await ctx.db.send(new GetCommand({ TableName: ctx.tableName, Key: key, ConsistentRead: true }))) });
  let i = 0;
  const put = (): Job => {
    const Item = { pk: `T#demo#BENCH#${i % 1000}`, sk: `P#${i++}`, entity: 'bench', at: new Date().toISOString(), n: i };
    return { run: async () => void (await ctx.db.send(new PutCommand({ TableName: ctx.tableName, Item }))) };
  };
  const plan: RunPlan = { concurrency: cfg.concurrency, warmup: { ms: 500 }, measure: { ms: 2000 } };
  const getItem = summarize(cfg.concurrency, [await closedLoop(plan, get)]);
  const putItem = summarize(cfg.concurrency, [await closedLoop(plan, put)]);
  const getItemSequential = summarize(1, [await closedLoop({ concurrency: 1, warmup: { count: 50 }, measure: { count: 300 } }, get)]);
  const brief = (s: RunStats) => ({ throughput: round(s.throughput, 0), p50: round(s.p50, 2), p95: round(s.p95, 2), count: s.count, errors: s.errors });
  return { getItem: brief(getItem), putItem: brief(putItem), getItemSequential: brief(getItemSequential) };
}

const cpuTotal = (m: Measured) => m.cpuMsPerRequest.server + m.cpuMsPerRequest.dynamo + m.cpuMsPerRequest.loadgen;

async function main() {
  const startedAt = new Date();
  const loadStart = loadavg();
  console.log(`bench:api — ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), Node ${process.version}, load average ${loadStart.map((l) => l.toFixed(2)).join(' ')}`);
  const experiments = [process.env.BENCH_ABLATE && `BENCH_ABLATE=${process.env.BENCH_ABLATE}`, process.env.BENCH_SERVER_LOG_LEVEL && `server log level ${process.env.BENCH_SERVER_LOG_LEVEL}`].filter(Boolean);
  if (experiments.length) console.log(`What-if run (${experiments.join(', ')}): not the product as shipped.`);

  const t0 = performance.now();
  dynamo = await startDynamoDbLocal();
  const dynamoPid = dynamo.process.pid!;
  const child = await startServer(dynamo.endpoint, dynamoPid);
  const { ready } = child;
  const rssAtStart = { server: procStatus(ready.pid).rssMb, dynamodbLocal: procStatus(dynamoPid).rssMb };
  console.log(`DynamoDB Local ${dynamo.endpoint} (pid ${dynamoPid}), API server ${ready.url} (pid ${ready.pid}); started in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const ddbConfig = { AWS_REGION: 'ap-south-1', DYNAMODB_ENDPOINT: dynamo.endpoint };
  const rawClient = createDynamoClient(ddbConfig);
  const rawRecorder = callRecorder(rawClient);
  const fixturesClient = createDynamoClient(ddbConfig);
  closers.push(() => rawClient.destroy(), () => fixturesClient.destroy());

  let http: HttpClient | undefined;
  closers.push(() => http?.close());
  let n = 0;
  const ctx: BenchContext = {
    http: () => http!,
    tokens: ready.tokens,
    db: createDocumentClient(rawClient),
    fixturesDb: createDocumentClient(fixturesClient),
    tableName: ready.tableName,
    nextN: () => n++,
    pools: newPools(),
  };

  /**
   * Each figure is measured in `slices` alternating parts (raw, API, raw, API, …) so that both see
   * the same machine: a neighbour's burst of CPU lands on both, not on one.
   */
  const concurrentSlice: RunPlan = {
    concurrency: cfg.concurrency,
    warmup: { ms: (cfg.warmupSeconds * 1000) / cfg.slices },
    measure: { ms: (cfg.seconds * 1000) / cfg.slices },
  };
  const sequentialSlice: RunPlan = {
    concurrency: 1,
    warmup: { count: Math.ceil(cfg.sequentialWarmup / cfg.sequentialSlices) },
    measure: { count: Math.ceil(cfg.sequential / cfg.sequentialSlices) },
  };
  /** Fixtures a slice may consume: generous for concurrent slices (900 req/s), exact for sequential ones. */
  const needOf = (plan: RunPlan) =>
    'count' in plan.measure ? plan.measure.count + ('count' in plan.warmup ? plan.warmup.count : 0) + 10 : Math.ceil(((plan.warmup as { ms: number }).ms + plan.measure.ms) * 0.9) + 50;

  interface Tally {
    slices: RunSlice[];
    cpu: { loadgen: number; server: number; dynamo: number };
    logBytes: number;
  }
  const newTally = (): Tally => ({ slices: [], cpu: { loadgen: 0, server: 0, dynamo: 0 }, logBytes: 0 });

  const runSlice = async (bench: RouteBench, kind: 'api' | 'raw', plan: RunPlan, tally: Tally): Promise<void> => {
    await bench.prepare?.(ctx, needOf(plan));
    if (kind === 'api') http = new HttpClient(ready.url, plan.concurrency);
    let before: CpuSample | undefined;
    let logsBefore = 0;
    try {
      const slice = await closedLoop(plan, () => (kind === 'api' ? bench.api(ctx) : bench.raw(ctx)), {
        beforeMeasure: () => {
          before = sampleCpu(ready.pid, dynamoPid);
          logsBefore = child.logBytes();
        },
        afterMeasure: () => {
          const after = sampleCpu(ready.pid, dynamoPid);
          tally.cpu.loadgen += after.loadgen - before!.loadgen;
          tally.cpu.server += (after.server ?? 0) - (before!.server ?? 0);
          tally.cpu.dynamo += (after.dynamo ?? 0) - (before!.dynamo ?? 0);
          tally.logBytes += child.logBytes() - logsBefore;
        },
      });
      tally.slices.push(slice);
    } finally {
      if (kind === 'api') http?.close();
    }
  };

  const measured = (kind: 'api' | 'raw', concurrency: number, t: Tally): Measured => {
    const stats = summarize(concurrency, t.slices);
    const requests = Math.max(1, stats.count + stats.errors);
    return {
      stats,
      requestsServed: t.slices.reduce((n, x) => n + x.latencies.length + x.errors + x.warmupCount, 0),
      cpuMsPerRequest: { loadgen: round(t.cpu.loadgen / requests, 3), server: round(t.cpu.server / requests, 3), dynamo: round(t.cpu.dynamo / requests, 3) },
      ...(kind === 'api' && { serverLogBytesPerRequest: round(t.logBytes / requests, 0) }),
    };
  };

  /** Raw and API slices in turn; with a profile file, the server child is profiled meanwhile. */
  const measurePair = async (bench: RouteBench, plan: RunPlan, slices: number, profileFile?: string): Promise<{ api: Measured; raw: Measured; serverProfile?: ServerProfile }> => {
    const api = newTally();
    const raw = newTally();
    if (profileFile) await child.ask({ op: 'profile-start' });
    for (let i = 0; i < slices; i++) {
      await runSlice(bench, 'raw', plan, raw);
      await runSlice(bench, 'api', plan, api);
    }
    const result = { api: measured('api', plan.concurrency, api), raw: measured('raw', plan.concurrency, raw) };
    if (!profileFile) return result;
    await child.ask({ op: 'profile-stop', file: profileFile });
    // Raw slices leave the server idle; per request = over every API request, warm-ups included.
    const requests = result.api.requestsServed;
    const { busyMs, rows } = categorize(readProfile(profileFile));
    return {
      ...result,
      serverProfile: {
        file: relative(process.cwd(), profileFile),
        busyMsPerRequest: round(busyMs / requests, 3),
        rows: rows.map((r) => ({ category: r.category, msPerRequest: round(r.ms / requests, 3), share: round(r.share, 3) })),
      },
    };
  };

  const benches = routeBenches.filter((b) => !cfg.routes || cfg.routes.some((r) => b.name.startsWith(r)));
  if (benches.length === 0) throw new Error(`BENCH_ROUTES matched no route; routes: ${routeBenches.map((b) => b.name).join(', ')}`);

  // Engines warm-up (JIT of the JVM and of both Node processes), unmeasured; its clients feed create-opportunity.
  const warm = routeBenches[0]!;
  const engineWarmup: RunPlan = { concurrency: cfg.concurrency, warmup: { ms: 0 }, measure: { ms: 1500 } };
  await runSlice(warm, 'raw', engineWarmup, newTally());
  await runSlice(warm, 'api', engineWarmup, newTally());

  // The engine's own pace today, next to DESIGN §7's figures for a 2-core machine (~1,400 GetItem/s,
  // ~900 PutItem/s at 50 concurrent, ~1 ms p50 one at a time): tells a slow machine from a slow API.
  const calibration = await calibrate(ctx);
  console.log(
    `DynamoDB Local today: GetItem ${calibration.getItem.throughput.toFixed(0)}/s, PutItem ${calibration.putItem.throughput.toFixed(0)}/s at ${cfg.concurrency} concurrent; GetItem p50 ${calibration.getItemSequential.p50.toFixed(2)} ms one at a time`,
  );

  /** One request each way with the recorders on: the raw job must make the calls the route makes. */
  const checkCalls = async (bench: RouteBench): Promise<RouteResult['observedCalls']> => {
    await bench.prepare?.(ctx, 10);
    http = new HttpClient(ready.url, 1);
    try {
      // A request per tenant first, unrecorded: the recorded one sees the steady state (each
      // tenant's configuration is reused for 10 s per container, so a warm route does not read it).
      for (let i = 0; i < BENCH_TENANTS.length; i++) await bench.api(ctx)!.run();
      await child.ask({ op: 'record' });
      await bench.api(ctx)!.run();
      const reply = await child.ask({ op: 'take' });
      const server = reply.op === 'calls' ? reply.calls : [];
      rawRecorder.start();
      await (await bench.raw(ctx))!.run();
      const raw = rawRecorder.take();
      return { server, raw, same: JSON.stringify(normalise(server)) === JSON.stringify(normalise(raw)) };
    } finally {
      http.close();
    }
  };

  const results: RouteResult[] = [];
  for (const bench of benches) {
    const tb = performance.now();
    process.stdout.write(`  ${bench.name.padEnd(32)}`);
    const observedCalls = await checkCalls(bench);
    const profileFile = (conc: number) => (cfg.cpuProfDir ? join(resolve(cfg.cpuProfDir), `${bench.name.replace(/[^a-z0-9]+/gi, '-').replace(/-$/, '')}.c${conc}.cpuprofile`) : undefined);
    if (cfg.cpuProfDir) mkdirSync(resolve(cfg.cpuProfDir), { recursive: true });
    const { api: apiC, raw: rawC, serverProfile: profileC } = await measurePair(bench, concurrentSlice, cfg.slices, profileFile(cfg.concurrency));
    const { api: apiS, raw: rawS, serverProfile: profileS } = await measurePair(bench, sequentialSlice, cfg.sequentialSlices, profileFile(1));
    const ok = (m: Measured) => m.stats.errors === 0 && m.stats.count > 0;
    const ratioC = apiC.stats.throughput / rawC.stats.throughput;
    const overhead = apiS.stats.p50 - rawS.stats.p50;
    results.push({
      name: bench.name,
      route: bench.route,
      dynamoDbCalls: bench.calls,
      observedCalls,
      ...(profileC && profileS && { serverProfile: { concurrent: profileC, sequential: profileS } }),
      concurrent: { api: apiC, raw: rawC, ratio: round(ratioC, 3), cpuRatio: round(cpuTotal(rawC) / cpuTotal(apiC), 3), pass: ok(apiC) && ok(rawC) && ratioC >= targets.throughputRatio },
      sequential: {
        api: apiS,
        raw: rawS,
        p50OverheadMs: round(overhead, 3),
        ratio: round(apiS.stats.throughput / rawS.stats.throughput, 3),
        cpuRatio: round(cpuTotal(rawS) / cpuTotal(apiS), 3),
        pass: ok(apiS) && ok(rawS) && overhead <= targets.p50OverheadMs,
      },
    });
    console.log(`done in ${((performance.now() - tb) / 1000).toFixed(1)} s${observedCalls.same ? '' : '  ⚠ raw calls differ from the route\'s (see below)'}`);
  }

  // Peak RSS, read before anything is stopped; then the server's memory after a full GC (growth or garbage?).
  const rss = { loadgen: procStatus(process.pid), server: procStatus(ready.pid), dynamodbLocal: procStatus(dynamoPid) };
  const memoryReply = await child.ask({ op: 'memory' });
  const serverAfterGc = memoryReply.op === 'memory' ? memoryReply.afterGc : undefined;
  const loadEnd = loadavg();

  const rows: Row[] = results.flatMap((r) => [
    {
      route: r.name,
      concurrency: cfg.concurrency,
      api: r.concurrent.api.stats,
      raw: r.concurrent.raw.stats,
      ratio: r.concurrent.ratio,
      p50Overhead: r.concurrent.api.stats.p50 - r.concurrent.raw.stats.p50,
      target: `ratio ≥ ${targets.throughputRatio * 100} %`,
      pass: r.concurrent.pass,
      sameCalls: r.observedCalls.same,
    },
    {
      route: '',
      concurrency: 1,
      api: r.sequential.api.stats,
      raw: r.sequential.raw.stats,
      ratio: r.sequential.ratio,
      p50Overhead: r.sequential.p50OverheadMs,
      target: `p50 +ms ≤ ${targets.p50OverheadMs}`,
      pass: r.sequential.pass,
      sameCalls: r.observedCalls.same,
    },
  ]);

  console.log(
    `\nAPI routes vs raw DynamoDB Local (same calls, same run; raw and API alternate in ${cfg.slices} parts at ${cfg.concurrency}, ${cfg.sequentialSlices} at 1)\n` +
      `${cfg.concurrency} concurrent: ${cfg.warmupSeconds} s warm-up + ${cfg.seconds} s; 1 at a time: ${cfg.sequentialWarmup} + ${cfg.sequential} requests\n`,
  );
  console.log(resultsTable(rows));
  console.log('\nDynamoDB calls per request (as read in the code; then as recorded on the server during one request — the raw runs replay them):');
  for (const r of results) {
    console.log(`  ${r.name.padEnd(32)} ${r.dynamoDbCalls}`);
    console.log(`  ${''.padEnd(32)} observed: ${r.observedCalls.server.join(', ')}`);
    if (!r.observedCalls.same) console.log(`  ${''.padEnd(32)} ⚠ raw replay differs: ${r.observedCalls.raw.join(', ')}`);
  }

  const cpuRows = results.flatMap((r) =>
    (['concurrent', 'sequential'] as const).map((k) => {
      const m = r[k];
      const c = (x?: number) => (x === undefined ? '—' : x.toFixed(2));
      return [
        k === 'concurrent' ? r.name : '',
        k === 'concurrent' ? String(cfg.concurrency) : '1',
        c(m.api.cpuMsPerRequest.server),
        c(m.api.cpuMsPerRequest.dynamo),
        c(m.api.cpuMsPerRequest.loadgen),
        c(m.raw.cpuMsPerRequest.dynamo),
        c(m.raw.cpuMsPerRequest.loadgen),
        c(cpuTotal(m.api)),
        c(cpuTotal(m.raw)),
        `${((cpuTotal(m.raw) / cpuTotal(m.api)) * 100).toFixed(0)} %`,
        String(m.api.serverLogBytesPerRequest ?? '—'),
      ];
    }),
  );
  console.log(
    '\nCPU ms per request, by process (where the time goes). With every process on the same 2 cores, "raw/api" (the raw\n' +
      'calls\' CPU over the route\'s) is the throughput ratio the CPU alone allows; it moves less than req/s with a busy neighbour:',
  );
  console.log(table(['route', 'conc', 'api: server', 'api: JVM', 'api: loadgen', 'raw: JVM', 'raw: loadgen', 'api total', 'raw total', 'raw/api', 'server log B/req'], cpuRows));

  const profiled = results.filter((r) => r.serverProfile);
  if (profiled.length > 0) {
    console.log(`\nServer child CPU by category, ms per request (share), during the API slices — profiled, so slower than unprofiled; profiles in ${cfg.cpuProfDir}:`);
    const columns = profiled.flatMap((r) => [
      { head: `${r.name} @${cfg.concurrency}`, p: r.serverProfile!.concurrent },
      { head: '@1', p: r.serverProfile!.sequential },
    ]);
    const cats = [...new Set(columns.flatMap((c) => c.p.rows.filter((x) => x.share >= 0.01).map((x) => x.category)))];
    console.log(
      table(
        ['category', ...columns.map((c) => c.head)],
        [
          ...cats.map((cat) => [
            cat,
            ...columns.map((c) => {
              const row = c.p.rows.find((x) => x.category === cat);
              return row ? `${row.msPerRequest.toFixed(2)} (${(row.share * 100).toFixed(0)}%)` : '—';
            }),
          ]),
          ['total busy', ...columns.map((c) => c.p.busyMsPerRequest.toFixed(2))],
        ],
      ),
    );
  }

  const mb = (x?: number) => (x === undefined ? '?' : `${x.toFixed(0)} MB`);
  console.log(
    `\nPeak RSS (VmHWM): load generator ${mb(rss.loadgen.hwmMb)}, server child ${mb(rss.server.hwmMb)} (${mb(rssAtStart.server)} once started), DynamoDB Local JVM ${mb(rss.dynamodbLocal.hwmMb)} (${mb(rssAtStart.dynamodbLocal)} once started)`,
  );
  if (serverAfterGc) {
    const m = (b: number) => `${(b / 2 ** 20).toFixed(0)} MB`;
    console.log(`Server child after the run and a full GC: RSS ${m(serverAfterGc.rss)}, JS heap ${m(serverAfterGc.heapUsed)} used of ${m(serverAfterGc.heapTotal)}, external ${m(serverAfterGc.external)}`);
  }
  console.log(`Load average at start ${loadStart.map((l) => l.toFixed(2)).join(' ')}, at end ${loadEnd.map((l) => l.toFixed(2)).join(' ')}`);
  const stderr = child.stderrTail().trim();
  if (stderr) console.log(`\nServer child stderr (tail):\n${stderr.split('\n').slice(-10).join('\n')}`);

  const passed = rows.filter((r) => r.pass).length;
  const out = join(root, '.bench', 'api.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(
    out,
    `${JSON.stringify(
      {
        benchmark: 'bench:api',
        issue: 'Sales pipeline core',
        startedAt: startedAt.toISOString(),
        durationSeconds: round((Date.now() - startedAt.getTime()) / 1000, 1),
        commit: spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).stdout?.trim() || undefined,
        machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, loadAverageStart: loadStart, loadAverageEnd: loadEnd },
        config: { ...cfg, targets, ablate: process.env.BENCH_ABLATE, serverLogLevel: process.env.BENCH_SERVER_LOG_LEVEL },
        calibration,
        results,
        peakRssMb: { loadgen: rss.loadgen.hwmMb, server: rss.server.hwmMb, dynamodbLocal: rss.dynamodbLocal.hwmMb },
        rssAtStartMb: rssAtStart,
        serverMemoryAfterGcMb: serverAfterGc && Object.fromEntries(Object.entries(serverAfterGc).map(([k, v]) => [k, round(v / 2 ** 20, 1)])),
        summary: { rows: rows.length, passed, missed: rows.length - passed },
      },
      (_k, v: unknown) => (typeof v === 'number' ? round(v, 3) : v),
      2,
    )}\n`,
  );
  console.log(`\n${passed}/${rows.length} targets met. Results: ${relative(process.cwd(), out)}`);

}

try {
  await main();
} catch (error) {
  console.error('\nbench:api failed:', error);
  process.exitCode = 1;
} finally {
  await cleanup();
}
