import { Agent, request } from 'node:http';

/**
 * Closed-loop load: `concurrency` workers, each sending its next request as soon as the previous
 * one answered. A run has a warm-up (discarded) and a measured part, each bounded by a count or a
 * duration. Only the operation itself is timed: building the next job happens before the clock starts.
 * Latencies are wall-clock ms from sending the request to having read the whole response.
 */
export interface Job {
  /** Runs the operation; throws (or rejects) when it failed. */
  run(): Promise<void>;
}

export interface RunPlan {
  concurrency: number;
  warmup: { ms: number } | { count: number };
  measure: { ms: number; maxCount?: number } | { count: number };
}

export interface RunStats {
  concurrency: number;
  count: number;
  errors: number;
  /** Wall time of the measured part, ms. */
  elapsedMs: number;
  throughput: number;
  p50: number;
  p95: number;
  p99: number;
  mean: number;
  max: number;
  /** True when the job source ran dry before the planned end (fixtures exhausted). */
  exhausted: boolean;
  firstError?: string;
}

/** The raw outcome of one closed-loop run; several runs (slices) merge into one RunStats. */
export interface RunSlice {
  latencies: number[];
  /** Requests of the warm-up part (not measured). */
  warmupCount: number;
  errors: number;
  elapsedMs: number;
  exhausted: boolean;
  firstError?: string;
}

/**
 * `next()` returns the next job, or undefined when its fixtures ran out. `hooks` run right before
 * and after the measured part (CPU sampling).
 */
export async function closedLoop(plan: RunPlan, next: () => Job | undefined | Promise<Job | undefined>, hooks: { beforeMeasure?(): void; afterMeasure?(): void } = {}): Promise<RunSlice> {
  let exhausted = false;
  const take = async () => {
    if (exhausted) return undefined;
    const job = await next();
    if (!job) exhausted = true;
    return job;
  };

  // Warm-up: the same load, results discarded.
  let warmupCount = 0;
  await phase(plan.concurrency, 'ms' in plan.warmup ? { untilMs: plan.warmup.ms } : { count: plan.warmup.count }, take, () => void warmupCount++);

  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  hooks.beforeMeasure?.();
  const started = performance.now();
  await phase(plan.concurrency, 'ms' in plan.measure ? { untilMs: plan.measure.ms, ...(plan.measure.maxCount !== undefined && { count: plan.measure.maxCount }) } : { count: plan.measure.count }, take, (ms, error) => {
    if (error === undefined) latencies.push(ms);
    else {
      errors++;
      firstError ??= error instanceof Error ? error.message : String(error);
    }
  });
  const elapsedMs = performance.now() - started;
  hooks.afterMeasure?.();
  return { latencies, warmupCount, errors, elapsedMs, exhausted, ...(firstError !== undefined && { firstError }) };
}

/** Percentiles and throughput over the measured parts of one or more slices. */
export function summarize(concurrency: number, slices: readonly RunSlice[]): RunStats {
  const latencies = slices.flatMap((s) => s.latencies).sort((a, b) => a - b);
  const elapsedMs = slices.reduce((t, s) => t + s.elapsedMs, 0);
  const q = (p: number) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.max(0, Math.ceil(p * latencies.length) - 1))]! : NaN);
  const firstError = slices.find((s) => s.firstError !== undefined)?.firstError;
  return {
    concurrency,
    count: latencies.length,
    errors: slices.reduce((t, s) => t + s.errors, 0),
    elapsedMs,
    throughput: (latencies.length / elapsedMs) * 1000,
    p50: q(0.5),
    p95: q(0.95),
    p99: q(0.99),
    mean: latencies.length ? latencies.reduce((a, b) => a + b, 0) / latencies.length : NaN,
    max: latencies.length ? latencies[latencies.length - 1]! : NaN,
    exhausted: slices.some((s) => s.exhausted),
    ...(firstError !== undefined && { firstError }),
  };
}

async function phase(concurrency: number, bound: { untilMs?: number; count?: number }, take: () => Promise<Job | undefined>, record: (ms: number, error?: unknown) => void): Promise<void> {
  const deadline = bound.untilMs === undefined ? Infinity : performance.now() + bound.untilMs;
  let remaining = bound.count ?? Infinity;
  const worker = async () => {
    while (remaining > 0 && performance.now() < deadline) {
      remaining--;
      const job = await take();
      if (!job) return;
      const t0 = performance.now();
      try {
        await job.run();
        record(performance.now() - t0);
      } catch (error) {
        record(performance.now() - t0, error);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** Keep-alive HTTP/1.1 to the server under test, one pooled connection per concurrent worker. */
export class HttpClient {
  private readonly agent: Agent;
  private readonly host: string;
  private readonly port: number;

  constructor(baseUrl: string, maxSockets: number) {
    const url = new URL(baseUrl);
    this.host = url.hostname;
    this.port = Number(url.port);
    this.agent = new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  }

  send(method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: this.host,
          port: this.port,
          method,
          path,
          agent: this.agent,
          headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    text: string,
  ) {
    super(`HTTP ${status}: ${text.slice(0, 300)}`);
  }
}
