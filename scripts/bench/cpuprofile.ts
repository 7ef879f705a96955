import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * `npx tsx scripts/bench/cpuprofile.ts <file.cpuprofile | dir>` — where a V8 CPU profile's time
 * went: self time by package (or project folder) and the top functions. Made for the server child's
 * profile of `BENCH_CPU_PROF=<dir> npm run bench:api` (the newest profile of a directory is read).
 */
interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
export interface Profile {
  nodes: Node[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

function newest(path: string): string {
  if (!statSync(path).isDirectory()) return path;
  const files = readdirSync(path)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => join(path, f))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  if (!files[0]) throw new Error(`no .cpuprofile in ${path}`);
  return files[0];
}

/** The package (node_modules/<pkg>) or project folder a script belongs to. */
function ownerOf(url: string): string {
  if (!url) return '(native / V8)';
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const nm = url.lastIndexOf('node_modules/');
  if (nm !== -1) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const m = /\/work\/[^/]+\/(.+)$/.exec(url.replace(/^file:\/\//, ''));
  return m ? m[1]!.split('/').slice(0, 2).join('/') : url;
}

/** SDK packages count as one. */
const group = (owner: string) => (/^@(aws-sdk|smithy|aws-crypto)\//.test(owner) ? 'AWS SDK (@aws-sdk, @smithy, @aws-crypto)' : owner);

export function summarize(file: string, top = 25): string {
  const profile = readProfile(file);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const idle = [...self.entries()].filter(([id]) => byId.get(id)?.callFrame.functionName === '(idle)').reduce((a, [, t]) => a + t, 0);
  const busy = total - idle;

  const byOwner = new Map<string, number>();
  const byFunction = new Map<string, number>();
  for (const [id, t] of self) {
    const n = byId.get(id)!;
    const name = n.callFrame.functionName;
    if (name === '(idle)') continue;
    const owner = ['(garbage collector)', '(program)'].includes(name) ? name : ownerOf(n.callFrame.url);
    byOwner.set(owner, (byOwner.get(owner) ?? 0) + t);
    const fn = `${name || '(anonymous)'}  ${ownerOf(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + t);
  }
  // Inclusive: time with a package anywhere on the stack (SDK time includes the node:http work it drives).
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inclusive = new Map<string, number>();
  for (const [id, t] of self) {
    if (byId.get(id)?.callFrame.functionName === '(idle)') continue;
    const owners = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const url = byId.get(cur)!.callFrame.url;
      if (url) owners.add(group(ownerOf(url)));
    }
    for (const o of owners) inclusive.set(o, (inclusive.get(o) ?? 0) + t);
  }
  const pct = (t: number) => `${((t / busy) * 100).toFixed(1).padStart(5)} %`;
  const rows = (m: Map<string, number>, k: number) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, k)
      .map(([name, t]) => `  ${pct(t)}  ${(t / 1000).toFixed(0).padStart(7)} ms  ${name}`);
  const cats = categorize(profile);
  return [
    `${file}: ${(total / 1e6).toFixed(1)} s sampled, ${(cats.busyMs / 1e3).toFixed(1)} s busy (${((cats.busyMs * 1000 / total) * 100).toFixed(0)} %; the profiler's own work left out)`,
    '',
    'Busy time by category (innermost known frame decides):',
    ...cats.rows.map((r) => `  ${pct(r.ms * 1000)}  ${r.ms.toFixed(0).padStart(7)} ms  ${r.category}`),
    '',
    'Self time by package / folder (of busy time):',
    ...rows(byOwner, 20),
    '',
    'Inclusive time by package (on the stack anywhere; overlaps):',
    ...rows(inclusive, 20),
    '',
    `Top ${top} functions by self time:`,
    ...rows(byFunction, top),
  ].join('\n');
}

/**
 * Where the server's busy time went, one category per sample: the innermost frame on the stack that
 * belongs to a known package or project folder decides (Node internals take their caller's category;
 * a stack of Node internals only is Node's own HTTP/socket/timer work).
 */
/** The profiler's own work (stopping and serialising the profile, in scripts/bench/server.ts): not the server's. */
const EXCLUDED = '(profiler)';
const categories: [string, RegExp][] = [
  ['AWS SDK (DynamoDB calls: build, sign, send, parse)', /node_modules\/@(aws-sdk|smithy|aws-crypto)\//],
  ['JWT verification (aws-jwt-verify)', /node_modules\/aws-jwt-verify\/|functions\/lib\/auth\//],
  ['Logging (Powertools logger)', /node_modules\/@aws-lambda-powertools\/logger\/|functions\/lib\/logger/],
  ['Idempotency (Powertools)', /node_modules\/@aws-lambda-powertools\/idempotency\//],
  ['Validation (zod)', /node_modules\/zod\//],
  ['Phone numbers (libphonenumber-js)', /node_modules\/libphonenumber-js\//],
  ['Ids (ulid)', /node_modules\/ulid\//],
  ['middy', /node_modules\/@middy\//],
  ['Module loading (tsx, esbuild)', /node_modules\/(tsx|esbuild)\//],
  ['Local API gateway (scripts/local/server.ts)', /scripts\/local\//],
  [EXCLUDED, /scripts\/bench\//],
  ['Handlers, use cases, repositories, domain', /\/(functions|domain)\//],
  ['Other packages', /node_modules\//],
];

export function categorize(profile: Profile): { busyMs: number; rows: { category: string; ms: number; share: number }[] } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const totals = new Map<string, number>();
  let busy = 0;
  for (const [id, t] of self) {
    const name = byId.get(id)!.callFrame.functionName;
    if (name === '(idle)') continue;
    let category = name === '(garbage collector)' ? 'Garbage collection' : name === '(program)' ? 'V8 / native (unattributed)' : undefined;
    const nodeModules = new Set<string>();
    for (let cur: number | undefined = id; !category && cur !== undefined; cur = parent.get(cur)) {
      const url = byId.get(cur)!.callFrame.url;
      if (url.startsWith('node:')) nodeModules.add(url);
      else if (url) category = categories.find(([, re]) => re.test(url))?.[0];
    }
    // Only Node's own frames: work it defers (socket writes flushed on the next tick, response parsing).
    category ??= nodeModules.has('node:_http_client')
      ? 'Node HTTP client, deferred (DynamoDB connections)'
      : nodeModules.has('node:_http_server')
        ? 'Node HTTP server, deferred (API connections)'
        : 'Node core (sockets, timers, microtasks)';
    if (category === EXCLUDED) continue;
    busy += t;
    totals.set(category, (totals.get(category) ?? 0) + t);
  }
  return {
    busyMs: busy / 1000,
    rows: [...totals.entries()].sort((a, b) => b[1] - a[1]).map(([category, t]) => ({ category, ms: t / 1000, share: t / busy })),
  };
}

export const readProfile = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Profile;

// Run as a script (not imported by api.ts).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = process.argv[2];
  if (arg) console.log(summarize(newest(arg), Number(process.argv[3] ?? 25)));
  else console.error('usage: npx tsx scripts/bench/cpuprofile.ts <file.cpuprofile | dir> [top]');
}
