import { pathToFileURL } from 'node:url';
import { inScope, policy } from '../../domain/access/policy';
import type { Principal } from '../../domain/access/roles';
import { keys, type KeyQuery } from '../../functions/lib/store/keys';
import { callRecorder } from './calls';
import { stopWhenOrphaned } from './child';

/**
 * The server of `npm run bench:import` (scripts/bench/import.ts), in its own process so that its
 * memory is its own: the local stack without the event pipeline (the HTTP server, s3rver and the
 * in-process data queue whose worker runs the import and export steps) on the DynamoDB Local the
 * benchmark started (BENCH_DYNAMODB_ENDPOINT), the demo tenants seeded. Once ready it sends
 * `ImportServerReady` over IPC (and prints it on stdout after READY_PREFIX).
 *
 * It samples its own RSS every 200 ms from the start; over IPC (`ImportServerMessage`) it marks a
 * moment of the run (its RSS then, and the peak so far), records the DynamoDB calls its handlers and
 * worker send between two messages (counted by signature, scripts/bench/calls.ts), counts the
 * clients of a tenant as an export by a staff member would see them (the store, read directly),
 * and hands over the RSS timeline.
 *
 * It stops when its stdin closes or its IPC channel disconnects (the benchmark is gone, however it
 * went; it then stops the benchmark's DynamoDB Local too, BENCH_DYNAMODB_PID), on SIGINT/SIGTERM, or
 * at once when asked (`stop`). The benchmark gives it a TMPDIR of its own (s3rver's objects, the
 * outbox), which it removes once the child is gone, however it went.
 */
export const READY_PREFIX = 'BENCH_IMPORT_READY ';
/** The staff member every benchmark import and export acts as: imports are `data:import`, a manager's right. */
export const IMPORTER = { tenantId: 'demo', staffId: 'manager', role: 'manager' } as const satisfies Principal;
const SAMPLE_MS = 200;

export interface ImportServerReady {
  url: string;
  pid: number;
  tableName: string;
  /** A token for IMPORTER, valid for the whole run. */
  token: string;
}

export interface RssSample {
  /** Date.now() of the sample. */
  at: number;
  rssMb: number;
  heapUsedMb: number;
}

export interface RssMark extends RssSample {
  name: string;
  /** The highest RSS sampled up to this mark. */
  peakMb: number;
}

/** Parent → child. */
export type ImportServerMessage =
  | { op: 'mark'; name: string }
  | { op: 'record' }
  | { op: 'take' }
  | { op: 'count'; actor: Principal }
  | { op: 'memory' }
  /** Exit now, leaving DynamoDB Local running (an import still in progress is abandoned). */
  | { op: 'stop' };
/** Child → parent: `ready` once (unasked), then one reply per message. */
export type ImportServerReply =
  | { op: 'ready'; ready: ImportServerReady }
  | { op: 'mark'; mark: RssMark }
  | { op: 'ok' }
  /** Each call signature and how many times it was sent. */
  | { op: 'calls'; counts: Record<string, number> }
  /** `total`: the tenant's clients; `visible`: those the actor may read (what their export holds). */
  | { op: 'count'; total: number; visible: number }
  | { op: 'memory'; peakMb: number; marks: RssMark[]; samples: RssSample[] }
  | { op: 'error'; message: string };

const mb = (bytes: number) => bytes / 2 ** 20;

/**
 * What-if experiments (BENCH_ABLATE, comma list; off by default), patched into this process and the
 * benchmark's (its raw replay makes the same calls) before anything queries, to price a suggested
 * change without making it:
 *   prefix-between  (what keys.ts byPrefix now does by default: this experiment priced it, 5.6 → 121
 *                   rows/s at 100 k rows, and finds nothing left to patch since.) Every Query keys.query
 *                   builds with `begins_with(sk, :prefix)` sent as `sk BETWEEN :prefix AND :prefix + U+10FFFF` instead: the same items (all
 *                   but a key holding U+10FFFF right after the prefix), but DynamoDB Local answers
 *                   begins_with by reading the whole partition — for the fuzzy duplicate Queries and
 *                   the export's name index, the tenant's client index, about 7 items a client — and
 *                   BETWEEN from its index. DynamoDB itself reads only the range either way.
 * Returns the experiments applied; an unknown name is an error.
 */
export function ablate(spec: string | undefined): string[] {
  const what = [...new Set((spec ?? '').split(',').map((s) => s.trim()).filter(Boolean))];
  for (const name of what) {
    if (name !== 'prefix-between') throw new Error(`BENCH_ABLATE: unknown experiment ${name} (known: prefix-between)`);
    const builders = keys.query as unknown as Record<string, (...args: unknown[]) => KeyQuery>;
    for (const [query, build] of Object.entries(builders)) builders[query] = (...args) => asRange(build(...args));
  }
  return what;
}

