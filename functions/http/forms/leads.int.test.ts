import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { startHttpStub } from '../../../test/http-stub';
import { useLocalStack } from '../../../test/stack';

/** #13 items 5, 6, 7: web forms and Facebook Lead Ads become clients and Lead opportunities, assigned by the rules, with a first-response call. */
const api = useLocalStack();
const admin = { tenantId: 'demo', staffId: 'admin', role: 'tenant_admin' } as const;
const origin = 'https://www.demo-traders.in';

let assignmentVersion = 0;
async function setRules(body: Record<string, unknown>) {
  const res = await api.as(admin).put('/v1/config/assignment', body, { 'if-match': `"${assignmentVersion}"` });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  assignmentVersion = Number(JSON.parse(res.headers.get('etag')!));
  return res.body;
}

async function form(settings: Record<string, unknown> = {}) {
  const created = await api.as(admin).post('/v1/integrations', { provider: 'web_form', name: 'Website enquiry', settings: { productId: 'website', allowedOrigins: [origin], ...settings } });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return { ...created.body, key: new URL(created.body.formUrl).pathname.split('/')[2] } as { id: string; formUrl: string; key: string };
}

const submit = (key: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
  api.anonymous().post(`/forms/${key}`, JSON.stringify(fields), { 'content-type': 'application/json', origin, ...headers });

const clientByPhone = async (phone: string) => (await api.as(admin).get(`/v1/clients?q=${phone}`)).body.items[0];

describe('assignment rules', () => {
  it('are validated: staff must exist and sell, the default owner must be active', async () => {
    const bad = await api.as(admin).put('/v1/config/assignment', { rules: [{ strategy: 'round_robin', staff: ['tse-1', 'nobody', 'admin'] }], defaultOwner: 'admin' }, { 'if-match': '"0"' });
    expect(bad.status).toBe(422);
    expect(bad.body.errors).toEqual([
      { field: 'body.defaultOwner', code: 'wrong_role', message: 'admin does not sell (tenant_admin)' },
      { field: 'body.rules.0.staff.1', code: 'unknown_staff', message: 'nobody is not a member of staff' },
      { field: 'body.rules.0.staff.2', code: 'wrong_role', message: 'admin does not sell (tenant_admin)' },
    ]);
    const unset = await api.as(admin).get('/v1/config/assignment');
    expect(unset.body).toEqual({ rules: [], firstResponseMinutes: 15 });
    expect(unset.headers.get('etag')).toBe('"0"');
    expect((await api.as({ tenantId: 'demo', staffId: 'manager', role: 'manager' }).put('/v1/config/assignment', { rules: [], defaultOwner: 'tse-1' }, { 'if-match': '"0"' })).status).toBe(403);
  });
});

describe('web forms', () => {
  it('a submission becomes a client, a Lead opportunity for the form’s product assigned by the rules, and a first-response call due within the SLA', async () => {
    await setRules({ rules: [{ name: 'Kochi desk', match: { city: 'Kochi' }, strategy: 'fixed', staff: ['so-1'] }], defaultOwner: 'tse-2', firstResponseMinutes: 15 });
    const f = await form();
    const before = Date.now();
    const res = await submit(f.key, { companyName: 'Form Traders', ownerName: 'Fathima', mobile: '9860000001', email: 'fathima@example.com', city: 'Kochi', message: 'Need a website' });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body).toEqual({ status: 'received' });
    expect(res.headers.get('access-control-allow-origin')).toBe(origin);
    await api.stack().inboundQueue.idle();
    const client = await clientByPhone('9860000001');
    expect(client).toMatchObject({ companyName: 'Form Traders', ownerName: 'Fathima', email: 'fathima@example.com', city: 'Kochi' });
    const opps = (await api.as(admin).get(`/v1/clients/${client.id}/profile`)).body.activeOpportunities;
    expect(opps).toMatchObject([{ productId: 'website', stage: 'Lead', assignedTo: 'so-1', leadOwner: 'so-1', source: { channel: 'web_form', connectionId: f.id } }]);
    const events = (await api.as({ tenantId: 'demo', staffId: 'so-1', role: 'sales_officer' }).get('/v1/events?status=Pending')).body.items.filter((e: { opportunityId: string }) => e.opportunityId === opps[0].id);
    expect(events).toMatchObject([{ type: 'Call', status: 'Pending', assignee: 'so-1', purpose: 'first_response' }]);
    const due = Date.parse(events[0].scheduledAt) - before;
    expect(due).toBeGreaterThan(14 * 60_000);
    expect(due).toBeLessThanOrEqual(15 * 60_000 + 5_000);
    const audit = (await api.as(admin).get(`/v1/opportunities/${opps[0].id}/audit`)).body.items;
    expect(audit.find((a: { action: string }) => a.action === 'created')).toMatchObject({ actor: `integration:${f.id}`, rule: 'Kochi desk (fixed)', source: { connectionId: f.id, provider: 'web_form' } });
  });

  it('a repeat lead from a known client refreshes its open opportunity instead of making a duplicate — one first-response call an hour, however often they submit', async () => {
    const f = await form({ perIpPerMinute: 100 });
    await submit(f.key, { ownerName: 'Repeat', mobile: '9860000002' });
    await api.stack().inboundQueue.idle();
    await Promise.all(Array.from({ length: 5 }, (_, i) => submit(f.key, { ownerName: 'Repeat again', mobile: '+91 98600 00002', message: `Still interested ${i}` })));
    await api.stack().inboundQueue.idle();
    const client = await clientByPhone('9860000002');
    const profile = (await api.as(admin).get(`/v1/clients/${client.id}/profile`)).body;
    expect(profile.activeOpportunities).toHaveLength(1);
    expect(profile.history.filter((e: { purpose?: string }) => e.purpose === 'first_response')).toHaveLength(1);
    const log = (await api.as(admin).get(`/v1/integrations/${f.id}/deliveries`)).body.items;
    expect(log.map((d: { status: string }) => d.status)).toEqual(['processed', 'processed', 'processed', 'processed', 'processed', 'processed']);
    const repeat = (await api.as(admin).get(`/v1/integrations/${f.id}/deliveries/${log[0].id}`)).body.outcomes[0];
    expect(repeat).toMatchObject({ outcome: 'unchanged', message: 'repeat lead: the open website opportunity already has a first-response call due this hour' });
  });

  it('refuses another origin, lists field errors by the form’s names, answers a filled honeypot as accepted storing nothing', async () => {
    const f = await form({ fields: { 'your-phone': 'mobile' } });
    const preflight = await api.anonymous().call('OPTIONS', `/forms/${f.key}`, undefined, { origin, 'access-control-request-method': 'POST' });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-methods')).toBe('POST');
    const evil = await submit(f.key, { ownerName: 'X', 'your-phone': '9860000003' }, { origin: 'https://evil.example' });
    expect(evil.status).toBe(403);
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
    expect((await api.anonymous().call('OPTIONS', `/forms/${f.key}`, undefined, { origin: 'https://evil.example' })).status).toBe(403);
    const invalid = await submit(f.key, { ownerName: 'X', 'your-phone': '12', email: 'not-an-email' });
    expect(invalid.status).toBe(422);
    expect(invalid.headers.get('access-control-allow-origin')).toBe(origin);
    expect(invalid.body.errors.map((e: { field: string }) => e.field)).toEqual(['body.your-phone', 'body.email', 'body']);
    const bot = await submit(f.key, { ownerName: 'Bot', 'your-phone': '9860000004', website: 'http://spam.example' });
    expect(bot.status).toBe(202);
    await api.stack().inboundQueue.idle();
    expect(await clientByPhone('9860000004')).toBeUndefined();
    expect((await api.as(admin).get(`/v1/integrations/${f.id}/deliveries`)).body.items).toEqual([]);
    expect((await api.anonymous().post('/forms/demo.ic_00000000000000000000000000', '{}', { 'content-type': 'application/json', origin })).status).toBe(404);
  });

  it('limits submissions per address a minute, with Retry-After and RateLimit headers', async () => {
    // The limit counts per calendar minute of the request's time: three submissions that straddle a
    // minute's end are two windows, so they are made again, on a fresh form, inside one minute.
    let answers: Awaited<ReturnType<typeof submit>>[] = [];
    for (let attempt = 0; attempt < 2; attempt++) {
      const f = await form({ perIpPerMinute: 2 });
      const minute = Math.floor(Date.now() / 60_000);
      answers = [];
      for (let i = 0; i < 3; i++) answers.push(await submit(f.key, { ownerName: 'Rate', mobile: `98600001${attempt}${i}` }));
      if (Math.floor(Date.now() / 60_000) === minute) break;
    }
    expect(answers.map((a) => a.status)).toEqual([202, 202, 429]);
    expect(answers[2]!.body.code).toBe('rate_limited');
    expect(Number(answers[2]!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(answers[2]!.headers.get('ratelimit-limit')).toBe('2');
    expect(answers[2]!.headers.get('access-control-allow-origin')).toBe(origin);
    await api.stack().inboundQueue.idle();
  });

  it('round robin stays fair under 50 concurrent leads (counts differ by at most one)', async () => {
    await setRules({ rules: [{ name: 'Everyone', match: { source: 'web_form' }, strategy: 'round_robin', staff: ['so-1', 'tse-1', 'tse-2'] }], defaultOwner: 'tse-2' });
    const f = await form({ perIpPerMinute: 100 });
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => submit(f.key, { ownerName: `Fair ${i}`, mobile: `98610${String(i).padStart(5, '0')}` })));
    expect(answers.filter((a) => a.status !== 202)).toEqual([]);
    await api.stack().inboundQueue.idle();
    const owners = await Promise.all(Array.from({ length: 50 }, async (_, i) => (await api.as(admin).get(`/v1/clients/${(await clientByPhone(`98610${String(i).padStart(5, '0')}`)).id}/profile`)).body.activeOpportunities[0].assignedTo));
    const counts = Object.fromEntries(['so-1', 'tse-1', 'tse-2'].map((s) => [s, owners.filter((o) => o === s).length]));
    expect(Object.values(counts).reduce((a, b) => a + b)).toBe(50);
    expect(Math.max(...Object.values(counts)) - Math.min(...Object.values(counts))).toBeLessThanOrEqual(1);
    // 50 leads through the queue and worker: ~5 s alone, several times that on a loaded 2-core machine.
  }, 120_000);

  it('a lead fails visibly when no rules are set', async () => {
    // Another tenant: no rules there.
    const acmeAdmin = { tenantId: 'acme', staffId: 'admin', role: 'tenant_admin' } as const;
    const created = await api.as(acmeAdmin).post('/v1/integrations', { provider: 'web_form', name: 'Acme form', settings: { productId: 'kml', allowedOrigins: [origin] } });
    const key = new URL(created.body.formUrl).pathname.split('/')[2]!;
    expect((await submit(key, { ownerName: 'Acme lead', mobile: '9860000200' })).status).toBe(202);
    await api.stack().inboundQueue.idle();
    const [d] = (await api.as(acmeAdmin).get(`/v1/integrations/${created.body.id}/deliveries`)).body.items;
    expect(d).toMatchObject({ status: 'failed', reason: { code: 'records_failed', message: '1 of 1 records failed: No assignment rules: PUT /v1/config/assignment (at least a default owner), then replay this delivery.' } });
  });
});

