import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { rules, streamPublisher } from '../../events/rules';
import { routes } from '../../functions/http/routes';
import { bundleExternals } from '../../infra/constructs/crm-function';
import { table } from './report';

/**
 * `npm run bench:cold` (issue #11 item 8; DESIGN §7: each bundle ≤ 1 MB minified, import + init
 * ≤ 150 ms): every Lambda handler bundled with the same esbuild settings as CrmFunction (ESM,
 * minified, the AWS SDK and chDB external), then imported in a fresh Node 24 process per run —
 * module evaluation and whatever the handler builds at module scope, as a cold start does before
 * the first invocation. The AWS SDK resolves from node_modules (in Lambda the runtime's copy).
 *
 * Knobs: BENCH_RUNS (5 imports per handler), BENCH_ONLY (a substring of the handler names),
 * BENCH_BUNDLE_SDK=1 (bundle the AWS SDK rather than take the runtime's).
 */
const runs = Math.max(3, Number(process.env.BENCH_RUNS) || 5);
const only = process.env.BENCH_ONLY;
const root = resolve(import.meta.dirname, '../..');
const outDir = join(root, '.bench', 'cold');

const handlers = [
  ...routes.map((r) => ({ name: r.name, entry: r.entry })),
  ...rules.map((r) => ({ name: `rule:${r.name}`, entry: r.target.entry })),
  { name: 'stream-publisher', entry: streamPublisher.entry },
  { name: 'jobs-dispatcher', entry: 'functions/jobs/dispatch.ts' },
  { name: 'pre-token-generation', entry: 'functions/cognito/pre-token-generation.ts' },
].filter((h) => !only || h.name.includes(only));

// What the functions' configuration reads at cold start (the values do not matter, their presence does).
const env = {
  ...process.env,
  AUTH_MODE: 'cognito',
  COGNITO_USER_POOL_ID: 'ap-south-1_bench',
  COGNITO_CLIENT_ID: 'bench',
  CURSOR_SECRET: 'x'.repeat(64),
  TABLE_NAME: 'crm',
  AWS_REGION: 'ap-south-1',
  EVENT_BUS_NAME: 'crm-bus',
  NODE_OPTIONS: '',
};

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
console.log(`bench:cold — ${handlers.length} handlers, ${runs} cold imports each, Node ${process.version}`);
const results: { name: string; kb: number; min: number; median: number; max: number }[] = [];
for (const h of handlers) {
  const outfile = join(outDir, `${h.name.replace(/[^A-Za-z0-9_-]/g, '_')}.mjs`);
  await build({
    entryPoints: [join(root, h.entry)],
    outfile,
    bundle: true,
    minify: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    mainFields: ['module', 'main'],
    // BENCH_BUNDLE_SDK=1: the AWS SDK inside the bundle (pinned to the lock's version) instead of the runtime's.
    external: process.env.BENCH_BUNDLE_SDK ? bundleExternals.filter((m) => !m.startsWith('@aws-sdk') && !m.startsWith('@smithy')) : bundleExternals,
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
    logLevel: 'error',
  });
  const kb = statSync(outfile).size / 1024;
  const probe = join(outDir, 'probe.mjs');
  writeFileSync(probe, `const t = performance.now(); const m = await import(${JSON.stringify(pathToFileURL(outfile).href)}); if (typeof m.handler !== 'function') throw new Error('no handler'); process.stdout.write(String(performance.now() - t));`);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const res = spawnSync(process.execPath, [probe], { env, encoding: 'utf8' });
    if (res.status !== 0) throw new Error(`${h.name}: import failed\n${res.stderr}`);
    times.push(Number(res.stdout));
  }
  times.sort((a, b) => a - b);
  results.push({ name: h.name, kb, min: times[0]!, median: percentile(times, 50), max: times.at(-1)! });
  process.stdout.write('.');
}
console.log('\n');
const verdict = (r: (typeof results)[number]) => [r.kb > 1024 && 'bundle > 1 MB', r.median > 150 && 'init > 150 ms'].filter(Boolean).join(', ') || 'PASS';
console.log(
  table(
    ['handler', 'bundle KB', 'init min ms', 'median', 'max', 'budget (≤ 1 MB, ≤ 150 ms)'],
    results.map((r) => [r.name, r.kb.toFixed(0), r.min.toFixed(1), r.median.toFixed(1), r.max.toFixed(1), verdict(r)]),
  ),
);
writeFileSync(join(root, '.bench', 'cold.json'), JSON.stringify(results, null, 2));
const largest = results.reduce((w, r) => (r.kb > w.kb ? r : w));
const worst = results.reduce((w, r) => (r.median > w.median ? r : w));
console.log(`\nlargest bundle: ${largest.kb.toFixed(0)} KB (${largest.name}); ${results.filter((r) => verdict(r) !== 'PASS').length} of ${results.length} outside the budget`);
console.log(`worst init: ${worst.median.toFixed(0)} ms (${worst.name})`);
