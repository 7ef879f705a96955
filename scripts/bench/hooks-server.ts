import { pathToFileURL } from 'node:url';
import type { Principal } from '../../domain/access/roles';
import { callRecorder } from './calls';
import { stopWhenOrphaned } from './child';

/**
 * The server of `npm run bench:hooks` (scripts/bench/hooks.ts), in its own process so that its
 * memory and event loop are its own: the local stack without the event pipeline (hooks need no
 * ClickHouse) — the HTTP server and the in-process inbound queue whose worker processes the
 * deliveries — on the DynamoDB Local the benchmark started (BENCH_DYNAMODB_ENDPOINT), the demo
 * tenants seeded. Once ready it sends `HooksServerReady` over IPC.
 *
 * It notes when each delivery is finished: the worker's PutItem that marks a delivery `processed`
 * or `failed` (IntegrationsRepository.saveDelivery), timed when DynamoDB Local has acknowledged it —
 * a middleware on the store's client that looks at the one attribute, on every call of the run.
 * The delivery's own `processedAt` is not that moment: the worker stamps it with the time it
 * picked the message up (functions/queues/inbound.ts passes `new Date()` before processing).
 *
 * Over IPC (`HooksServerMessage`) it records the DynamoDB calls its handlers and worker send
 * between two messages (scripts/bench/calls.ts), waits for the inbound queue to drain, and hands
 * over the finish times. It stops when its stdin closes or its IPC channel disconnects (the
 * benchmark is gone, however it went; it then stops the benchmark's DynamoDB Local too,
 * BENCH_DYNAMODB_PID), or on SIGINT/SIGTERM.
 */
/** The staff member who creates the connection and reads its delivery log: connections are the tenant admin's. */
export const HOOKS_ADMIN = { tenantId: 'demo', staffId: 'admin', role: 'tenant_admin' } as const satisfies Principal;

export interface HooksServerReady {
  url: string;
  pid: number;
  tableName: string;
  /** A token for HOOKS_ADMIN, valid for the whole run. */
  token: string;
}

/** A delivery the worker finished: its id, Date.now() once its PutItem was acknowledged, the status it was given. */
export type Finished = [deliveryId: string, at: number, status: string];

/** Parent → child. */
export type HooksServerMessage =
  | { op: 'record' }
  | { op: 'take' }
  /** Waits until the inbound queue holds nothing and runs nothing, at most `timeoutMs`. */
  | { op: 'drain'; timeoutMs: number }
  /** The deliveries finished since the last `finished`, then forgets them. */
  | { op: 'finished' };
/** Child → parent: `ready` once (unasked), then one reply per message. */
export type HooksServerReply =
  | { op: 'ready'; ready: HooksServerReady }
  | { op: 'ok' }
  /** The calls in the order they were sent. */
  | { op: 'calls'; calls: string[] }
  /** `idle`: false when the timeout came first. `at`: Date.now() then. */
  | { op: 'drained'; idle: boolean; at: number }
  | { op: 'finished'; finished: Finished[] }
  | { op: 'error'; message: string };

interface MiddlewareStackLike {
  middlewareStack: { add(mw: unknown, options: { step: 'initialize'; name: string }): void };
}

/** A string attribute, plain (document client) or marshalled ({S: …}): the store's client shares its middleware stack with the document client's. */
const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof (v as { S?: unknown } | undefined)?.S === 'string' ? (v as { S: string }).S : undefined);

/** Notes each acknowledged PutItem of a delivery item that marks it `processed` or `failed` (not the worker's `processing` claim). */
function watchFinishes(client: MiddlewareStackLike, onFinished: (f: Finished) => void): void {
  client.middlewareStack.add(
    (next: (args: { input: unknown }) => Promise<unknown>, context: { commandName?: string }) => async (args: { input: unknown }) => {
      const out = await next(args);
      if (context.commandName === 'PutItemCommand' || context.commandName === 'PutCommand') {
        const item = (args.input as { Item?: Record<string, unknown> }).Item;
        const entity = text(item?.entity);
        const status = text(item?.status);
        if (entity === 'delivery' && (status === 'processed' || status === 'failed')) onFinished([text(item?.id) ?? '?', Date.now(), status ?? '?']);
      }
      return out;
    },
    { step: 'initialize', name: 'benchDeliveryFinishes' },
  );
}

