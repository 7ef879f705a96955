import { describe, expect, it } from 'vitest';
import { useLocalStack } from '../../../test/stack';
import { getServices } from '../../lib/services';

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

describe('secret rotation (probe #15)', () => {
  // The record is saved before the secret is written (Secrets Manager, a slow write): a second
  // rotation in that window wrote its secret, then the first one's landed over it — the newest
  // answer's secret (the one the admin keeps) signed nothing.
  it('a rotation while another one is writing its secret is refused, and the secret stored is the one answered', async () => {
    const created = await api.as(admin).post('/v1/webhooks', { url: 'https://hooks.example.com/rotate', events: ['opportunity.*'] });
    expect(created.status).toBe(201);
    const { id, secret: original } = created.body as { id: string; secret: string };
    const services = getServices();
    const put = services.secrets.put.bind(services.secrets);
    let release!: () => void;
    let writing!: () => void;
    const firstWriting = new Promise<void>((r) => (writing = r));
    const held = new Promise<void>((r) => (release = r));
    let first = true;
    services.secrets.put = async (...args: Parameters<typeof put>) => {
      if (first) {
        first = false;
        writing();
        await held;
      }
      return put(...args);
    };
    try {
      const a = api.as(admin).post(`/v1/webhooks/${id}/rotate-secret`);
      await firstWriting;
      const b = await api.as(admin).post(`/v1/webhooks/${id}/rotate-secret`);
      release();
      const ra = await a;
      expect(ra.status).toBe(200);
      expect(b.status, JSON.stringify(b.body)).toBe(409);
      expect((b.body as { code: string }).code).toBe('rotation_in_progress');
      const stored = await services.secrets.get('demo', id);
      expect(stored?.values.current).toBe((ra.body as { secret: string }).secret);
      expect(stored?.values.previous).toBe(original);
    } finally {
      release();
      services.secrets.put = put;
    }
    // Once written, the next rotation goes ahead, over it.
    const c = await api.as(admin).post(`/v1/webhooks/${id}/rotate-secret`);
    expect(c.status).toBe(200);
    expect((await services.secrets.get('demo', id))?.values.current).toBe((c.body as { secret: string }).secret);
  });
});

describe('webhooks per tenant (probe #15)', () => {
  // Every matching event makes a delivery per webhook: a probe made 100 with nothing stopping it.
  it('a tenant has at most 25: the next is 409 too_many_webhooks and nothing is made; deleting one makes room', async () => {
    const acme = { tenantId: 'acme', staffId: 'admin', role: 'tenant_admin' } as const;
    const made: { id: string; version: number }[] = [];
    for (let i = 0; i < 25; i++) {
      const res = await api.as(acme).post('/v1/webhooks', { url: `https://hooks.example.com/acme/${i}`, events: ['client.*'] });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      made.push(res.body as { id: string; version: number });
    }
    const refused = await api.as(acme).post('/v1/webhooks', { url: 'https://hooks.example.com/acme/25', events: ['client.*'] });
    expect([refused.status, (refused.body as { code: string }).code]).toEqual([409, 'too_many_webhooks']);
    expect((await api.as(acme).get('/v1/webhooks?limit=100')).body.items).toHaveLength(25);
    expect((await api.as(acme).call('DELETE', `/v1/webhooks/${made[0]!.id}`, undefined, { 'if-match': `"${made[0]!.version}"` })).status).toBe(204);
    expect((await api.as(acme).post('/v1/webhooks', { url: 'https://hooks.example.com/acme/25', events: ['client.*'] })).status).toBe(201);
  }, 60_000);
});
