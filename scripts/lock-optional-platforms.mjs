// chdb lists native packages for four platforms as optional dependencies, but the registry this
// project installs from serves only linux-x64. npm then writes a lock file without the other three
// and `npm ci` refuses it as out of sync. This adds them as platform-gated optional entries, which
// `npm ci` skips on other platforms. Run it after any `npm install` that rewrites the lock file:
//   node scripts/lock-optional-platforms.mjs
import { readFileSync, writeFileSync } from 'node:fs';

const file = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(file, 'utf8'));
const chdb = lock.packages['node_modules/chdb'];
let added = 0;
for (const [name, version] of Object.entries(chdb?.optionalDependencies ?? {})) {
  const key = `node_modules/${name}`;
  if (lock.packages[key]) continue;
  const [, os, cpu, libc] = /lib-(darwin|linux)-(x64|arm64)(?:-(gnu))?$/.exec(name) ?? [];
  if (!os) throw new Error(`unexpected optional dependency ${name}`);
  lock.packages[key] = { version, cpu: [cpu], license: 'Apache-2.0', optional: true, os: [os], ...(libc && { libc: ['glibc'] }) };
  added += 1;
}
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(added ? `added ${added} platform-gated optional entries` : 'lock file already complete');
