/** What the benchmark and its server child agree on. */

/** The server child's first stdout line starts with this, followed by a `ServerReady` JSON object. */
export const READY_PREFIX = 'BENCH_READY ';

/** The staff member every benchmark request acts as, in each demo tenant. */
export const BENCH_STAFF = { staffId: 'tse-1', role: 'tse' } as const;

/** The demo tenants the load is spread over (DESIGN §6 local demo data). */
export const BENCH_TENANTS = ['demo', 'acme'] as const;
export type BenchTenant = (typeof BENCH_TENANTS)[number];

export interface ServerReady {
  url: string;
  pid: number;
  tableName: string;
  /** A token for BENCH_STAFF in each tenant. */
  tokens: Record<BenchTenant, string>;
}

/** Parent → child over IPC: record DynamoDB calls, hand them over, profile an interval, report memory after a full GC. */
export type ServerMessage = { op: 'record' } | { op: 'take' } | { op: 'profile-start' } | { op: 'profile-stop'; file: string } | { op: 'memory' };
/** Child → parent: `ready` once (unasked), then one reply per message. */
export type ServerReply = { op: 'ready'; ready: ServerReady } | { op: 'ok' } | { op: 'calls'; calls: string[] }
  | { op: 'memory'; afterGc: NodeJS.MemoryUsage }
  | { op: 'error'; message: string };
