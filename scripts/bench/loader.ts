import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context, SQSEvent } from 'aws-lambda';
import type { Principal } from '../../domain/access/roles';
import type { CrmEvent } from '../../domain/events/event';
import type { Opportunity } from '../../domain/pipeline/opportunity';
import { aFeedback } from '../../domain/testing/builders';
import type { DomainEvent } from '../../events/contract';
import { factsOf } from '../../functions/lib/analytics/projections';
import { domainEventsOf } from '../../functions/streams/mappers';
import { History } from '../../functions/streams/testing/history';
import { asQueueMessage } from '../events';
import { startLocalStack } from '../local/stack';
import { procStatus } from './report';

/**
 * `npm run bench:loader` (issue #8): (1) sustained rows/s of the real loader (parse → projections →
 * one insert per table) into chDB, fed SQS batches of synthetic domain events made by the real
 * mappers from a real history; (2) end-to-end freshness on the local stack: an API write → visible
 * in ClickHouse (p50/p95). Peak RSS beside. Knobs: BENCH_EVENTS (200,000), BENCH_WRITES (60).
 * Results also in .bench/loader.json.
 */
const EVENTS = Number(process.env.BENCH_EVENTS ?? 200_000);
const WRITES = Number(process.env.BENCH_WRITES ?? 60);

/** A realistic mix: per opportunity a creation, calls scheduled and completed, a demo with feedback, moves, a win or a loss, audit entries. */
function syntheticEvents(target: number): DomainEvent[] {
  const out: DomainEvent[] = [];
  const h = new History('bench');
  const tse: Principal = { tenantId: 'bench', staffId: 'tse-1', role: 'tse' };
  let minute = 0;
  const at = () => new Date(Date.UTC(2026, 11, 1, 3, 0) + ++minute * 1000);
  let n = 0;
  while (out.length < target) {
    const start = h.changes.length;
    const client = h.client(tse, at(), { companyName: `Bench ${n}`, mobile: `9${String(847_000_000 + (n % 150_000_000))}` });
    let o: Opportunity = h.opportunity(tse, at(), client.id, { productId: 'website' });
    for (let k = 0; k < 3; k++) {
      const call: CrmEvent = h.event(tse, at(), o, { type: 'Call', scheduledAt: at().toISOString() });
      h.complete(tse, at(), call, { remarks: 'spoke' });
    }
    o = h.move(tse, at(), o, { stage: 'Demo' });
    const demo = h.event(tse, at(), o, { type: 'DemoScheduled', scheduledAt: at().toISOString() });
    h.complete(tse, at(), demo, { feedback: aFeedback() });
    h.move(tse, at(), o, n % 3 === 0 ? { stage: 'Closed', outcome: 'Lost', reason: 'price' } : { stage: 'Closed', outcome: 'Won' }, { role: 'tse', active: true });
    for (const change of h.changes.slice(start)) out.push(...domainEventsOf(change).events);
    h.changes.length = 0;
    n += 1;
  }
  return out.slice(0, target);
}