describe('Facebook Lead Ads', () => {
  it('answers the hub.challenge handshake, verifies X-Hub-Signature-256, fetches the lead from the Graph API and makes it a lead', async () => {
    const graph = await startHttpStub();
    process.env.INTEGRATION_FACEBOOK_LEAD_ADS_GRAPH_URL = graph.url;
    try {
      await setRules({ rules: [], defaultOwner: 'tse-1' });
      const created = await api.as(admin).post('/v1/integrations', {
        provider: 'facebook_lead_ads',
        name: 'Facebook page',
        settings: { forms: { '5551234567': { productId: 'kml' } } },
        secrets: { appSecret: 'app-secret-1', verifyToken: 'verify-me', accessToken: 'EAAGpage' },
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      expect(created.body.secret).toBeUndefined();
      expect(created.body.secretsSet).toEqual(['accessToken', 'appSecret', 'verifyToken']);
      const hook = `/hooks/demo/${created.body.id}`;
      const shake = await api.anonymous().get(`${hook}?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=1158201444`);
      expect(shake.status).toBe(200);
      expect(shake.body).toBe(1158201444);
      expect((await api.anonymous().get(`${hook}?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1`)).status).toBe(403);
      graph.on('GET', '/v26.0/444444444444', {
        body: { id: '444444444444', created_time: new Date(Date.now() - 60_000).toISOString().replace(/\.\d{3}Z$/, '+0000'), form_id: '5551234567', field_data: [{ name: 'full_name', values: ['Lekha Menon'] }, { name: 'phone_number', values: ['+919860000300'] }, { name: 'city', values: ['Thrissur'] }] },
      });
      const body = JSON.stringify({ object: 'page', entry: [{ id: '153125381133', time: Math.floor(Date.now() / 1000), changes: [{ field: 'leadgen', value: { leadgen_id: '444444444444', page_id: '153125381133', form_id: '5551234567', created_time: Math.floor(Date.now() / 1000) } }] }] });
      const signature = `sha256=${createHmac('sha256', 'app-secret-1').update(body).digest('hex')}`;
      // One hex digit changed (always to another digit: replacing with a fixed one was no change when it was already that).
      const tampered = `${signature.slice(0, -1)}${signature.endsWith('0') ? '1' : '0'}`;
      expect((await api.anonymous().post(hook, body, { 'content-type': 'application/json', 'x-hub-signature-256': tampered })).status).toBe(401);
      const res = await api.anonymous().post(hook, body, { 'content-type': 'application/json', 'x-hub-signature-256': signature });
      expect(res.status).toBe(202);
      await api.stack().inboundQueue.idle();
      expect(graph.requests.map((r) => r.url.replace(/access_token=[^&]+/, 'access_token=…').replace(/appsecret_proof=[0-9a-f]+/, 'appsecret_proof=…'))).toEqual(['/v26.0/444444444444?access_token=…&fields=id%2Ccreated_time%2Cad_id%2Cform_id%2Cfield_data&appsecret_proof=…']);
      const client = await clientByPhone('9860000300');
      expect(client).toMatchObject({ companyName: 'Lekha Menon', ownerName: 'Lekha Menon', city: 'Thrissur' });
      const profile = (await api.as(admin).get(`/v1/clients/${client.id}/profile`)).body;
      expect(profile.activeOpportunities).toMatchObject([{ productId: 'kml', stage: 'Lead', assignedTo: 'tse-1', source: { channel: 'facebook_lead_ads', externalId: '444444444444' } }]);
    } finally {
      delete process.env.INTEGRATION_FACEBOOK_LEAD_ADS_GRAPH_URL;
      await graph.close();
    }
  });
});
