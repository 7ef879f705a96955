import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { startLocalStack } from '../local/stack';
import { seedDemo } from '../seed';
import { callRecorder } from './calls';
import { BENCH_STAFF, BENCH_TENANTS, READY_PREFIX, type ServerMessage, type ServerReady, type ServerReply } from './protocol';
import { stopWhenOrphaned } from './child';

/**
 * The API server of `npm run bench:api`, in its own process so the load generator does not share
 * an event loop with the handlers. It joins the DynamoDB Local the benchmark started
 * (BENCH_DYNAMODB_ENDPOINT), starts the local stack without the event pipeline, seeds the demo
 * tenants and prints one line on stdout, then the handlers' request logs as under `npm start`:
 *
 *   BENCH_READY {"url":…,"pid":…,"tableName":…,"tokens":{"demo":…,"acme":…}}
 *
 * Run by the benchmark, it sends the same object over the IPC channel, and its stdout goes to a
 * file (.bench/api-server.log): a pipe the busy load generator had to drain would stall the server
 * whenever it filled. Over IPC it also records the DynamoDB calls the handlers send, and takes CPU
 * profiles of chosen intervals (`ServerMessage`).
 *
 * It stops when its stdin closes or its IPC channel disconnects (the benchmark exited, however it
 * exited; it then stops the benchmark's DynamoDB Local too, BENCH_DYNAMODB_PID), or on SIGINT/SIGTERM.
 */
/**
 * What-if experiments (BENCH_ABLATE, comma list; off by default), patched in this process before
 * any handler loads, to price a suggested change without making it:
 *   ulid-prng  ulid's per-character crypto.getRandomValues calls served from a pooled buffer;
 *   jwt-cache  a verified token's claims reused until it expires (aws-jwt-verify verify() memoised).
 */
async function ablate(what: Set<string>) {
  if (what.has('ulid-prng')) {
    const pool = new Uint8Array(8192);
    let at = pool.length;
    const webcrypto = globalThis.crypto as unknown as { getRandomValues(array: Uint8Array): Uint8Array };
    const original = webcrypto.getRandomValues.bind(webcrypto);
    webcrypto.getRandomValues = (array: Uint8Array) => {
      if (array instanceof Uint8Array && array.length === 1) {
        if (at >= pool.length) (original(pool), (at = 0));
        array[0] = pool[at++]!;
        return array;
      }
      return original(array);
    };
  }
  if (what.has('jwt-cache')) {
    const { JwtRsaVerifier } = await import('aws-jwt-verify');
    type Verifying = { verify?: (...args: unknown[]) => Promise<{ exp?: number }> };
    let proto = JwtRsaVerifier.prototype as unknown as Verifying | null;
    while (proto && !Object.hasOwn(proto, 'verify')) proto = Object.getPrototypeOf(proto) as Verifying | null;
    if (!proto?.verify) throw new Error('aws-jwt-verify: no verify() to memoise');
    const verify = proto.verify;
    const verified = new Map<string, { exp?: number }>();
    proto.verify = async function (this: unknown, ...args: unknown[]) {
      const token = args[0] as string;
      const hit = verified.get(token);
      if (hit && (hit.exp ?? 0) * 1000 > Date.now()) return hit;
      const payload = await verify.apply(this, args);
      if (verified.size > 10_000) verified.clear();
      verified.set(token, payload);
      return payload;
    };
  }
}

async function main() {
  const ablations = new Set((process.env.BENCH_ABLATE ?? '').split(',').map((s) => s.trim()).filter(Boolean));
  await ablate(ablations);
  const dynamoEndpoint = process.env.BENCH_DYNAMODB_ENDPOINT;
  if (!dynamoEndpoint) throw new Error('BENCH_DYNAMODB_ENDPOINT is not set');
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
  // The handlers share this client (the composition root builds one per process).
  const recorder = callRecorder(getStoreClients().db);
  let profiler: Session | undefined;
  const reply = (r: ServerReply) => process.send?.(r);
  process.on('message', (m: ServerMessage) => {
    void (async () => {
      try {
        if (m.op === 'record') {
          recorder.start();
          reply({ op: 'ok' });
        } else if (m.op === 'take') {
          reply({ op: 'calls', calls: recorder.take() });
        } else if (m.op === 'profile-start') {
          profiler ??= new Session();
          profiler.connect();
          await profiler.post('Profiler.enable');
          await profiler.post('Profiler.setSamplingInterval', { interval: 200 });
          await profiler.post('Profiler.start');
          reply({ op: 'ok' });
        } else if (m.op === 'memory') {
          const session = new Session();
          session.connect();
          await session.post('HeapProfiler.collectGarbage');
          session.disconnect();
          reply({ op: 'memory', afterGc: process.memoryUsage() });
        } else if (m.op === 'profile-stop') {
          const { profile } = await profiler!.post('Profiler.stop');
          profiler!.disconnect();
          writeFileSync(m.file, JSON.stringify(profile));
          reply({ op: 'ok' });
        }
      } catch (error) {
        reply({ op: 'error', message: error instanceof Error ? error.message : String(error) });
      }
    })();
  });

  const tokens = Object.fromEntries(BENCH_TENANTS.map((t) => [t, stack.issuer.mint({ tenantId: t, ...BENCH_STAFF }, { ttlSeconds: 3600 })])) as ServerReady['tokens'];
  const ready: ServerReady = { url: stack.url, pid: process.pid, tableName: stack.tableName, tokens };
  process.stdout.write(`${READY_PREFIX}${JSON.stringify(ready)}\n`);
  reply({ op: 'ready', ready });
}

main().catch((error: unknown) => {
  console.error('bench server failed:', error);
  process.exit(1);
});