const message = (body: string, i: number) => ({
  messageId: `m${i}`,
  receiptHandle: 'r',
  body,
  attributes: { ApproximateReceiveCount: '1', SentTimestamp: '1', SenderId: 'events', ApproximateFirstReceiveTimestamp: '1' },
  messageAttributes: {},
  md5OfBody: '',
  eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:ap-south-1:000000000000:analytics-loader',
  awsRegion: 'ap-south-1',
});

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-loader-'));
  const load0 = loadavg();
  // The whole local stack: DynamoDB Local, the API, the stream poller, bus and loader, chDB.
  const stack = await startLocalStack({ dataDir, port: 0 });
  const { getServices } = await import('../../functions/lib/services');
  const { seedDemo } = await import('../seed');
  await seedDemo(getServices(), new Date());
  const analytics = stack.pipeline!.analytics;
  const { handler } = await import('../../functions/queues/analytics-loader');
  const results: Record<string, unknown> = {};
  try {
    // ── (1) throughput ──
    const t0 = performance.now();
    const events = syntheticEvents(EVENTS);
    const bodies = events.map((e, i) => JSON.stringify(asQueueMessage(e, i)));
    const made = performance.now() - t0;
    console.log(`${bodies.length.toLocaleString('en')} synthetic events made in ${(made / 1000).toFixed(1)} s (mappers over a History)`);
    // The rows the loader inserts for these events (each run inserts them all again: new batches, new tokens).
    const rows = events.reduce((n, e) => n + Object.values(factsOf(e as never)).reduce((m, r) => m + (r?.length ?? 0), 0), 0);
    const runs: Record<string, number | string>[] = [];
    for (const batchSize of [100, 1000, 5000]) {
      const started = performance.now();
      let cpu = process.cpuUsage();
      for (let i = 0; i < bodies.length; i += batchSize) {
        const event: SQSEvent = { Records: bodies.slice(i, i + batchSize).map((b, k) => message(b, i + k)) };
        const res = await handler(event, {} as Context);
        if (res.batchItemFailures.length) throw new Error(`loader refused ${res.batchItemFailures.length} messages`);
      }
      const seconds = (performance.now() - started) / 1000;
      cpu = process.cpuUsage(cpu);
      runs.push({ batchSize, events: bodies.length, rows, seconds: Math.round(seconds * 100) / 100, 'rows/s': Math.round(rows / seconds), 'events/s': Math.round(bodies.length / seconds), 'cpu ms/1k rows': Math.round(((cpu.user + cpu.system) / 1000 / rows) * 1000 * 10) / 10 });
    }
    console.log('\nLoader throughput (real handler: parse + contracts + projections + one insert per table, into chDB):');
    console.table(runs);
    results.throughput = runs;

    // ── (2) freshness ──
    const token = stack.issuer.mint({ tenantId: 'demo', staffId: 'tse-1', role: 'tse' });
    const lags: number[] = [];
    for (let i = 0; i < WRITES; i++) {
      const t = performance.now();
      const res = await fetch(`${stack.url}/v1/clients`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ companyName: `Fresh ${i}`, ownerName: 'Owner', mobile: `97470${String(10000 + i)}` }),
      });
      const client = (await res.json()) as { id: string };
      for (;;) {
        const seen = await analytics.query('SELECT 1 FROM audit_log WHERE tenant_id = {t:String} AND entity_id = {id:String} LIMIT 1', { t: 'demo', id: client.id });
        if (seen.length) break;
        if (performance.now() - t > 20_000) throw new Error('not visible after 20 s');
        await new Promise((r) => setTimeout(r, 10));
      }
      lags.push(performance.now() - t);
    }
    lags.sort((a, b) => a - b);
    const freshness = { writes: WRITES, p50_ms: Math.round(percentile(lags, 50)), p95_ms: Math.round(percentile(lags, 95)), max_ms: Math.round(lags.at(-1)!) };
    console.log('\nFreshness on the local stack (POST /v1/clients → its audit entry queryable in chDB; stream poll 250 ms, loader batch window):');
    console.table([freshness]);
    results.freshness = freshness;
    const rss = procStatus(process.pid);
    results.peakRssMb = Math.round(rss.hwmMb ?? 0);
    console.log(`\nPeak RSS of this process (API server, poller, bus, loader and chDB all in it): ${results.peakRssMb} MB`);
    console.log(`Load average at start ${load0.map((l) => l.toFixed(2)).join(' ')}, at end ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    const best = Math.max(...runs.map((r) => Number(r['rows/s'])));
    console.log(`\n${best >= 100_000 ? 'PASS' : 'MISS'}: best sustained ${best.toLocaleString('en')} rows/s (target ≥ 100,000); freshness p95 ${freshness.p95_ms} ms (target ≤ 2,000: ${freshness.p95_ms <= 2000 ? 'PASS' : 'MISS'})`);
    mkdirSync('.bench', { recursive: true });
    writeFileSync('.bench/loader.json', JSON.stringify(results, null, 2));
  } finally {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  process.exit(0);
}

await main();
