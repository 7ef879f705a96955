import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildOpenApi, OPENAPI_FILE } from '../../scripts/openapi';
import { useLocalStack } from '../../test/stack';
import { routes } from './routes';

const api = useLocalStack();

describe('GET /v1/openapi.json', () => {
  it('is the document generated from the current zod schemas (run `npm run openapi` after changing a route)', async () => {
    expect(JSON.parse(readFileSync(OPENAPI_FILE, 'utf8'))).toEqual(await buildOpenApi());
  });

  it('is served without a token and describes every route of the manifest', async () => {
    const res = await api.anonymous().get('/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    const operations = Object.entries(res.body.paths as Record<string, Record<string, { operationId: string }>>).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(operations.sort()).toEqual(routes.map((r) => `${r.method} ${r.path}`).sort());
    const stage = res.body.paths['/v1/opportunities/{id}/stage'].post;
    expect(stage.requestBody.content['application/json'].schema.properties.stage.enum).toEqual(['Lead', 'Qualified', 'Potential', 'Demo', 'Visit', 'Closed']);
  });
});
