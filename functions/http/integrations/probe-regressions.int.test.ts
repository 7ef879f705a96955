import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useLocalStack } from '../../../test/stack';

/** What a hostile probe of #13 found (1,440 requests against npm start), each now a 4xx or a fixed behaviour. */
const api = useLocalStack();
const admin = { tenantId: 'demo', staffId: 'admin', role: 'tenant_admin' } as const;
const json = { 'content-type': 'application/json' };

const create = (body: Record<string, unknown>, headers: Record<string, string> = {}) => api.as(admin).post('/v1/integrations', body, headers);
const intuit = (token: string, body: string) => createHmac('sha256', token).update(body).digest('base64');
function standard(secret: string, id: string, body: string) {
  const at = Math.floor(Date.now() / 1000);
  return { ...json, 'webhook-id': id, 'webhook-timestamp': String(at), 'webhook-signature': `v1,${createHmac('sha256', Buffer.from(secret.slice(6), 'base64')).update(`${id}.${at}.${body}`).digest('base64')}` };
}

describe('probe regressions (#13)', () => {
  it('reserved keys in settings are field errors, not a 500 (constructor) or silently dropped (__proto__)', async () => {
    for (const settings of ['{"itemMap":{"constructor":"website"}}', '{"itemMap":{"__proto__":"website"}}', '{"itemMap":{"toString":"website"}}']) {
      const res = await api.as(admin).post('/v1/integrations', `{"provider":"generic","name":"k","settings":${settings}}`, json);
      expect(res.status, settings).toBe(422);
      expect(res.body.errors[0].message).toBe('is a reserved name');
    }
    const form = await api.as(admin).post('/v1/integrations', '{"provider":"web_form","name":"f","settings":{"productId":"website","allowedOrigins":["https://a.example.com"],"fields":{"constructor":"mobile"}}}', json);
    expect(form.status).toBe(422);
    const ok = await create({ provider: 'tally', name: 't', settings: { itemMap: { 'STK-1': 'website' } } });
    const patched = await api.as(admin).patch(`/v1/integrations/${ok.body.id}`, '{"settings":{"itemMap":{"constructor":"website"}}}', { ...json, 'if-match': '"1"' });
    expect(patched.status).toBe(422);
    const secrets = await api.as(admin).post('/v1/integrations', '{"provider":"quickbooks","name":"q","secrets":{"verifierToken":"v","__proto__":"y"}}', json);
    expect(secrets.status).toBe(422);
  });

  it('an assignment naming more than 100 staff is checked in chunks: field errors, not a 500; deactivated and repeated staff are refused', async () => {
    const many = Array.from({ length: 120 }, (_, i) => `s-${i}`);
    const res = await api.as(admin).put('/v1/config/assignment', { rules: [{ strategy: 'round_robin', staff: many.slice(0, 60) }, { strategy: 'fixed', staff: many.slice(60) }], defaultOwner: 'so-1' }, { 'if-match': '"0"' });
    expect(res.status).toBe(422);
    expect(res.body.errors).toHaveLength(120);
    const twice = await api.as(admin).put('/v1/config/assignment', { rules: [{ strategy: 'round_robin', staff: ['tse-1', 'tse-1', 'tse-2'] }], defaultOwner: 'so-1' }, { 'if-match': '"0"' });
    expect(twice.body.errors).toEqual([{ field: 'body.rules.0.staff.1', code: 'duplicate_staff', message: 'tse-1 is already in this rule' }]);
    expect((await api.as(admin).post('/v1/staff', { staffId: 'gone-1', name: 'Gone', email: 'gone-1@demo.example', role: 'tse', managerId: 'manager' })).status).toBe(201);
    expect((await api.as(admin).post('/v1/staff/gone-1/deactivate')).status).toBe(200);
    const inactive = await api.as(admin).put('/v1/config/assignment', { rules: [{ strategy: 'fixed', staff: ['gone-1'] }], defaultOwner: 'so-1' }, { 'if-match': '"0"' });
    expect(inactive.body.errors).toEqual([{ field: 'body.rules.0.staff.0', code: 'inactive_staff', message: 'gone-1 is deactivated' }]);
  });

  it('a create takes no Idempotency-Key: a retry never shows the signing secret again', async () => {
    const first = await create({ provider: 'generic', name: 'idem' }, { 'idempotency-key': 'probe-secret-1' });
    const again = await create({ provider: 'generic', name: 'idem' }, { 'idempotency-key': 'probe-secret-1' });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBeNull();
    expect(again.body.id).not.toBe(first.body.id);
    expect(again.body.secret).not.toBe(first.body.secret);
  });

  it('SAP’s OData host must be a public https host with no credentials', async () => {
    for (const odataBaseUrl of ['https://169.254.169.254/latest/meta-data', 'https://127.0.0.1:3913', 'https://localhost', 'https://[::1]', 'https://0x7f000001', 'https://2130706433', 'https://metadata.google.internal', 'https://user:pass@s4.example.com']) {
      const res = await create({ provider: 'sap', name: 's', settings: { odataBaseUrl } });
      expect(res.status, odataBaseUrl).toBe(422);
      expect(res.body.errors[0].field).toBe('body.settings.odataBaseUrl');
    }
    expect((await create({ provider: 'sap', name: 's', settings: { odataBaseUrl: 'https://s4.example.com/' } })).body.settings.odataBaseUrl).toBe('https://s4.example.com');
  });

  it('a signature must be written canonically: trailing junk or base64url of a valid one is refused', async () => {
    const conn = await create({ provider: 'generic', name: 'sig' });
    const body = JSON.stringify({ probe: 1 });
    const headers = standard(conn.body.secret, 'malleable-1', body);
    const valid = headers['webhook-signature'];
    for (const signature of [`${valid}!!!`, `${valid},x`, valid.replace(/\+/g, '-').replace(/\//g, '_').replace(/=$/, '')]) {
      if (signature === valid) continue;
      const res = await api.anonymous().post(`/hooks/demo/${conn.body.id}`, body, { ...headers, 'webhook-signature': signature });
      expect(res.status, signature).toBe(401);
    }
    const qb = await create({ provider: 'quickbooks', name: 'qb', secrets: { verifierToken: 'probe-token' } });
    expect((await api.anonymous().post(`/hooks/demo/${qb.body.id}`, body, { ...json, 'intuit-signature': `${intuit('probe-token', body)}!!` })).status).toBe(401);
    expect((await api.anonymous().post(`/hooks/demo/${qb.body.id}`, body, { ...json, 'intuit-signature': intuit('probe-token', body) })).status).toBe(202);
  });

  it('a refused or losing PATCH changes no secret: only the winner’s verifier token is in force', async () => {
    const qb = await create({ provider: 'quickbooks', name: 'race', secrets: { verifierToken: 'before' } });
    const bad = await api.as(admin).patch(`/v1/integrations/${qb.body.id}`, '{"secrets":{"verifierToken":"half-written"},"settings":{"itemMap":{"constructor":"website"}}}', { ...json, 'if-match': '"1"' });
    expect(bad.status).toBe(422);
    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => api.as(admin).patch(`/v1/integrations/${qb.body.id}`, { secrets: { verifierToken: `race-${i}` } }, { 'if-match': '"1"' })));
    // One wins; the others lost the race (409) or read the winner's version first (412).
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    expect(answers.filter((a) => a.status !== 200).every((a) => a.status === 409 || a.status === 412)).toBe(true);
    const winner = answers.findIndex((a) => a.status === 200);
    const body = JSON.stringify({ probe: 'race' });
    for (let i = 0; i < 6; i++) {
      const res = await api.anonymous().post(`/hooks/demo/${qb.body.id}`, body, { ...json, 'intuit-signature': intuit(`race-${i}`, body) });
      expect(res.status, `race-${i}`).toBe(i === winner ? 202 : 401);
    }
    expect((await api.anonymous().post(`/hooks/demo/${qb.body.id}`, body, { ...json, 'intuit-signature': intuit('half-written', body) })).status).toBe(401);
  });

  it('a signed body that is not UTF-8 fails its delivery instead of becoming replacement characters', async () => {
    const conn = await create({ provider: 'generic', name: 'utf8' });
    const bytes = Buffer.concat([Buffer.from('{"type":"customer.upserted","externalId":"U-1","data":{"companyName":"Bad '), Buffer.from([0xff, 0xfe]), Buffer.from('","mobile":"9870001111","updatedAt":"2026-11-30T10:00:00Z"}}')]);
    const at = Math.floor(Date.now() / 1000);
    const key = Buffer.from(conn.body.secret.slice(6), 'base64');
    const signature = createHmac('sha256', key).update(Buffer.concat([Buffer.from(`utf8-1.${at}.`), bytes])).digest('base64');
    const res = await fetch(`${api.stack().url}/hooks/demo/${conn.body.id}`, { method: 'POST', body: bytes, headers: { 'content-type': 'application/octet-stream', 'webhook-id': 'utf8-1', 'webhook-timestamp': String(at), 'webhook-signature': `v1,${signature}` } });
    expect(res.status).toBe(202);
    const { deliveryId } = (await res.json()) as { deliveryId: string };
    await api.stack().inboundQueue.idle();
    expect((await api.as(admin).get(`/v1/integrations/${conn.body.id}/deliveries/${deliveryId}`)).body).toMatchObject({ status: 'failed', reason: { code: 'invalid_utf8' } });
    expect((await api.as(admin).get('/v1/clients?q=9870001111')).body.items).toEqual([]);
  });

  it('a form answers CORS with the origin as a browser serialises it', async () => {
    const form = await create({ provider: 'web_form', name: 'cors', settings: { productId: 'website', allowedOrigins: ['http://127.0.0.1:5173'] } });
    const key = new URL(form.body.formUrl).pathname.split('/')[2];
    const res = await api.anonymous().call('OPTIONS', `/forms/${key}`, undefined, { origin: 'http://127.1:5173' });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:5173');
  });
});
