import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { generateTypes, typescriptVersion } from '@sales-crm-backend/openapi-client-tools';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Proves the committed OpenAPI document is usable by a client developer: types generated from
 * functions/http/openapi.json with openapi-typescript, used through openapi-fetch, type-checked by
 * the project's own compiler (TypeScript 7, node_modules/.bin/tsc). Pure: no server is started.
 *
 * openapi-typescript needs the TypeScript 5 compiler API; it lives in the tools/openapi-client
 * workspace, which nests typescript@5 for it (see tools/openapi-client/index.js).
 */

const repo = fileURLToPath(new URL('..', import.meta.url));
const spec = join(repo, 'functions/http/openapi.json');
const tsc = join(repo, 'node_modules/typescript/bin/tsc');
const openapiFetchTypes = join(repo, 'node_modules/openapi-fetch/dist/index.d.mts');

// What a client developer writes: every route documents its response body, so `data` is typed
// and each `data.…` read below type-checks only if the document describes that field.
const program = `import createClient from 'openapi-fetch';
import type { components, paths } from './crm';

type Problem = components['schemas']['Problem'];
type Stage = 'Lead' | 'Qualified' | 'Potential' | 'Demo' | 'Visit' | 'Closed';
declare const token: string;

const api = createClient<paths>({ baseUrl: 'http://127.0.0.1:3000', headers: { authorization: \`Bearer \${token}\` } });

const explain = (problem: Problem) => \`\${problem.status} \${problem.code}: \${problem.title}\` + (problem.errors ?? []).map((e) => \` \${e.field} \${e.message}\`).join(',');

export async function clientJourney(): Promise<string[]> {
  const created = await api.POST('/v1/clients', {
    params: { header: { 'Idempotency-Key': '7f9c2a' } },
    body: { companyName: 'Sree Jewellers', ownerName: 'Anil Kumar', mobile: '98470 12345', email: 'anil@sree.in', geo: { lat: 9.98, lng: 76.28 } },
  });
  if (created.error) throw new Error(explain(created.error));
  const clientId: string = created.data.id;
  const companyName: string = created.data.companyName;

  const read = await api.GET('/v1/clients/{id}', { params: { path: { id: clientId } } });
  if (read.error) throw new Error(explain(read.error));
  const mobile: string = read.data.mobile;
  const version: number = read.data.version;

  const etag = read.response.headers.get('etag') ?? '';
  const patched = await api.PATCH('/v1/clients/{id}', { params: { path: { id: clientId }, header: { 'If-Match': etag } }, body: { landmark: 'Near the temple' } });
  const landmark: string | undefined = patched.data?.landmark;

  const opened = await api.POST('/v1/clients/{id}/opportunities', { params: { path: { id: clientId } }, body: { productId: 'jewellery' } });
  if (opened.error) throw new Error(explain(opened.error));
  const dealValue: number = opened.data.dealValue;
  const moved = await api.POST('/v1/opportunities/{id}/stage', { params: { path: { id: opened.data.id } }, body: { stage: 'Demo' } });
  const reached: Stage[] = moved.data?.opportunity.stagesReached ?? [];

  const { data: page, error } = await api.GET('/v1/opportunities', { params: { query: { stage: 'Demo', limit: 10 } } });
  if (error) throw new Error(explain(error));
  const demos: string[] = page.items.map((o) => \`\${o.id} \${o.stage satisfies Stage} \${o.expectedRevenue} \${o.currency}\`);
  const next: string | undefined = page.nextCursor;

  return [companyName, mobile, String(version), landmark ?? '', String(dealValue), reached.join(), ...demos, next ?? ''];
}
`;

