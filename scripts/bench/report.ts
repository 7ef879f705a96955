import { readFileSync } from 'node:fs';
import type { RunStats } from './load';

/** /proc readings of the processes under test (Linux). */
export function procStatus(pid: number): { hwmMb?: number; rssMb?: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => {
      const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
      return m ? Number(m[1]) / 1024 : undefined;
    };
    return { hwmMb: kb('VmHWM'), rssMb: kb('VmRSS') };
  } catch {
    return {};
  }
}

/** CPU time (user + system) a process has used so far, ms; undefined when unreadable. */
export function cpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at field 3; utime, stime are 14, 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
  } catch {
    return undefined;
  }
}
/** USER_HZ: 100 on every Linux the benchmark runs on. */
const CLK_TCK = 100;

export interface CpuSample {
  loadgen: number;
  server?: number;
  dynamo?: number;
}

export const sampleCpu = (serverPid: number, dynamoPid: number): CpuSample => {
  const u = process.cpuUsage();
  return { loadgen: (u.user + u.system) / 1000, server: cpuMs(serverPid), dynamo: cpuMs(dynamoPid) };
};

export const round = (x: number, digits = 2) => (Number.isFinite(x) ? Math.round(x * 10 ** digits) / 10 ** digits : x);

export interface Row {
  route: string;
  concurrency: number;
  api: RunStats;
  raw: RunStats;
  ratio: number;
  p50Overhead: number;
  target: string;
  pass: boolean;
  /** False when the raw runs did not replay the calls the route made (see the calls list). */
  sameCalls: boolean;
}

const fmt = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '—');

/** A fixed-width table. */
export function table(headers: string[], rows: string[][], alignLeft = new Set([0])): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (alignLeft.has(i) ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(headers), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function resultsTable(rows: Row[]): string {
  return table(
    ['route', 'conc', 'req/s', 'p50 ms', 'p95 ms', 'p99 ms', 'raw req/s', 'raw p50', 'ratio', 'p50 +ms', 'target', 'verdict'],
    rows.map((r) => [
      r.route,
      String(r.concurrency),
      fmt(r.api.throughput, 0),
      fmt(r.api.p50, 2),
      fmt(r.api.p95, 2),
      fmt(r.api.p99, 2),
      fmt(r.raw.throughput, 0),
      fmt(r.raw.p50, 2),
      `${fmt(r.ratio * 100, 0)} %`,
      r.concurrency === 1 ? fmt(r.p50Overhead, 2) : '—',
      r.target,
      `${r.pass ? 'PASS' : 'MISS'}${r.sameCalls ? '' : ' (⚠ raw calls differ)'}${r.api.errors || r.raw.errors ? ` (errors ${r.api.errors}/${r.raw.errors})` : ''}${r.api.exhausted || r.raw.exhausted ? ' (fixtures ran out early)' : ''}`,
    ]),
  );
}