const asRange = (q: KeyQuery): KeyQuery => {
  const m = /begins_with\((\w+), :prefix\)/.exec(q.KeyConditionExpression);
  if (!m) return q;
  return {
    ...q,
    KeyConditionExpression: q.KeyConditionExpression.replace(m[0], `${m[1]} BETWEEN :prefix AND :prefixEnd`),
    ExpressionAttributeValues: { ...q.ExpressionAttributeValues, ':prefixEnd': `${q.ExpressionAttributeValues[':prefix']}\u{10FFFF}` },
  };
};

async function main() {
  const samples: RssSample[] = [];
  let peakMb = 0;
  const sample = (): RssSample => {
    const m = process.memoryUsage();
    const s = { at: Date.now(), rssMb: mb(m.rss), heapUsedMb: mb(m.heapUsed) };
    peakMb = Math.max(peakMb, s.rssMb);
    return s;
  };
  samples.push(sample());
  setInterval(() => samples.push(sample()), SAMPLE_MS).unref();
  const marks: RssMark[] = [];

  ablate(process.env.BENCH_ABLATE);
  const dynamoEndpoint = process.env.BENCH_DYNAMODB_ENDPOINT;
  if (!dynamoEndpoint) throw new Error('BENCH_DYNAMODB_ENDPOINT is not set');
  // Loaded here, not at the top: the benchmark imports this module for its types and ablate().
  const [{ startLocalStack }, { seedDemo }] = await Promise.all([import('../local/stack'), import('../seed')]);
  const stack = await startLocalStack({ dynamoEndpoint, pipeline: false });

  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await stack.stop().catch(() => undefined);
    process.exit(code);
  };
  stopWhenOrphaned(stop);

  // After startLocalStack: the services read the environment it sets.
  const [{ getServices, getStoreClients }, { contextOf }] = await Promise.all([import('../../functions/lib/services'), import('../../functions/lib/use-cases/context')]);
  const services = getServices();
  await seedDemo(services, new Date());
  // The handlers and the worker share this client (one per process, as in Lambda).
  const recorder = callRecorder(getStoreClients().db);

  const reply = (r: ImportServerReply) => process.send?.(r);
  process.on('message', (m: ImportServerMessage) => {
    void (async () => {
      try {
        if (m.op === 'mark') {
          const mark = { ...sample(), name: m.name, peakMb };
          marks.push(mark);
          reply({ op: 'mark', mark });
        } else if (m.op === 'record') {
          recorder.start();
          reply({ op: 'ok' });
        } else if (m.op === 'take') {
          const counts: Record<string, number> = {};
          for (const call of recorder.take()) counts[call] = (counts[call] ?? 0) + 1;
          reply({ op: 'calls', counts });
        } else if (m.op === 'count') {
          // As the export reads them (ClientsRepository.pages), scoped as exports.ts scopes them.
          const viewer = await contextOf(m.actor, new Date(), services).viewer();
          const whole = policy[viewer.role].scope === 'tenant';
          let total = 0;
          let visible = 0;
          for await (const page of services.clients.pages(m.actor.tenantId)) {
            total += page.length;
            visible += whole ? page.length : page.filter((s) => inScope(viewer, { team: s.team })).length;
          }
          reply({ op: 'count', total, visible });
        } else if (m.op === 'memory') {
          samples.push(sample());
          reply({ op: 'memory', peakMb, marks, samples });
        } else if (m.op === 'stop') {
          // Not stack.stop(): it waits for the data queue's step, which may run for minutes. Its temp
          // directories are under TMPDIR, which the benchmark removes.
          process.send?.({ op: 'ok' } satisfies ImportServerReply, () => process.exit(0));
        }
      } catch (error) {
        reply({ op: 'error', message: error instanceof Error ? error.message : String(error) });
      }
    })();
  });

  const ready: ImportServerReady = { url: stack.url, pid: process.pid, tableName: stack.tableName, token: stack.issuer.mint(IMPORTER, { ttlSeconds: 3 * 3600 }) };
  process.stdout.write(`${READY_PREFIX}${JSON.stringify(ready)}\n`);
  reply({ op: 'ready', ready });
}

// Run as the child; imported (by the benchmark, for these types and constants), nothing starts.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error: unknown) => {
    console.error('bench import server failed:', error);
    process.exit(1);
  });
}
