import { describe, expect, it } from 'vitest';
import { useLocalStack } from '../../../test/stack';

/**
 * Regressions found by a hostile probe of /v1/webhooks (#15) under npm start.
 */
const api = useLocalStack();
const admin = { tenantId: 'demo', staffId: 'admin', role: 'tenant_admin' } as const;

describe('webhook URLs (probe #15)', () => {
  // Nothing listens on port 0: such a subscription was accepted, then every delivery to it failed
  // (8 attempts over a day each) until the endpoint was disabled — a typo refused at once instead.
  it.each(['https://hooks.example.com:0/crm', 'http://127.0.0.1:0/', 'https://[2606:4700:4700::1111]:0/'])('refuses port 0 (%s), on creation and on change', async (url) => {
    const created = await api.as(admin).post('/v1/webhooks', { url, events: ['opportunity.*'] });
    expect(created.status, JSON.stringify(created.body)).toBe(422);
    expect((created.body as { errors: { field: string; code: string }[] }).errors).toEqual([expect.objectContaining({ field: 'body.url', code: 'invalid_url' })]);

    const ok = await api.as(admin).post('/v1/webhooks', { url: 'https://hooks.example.com/crm', events: ['opportunity.*'] });
    expect(ok.status).toBe(201);
    const { id, version } = ok.body as { id: string; version: number };
    const patched = await api.as(admin).patch(`/v1/webhooks/${id}`, { url }, { 'if-match': `"${version}"` });
    expect(patched.status, JSON.stringify(patched.body)).toBe(422);
    const after = await api.as(admin).get(`/v1/webhooks/${id}`);
    expect((after.body as { url: string; version: number }).url).toBe('https://hooks.example.com/crm');
    expect((after.body as { version: number }).version).toBe(version);
  });
});
