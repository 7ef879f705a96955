import { pathToFileURL } from 'node:url';
import type { Principal } from '../../domain/access/roles';
import { callRecorder } from './calls';

/**
 * The server of `npm run bench:hooks` (scripts/bench/hooks.ts), in its own process so that its
 * memory and event loop are its own: the local stack without the event pipeline (hooks need no
 * ClickHouse) — the HTTP server and the in-process inbound queue whose worker processes the
 * deliveries — on the DynamoDB Local the benchmark started (BENCH_DYNAMODB_ENDPOINT), the demo
 * tenants seeded. Once ready it sends `HooksServerReady` over IPC.
 *
 * It notes when each delivery is finished: the worker's PutItem that moves a delivery out of
 * `queued` (IntegrationsRepository.saveDelivery), timed when DynamoDB Local has acknowledged it —
 * a middleware on the store's client that looks at the one attribute, on every call of the run.
 * The delivery's own `processedAt` is not that moment: the worker stamps it with the time it
 * picked the message up (functions/queues/inbound.ts passes `new Date()` before processing).
 *
 * Over IPC (`HooksServerMessage`) it records the DynamoDB calls its handlers and worker send
 * between two messages (scripts/bench/calls.ts), waits for the inbound queue to drain, and hands
 * over the finish times. It stops when its stdin closes or its IPC channel disconnects (the
 * benchmark is gone, however it went; it then stops the benchmark's DynamoDB Local too,
 * BENCH_DYNAMODB_PID), on SIGINT/SIGTERM, or when asked (`stop`).
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
  | { op: 'finished' }
  | { op: 'stop' };
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

/** Notes each acknowledged PutItem of a delivery item whose status is no longer `queued`. */
function watchFinishes(client: MiddlewareStackLike, onFinished: (f: Finished) => void): void {
  client.middlewareStack.add(
    (next: (args: { input: unknown }) => Promise<unknown>, context: { commandName?: string }) => async (args: { input: unknown }) => {
      const out = await next(args);
      if (context.commandName === 'PutCommand') {
        const item = (args.input as { Item?: Record<string, unknown> }).Item;
        if (item?.entity === 'delivery' && item.status !== 'queued') onFinished([String(item.id), Date.now(), String(item.status)]);
      }
      return out;
    },
    { step: 'initialize', name: 'benchDeliveryFinishes' },
  );
}

async function main() {
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
  // The benchmark is gone (even killed outright): take its DynamoDB Local down too, so nothing is left behind.
  const orphaned = () => {
    const jvm = Number(process.env.BENCH_DYNAMODB_PID);
    if (jvm > 0) {
      try {
        process.kill(jvm, 'SIGTERM');
      } catch {
        /* already gone */
      }
    }
    void stop(0);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  process.stdin.on('end', orphaned);
  process.stdin.on('close', orphaned);
  process.stdin.resume();
  process.on('disconnect', orphaned);

  // After startLocalStack: the services read the environment it sets.
  const { getServices, getStoreClients } = await import('../../functions/lib/services');
  await seedDemo(getServices(), new Date());
  // The hook handler and the inbound worker share this client (one per process, as in Lambda).
  const { db } = getStoreClients();
  const recorder = callRecorder(db);
  let finished: Finished[] = [];
  watchFinishes(db, (f) => finished.push(f));

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
        } else if (m.op === 'stop') {
          // Not stack.stop(): it waits for the worker's current message. DynamoDB Local is the benchmark's to stop.
          process.send?.({ op: 'ok' } satisfies HooksServerReply, () => process.exit(0));
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
