import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { procStatus } from './report';

/**
 * What the benchmarks that run the local stack in a child process share (bench:hooks, bench:webhooks):
 * starting the child and talking to it over IPC, its memory, and the run's lifecycle — everything
 * started is stopped, on success, error, Ctrl-C or the deadline.
 *
 * The child (a TypeScript module run with tsx) sends `{op: 'ready', ready}` once, unasked, then
 * one reply per message; a reply `{op: 'error', message}` rejects the question. Its stdout goes
 * to a file, as `npm start > log` would: never a pipe the busy benchmark process must drain. It is
 * expected to stop when its stdin closes or on SIGTERM.
 */
type Op = { op: string };

export interface BenchChild<Ready, Message extends Op, Reply extends Op> {
  process: ChildProcess;
  ready: Ready;
  stderrTail(): string;
  /** Sends a message over IPC and waits for its reply (one question at a time). */
  ask<K extends Reply['op']>(message: Message, expected: K, timeoutMs?: number): Promise<Extract<Reply, { op: K }>>;
  /** Peak (VmHWM) and current (VmRSS) resident memory, MB. */
  memory(): { hwmMb?: number; rssMb?: number };
  /** Closes its stdin and sends SIGTERM; SIGKILL 5 s later if it is still there. */
  stop(): Promise<void>;
}

export async function startBenchChild<Ready, Message extends Op, Reply extends Op>(opts: {
  script: string;
  cwd: string;
  env: Record<string, string>;
  logFile: string;
  /** What the errors call it. */
  name?: string;
  readyTimeoutMs?: number;
}): Promise<BenchChild<Ready, Message, Reply>> {
  const name = opts.name ?? 'the server child';
  mkdirSync(dirname(opts.logFile), { recursive: true });
  const logFd = openSync(opts.logFile, 'w');
  const child = spawn(process.execPath, ['--import', 'tsx', opts.script], { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['pipe', logFd, 'pipe', 'ipc'] });
  // The child has its own copy of the descriptor now.
  closeSync(logFd);
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => (stderr = (stderr + d).slice(-8000)));

  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.stdin?.end(); // the child stops when its stdin closes…
      child.kill('SIGTERM'); // …or on SIGTERM
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    });

  let ready: Ready;
  try {
    ready = await new Promise<Ready>((resolve, reject) => {
      const timeoutMs = opts.readyTimeoutMs ?? 90_000;
      const timer = setTimeout(() => reject(new Error(`${name} did not start within ${timeoutMs / 1000} s:\n${stderr}`)), timeoutMs);
      const exited = (code: number | null) => reject(new Error(`${name} exited (${code}) before it was ready:\n${stderr}`));
      child.once('exit', exited);
      child.once('message', (m: Op & { ready?: Ready }) => {
        clearTimeout(timer);
        child.off('exit', exited);
        if (m.op === 'ready') resolve(m.ready as Ready);
        else reject(new Error(`unexpected first message from ${name}: ${JSON.stringify(m)}`));
      });
    });
  } catch (error) {
    await stop();
    throw error;
  }

  const ask = <K extends Reply['op']>(message: Message, expected: K, timeoutMs = 30_000) =>
    new Promise<Extract<Reply, { op: K }>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name} did not answer ${message.op}`)), timeoutMs);
      child.once('message', (reply: Op & { message?: string }) => {
        clearTimeout(timer);
        if (reply.op === 'error') reject(new Error(`${name}: ${reply.message}`));
        else if (reply.op !== expected) reject(new Error(`${name} answered ${reply.op}, not ${expected}`));
        else resolve(reply as Extract<Reply, { op: K }>);
      });
      child.send(message);
    });

  return { process: child, ready, stderrTail: () => stderr, ask, memory: () => procStatus(child.pid!), stop };
}

/**
 * The run's lifecycle: `cleanup` (run once, however often asked) on SIGINT/SIGTERM/SIGHUP (exit
 * 130) and past `deadlineMs` (exit 124, loudly); whatever of `processes()` is still running when
 * this process exits anyway (an uncaught error) is killed. Returns the cleanup, for main's `finally`.
 */
export function guardRun(opts: { name: string; deadlineMs: number; cleanup: () => Promise<void>; processes: () => (ChildProcess | undefined)[] }): () => Promise<void> {
  let cleaning: Promise<void> | undefined;
  const cleanup = () => (cleaning ??= opts.cleanup());
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping the server child and DynamoDB Local…`);
      void cleanup().finally(() => process.exit(130));
    });
  }
  // Last resort if the process exits without cleanup (e.g. an uncaught error): nothing outlives it.
  process.once('exit', () => {
    for (const p of opts.processes()) if (p && p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  });
  const watchdog = setTimeout(() => {
    console.error(`${opts.name} exceeded ${opts.deadlineMs / 1000} s; stopping.`);
    void cleanup().finally(() => process.exit(124));
  }, opts.deadlineMs);
  watchdog.unref();
  return cleanup;
}

/**
 * In a benchmark's server child: stop on SIGINT/SIGTERM, and when the benchmark is gone (even
 * killed outright: its stdin closes, the IPC channel disconnects) take its DynamoDB Local
 * (BENCH_DYNAMODB_PID) down too, so nothing is left behind.
 */
export function stopWhenOrphaned(stop: (code: number) => Promise<void>): void {
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
}

/** The API as one caller (a bearer token): a JSON call that must answer `expected`, else an error quoting what came back. */
export function apiOf(url: string, token: string) {
  return async <T>(method: 'GET' | 'POST', path: string, body: unknown, expected: number): Promise<T> => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (res.status !== expected) throw new Error(`${method} ${path}: HTTP ${res.status}, expected ${expected}: ${text.slice(0, 500)}`);
    return JSON.parse(text) as T;
  };
}