// Misuses a client developer could make; each marked line must be a compile error, and nothing else
// may be, so the check cannot pass because, say, openapi-fetch failed to resolve. (An extra, unknown
// body field is not among them: openapi-fetch's init type does not reject excess properties,
// openapi-ts/openapi-typescript#2329; the API's strict schemas answer such a body with a 400.)
const misuse = `import createClient from 'openapi-fetch';
import type { paths } from './crm';

const api = createClient<paths>({ baseUrl: 'http://127.0.0.1:3000' });

export async function misuses(id: string) {
  await api.GET('/v1/customers/{id}', { params: { path: { id } } }); // misuse: a path the API does not have
  await api.DELETE('/v1/clients/{id}', { params: { path: { id } } }); // misuse: a method the path does not have
  await api.POST('/v1/clients', { body: { companyName: 42, ownerName: 'Anil Kumar', mobile: '98470 12345' } }); // misuse: wrong body field type
  await api.POST('/v1/clients', { body: { companyName: 'Sree Jewellers', ownerName: 'Anil Kumar' } }); // misuse: a required body field missing
  await api.GET('/v1/clients/{id}'); // misuse: the path parameter missing
  await api.PATCH('/v1/clients/{id}', { params: { path: { id } }, body: { landmark: 'Near the temple' } }); // misuse: the required If-Match header missing
  await api.GET('/v1/opportunities', { params: { query: { stage: 'Won' } } }); // misuse: a stage that does not exist
  const { error } = await api.GET('/v1/clients/{id}', { params: { path: { id } } });
  if (error) error.status.toUpperCase(); // misuse: a problem's status is a number
}
`;

interface Compiled {
  code: number;
  output: string;
}

let dir: string;

async function compile(file: string, source: string): Promise<Compiled> {
  await writeFile(join(dir, file), source);
  const tsconfig = join(dir, `tsconfig.${file}.json`);
  await writeFile(
    tsconfig,
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'ESNext',
        moduleResolution: 'bundler',
        lib: ['ES2022', 'DOM'],
        types: [],
        strict: true,
        noUncheckedIndexedAccess: true,
        noEmit: true,
        skipLibCheck: false, // the generated crm.d.ts is checked too
        // The temp dir has no node_modules: take openapi-fetch (and, from there, its helpers) from the repo's.
        paths: { 'openapi-fetch': [openapiFetchTypes] },
      },
      files: ['crm.d.ts', file],
    }),
  );
  return new Promise((resolve) => {
    execFile(process.execPath, [tsc, '-p', tsconfig, '--noEmit', '--strict', '--pretty', 'false'], { cwd: dir }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, output: `${stdout}${stderr}` });
    });
  });
}

/** The lines (1-based) of `file` that the compiler reports errors on. */
const errorLines = (output: string, file: string) =>
  [...output.matchAll(/^(.+?)\((\d+),\d+\): error TS\d+:/gm)].filter((m) => m[1]!.endsWith(file)).map((m) => Number(m[2]));

describe('a client generated from the committed OpenAPI document', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'crm-openapi-client-'));
    await writeFile(join(dir, 'crm.d.ts'), await generateTypes(spec));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('is generated by openapi-typescript on TypeScript 5 and checked by the project compiler, TypeScript 7', async () => {
    expect(typescriptVersion).toMatch(/^5\./);
    const version = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, [tsc, '--version'], (error, stdout) => (error ? reject(error) : resolve(stdout))),
    );
    expect(version).toMatch(/Version 7\./);
    const types = await readFile(join(dir, 'crm.d.ts'), 'utf8');
    for (const path of ['/v1/clients', '/v1/clients/{id}', '/v1/opportunities', '/v1/opportunities/{id}/stage']) {
      expect(types).toContain(`"${path}": {`);
    }
  });

  it('rejects misuse: a wrong path, method, body, parameter or problem field does not type-check', async () => {
    const { code, output } = await compile('misuse.ts', misuse);
    const expected = misuse.split('\n').flatMap((line, i) => (line.includes('// misuse:') ? [i + 1] : []));
    expect(expected).toHaveLength(8);
    expect(code, output).not.toBe(0);
    expect(output, 'openapi-fetch and the generated types must resolve').not.toMatch(/error TS2307/);
    expect([...new Set(errorLines(output, 'misuse.ts'))].sort((a, b) => a - b), output).toEqual(expected);
  });

  // Fails until every route's response body has a schema in the document (today `schema: {}`).
  it('types a client journey end to end: requests and the documented responses', async () => {
    const { code, output } = await compile('program.ts', program);
    expect(code, `tsc --noEmit --strict on the client program:\n${output}`).toBe(0);
  });
});