/**
 * What-if experiments (BENCH_WHAT_IF, comma list; off by default: `--what-if` of the benchmark),
 * patched into this process to price a suggested change without making it:
 *   connection-cache  IntegrationsRepository.getConnection memoised per process for 60 s (as the
 *                     connection's secrets are, functions/lib/integrations/secrets.ts): a warm hook
 *                     makes its PutItem only. The worker's read of the connection is memoised too.
 * Returns the experiments; an unknown name is an error.
 */
export const WHAT_IFS = ['connection-cache'] as const;
export type WhatIf = (typeof WHAT_IFS)[number];
export function whatIfs(spec: string | undefined): WhatIf[] {
  const what = [...new Set((spec ?? '').split(',').map((s) => s.trim()).filter(Boolean))];
  for (const name of what) if (!(WHAT_IFS as readonly string[]).includes(name)) throw new Error(`what-if: unknown experiment ${name} (known: ${WHAT_IFS.join(', ')})`);
  return what as WhatIf[];
}

const CONNECTION_CACHE_MS = 60_000;

async function main() {
  const experiments = whatIfs(process.env.BENCH_WHAT_IF);
  const dynamoEndpoint = process.env.BENCH_DYNAMODB_ENDPOINT;
  if (!dynamoEndpoint) throw new Error('BENCH_DYNAMODB_ENDPOINT is not set');
  // Loaded here, not at the top: the benchmark imports this module for its types and constants.
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
  const { getServices, getStoreClients } = await import('../../functions/lib/services');
  await seedDemo(getServices(), new Date());
  // The hook handler and the inbound worker share this client (one per process, as in Lambda).
  const { db } = getStoreClients();
  const recorder = callRecorder(db);
  let finished: Finished[] = [];
  watchFinishes(db, (f) => finished.push(f));
  if (experiments.includes('connection-cache')) {
    const repo = getServices().integrations;
    const read = repo.getConnection.bind(repo);
    const copies = new Map<string, { at: number; value: ReturnType<typeof read> }>();
    repo.getConnection = (tenantId, id) => {
      const key = `${tenantId}/${id}`;
      const hit = copies.get(key);
      if (hit && Date.now() - hit.at < CONNECTION_CACHE_MS) return hit.value;
      const value = read(tenantId, id);
      copies.set(key, { at: Date.now(), value });
      return value;
    };
  }

  const reply = (r: HooksServerReply) => process.send?.(r);
  process.on('message', (m: HooksServerMessage) => {
    void (async () => {
      try {
        if (m.op === 'record') {
          recorder.start();
          reply({ op: 'ok' });
        } else if (m.op === 'take') {
          reply({ op: 'calls', calls: recorder.take() });
        } else if (m.op === 'drain') {
          let timer: NodeJS.Timeout | undefined;
          const idle = await Promise.race([
            stack.inboundQueue.idle().then(() => true),
            new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), m.timeoutMs))),
          ]);
          clearTimeout(timer);
          reply({ op: 'drained', idle, at: Date.now() });
        } else if (m.op === 'finished') {
          const out = finished;
          finished = [];
          reply({ op: 'finished', finished: out });
        }
      } catch (error) {
        reply({ op: 'error', message: error instanceof Error ? error.message : String(error) });
      }
    })();
  });

  reply({ op: 'ready', ready: { url: stack.url, pid: process.pid, tableName: stack.tableName, token: stack.issuer.mint(HOOKS_ADMIN, { ttlSeconds: 3600 }) } });
}

// Run as the child; imported (by the benchmark, for these types and constants), nothing starts.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error: unknown) => {
    console.error('bench hooks server failed:', error);
    process.exit(1);
  });
}
