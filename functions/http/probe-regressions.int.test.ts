import { generateKeyPairSync } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../../domain/access/roles';
import { signJwt } from '../../scripts/local/issuer';
import { LOCAL_AUDIENCE, LOCAL_ISSUER } from '../../scripts/local/issuer';
import { useLocalStack, type ApiResponse } from '../../test/stack';
import { aFeedback } from '../../domain/testing/builders';

/**
 * Regressions of the hostile probe of issue #7 (about 1,200 requests against npm start): each
 * class of defect it found, over HTTP on the local stack, with exact answers and proof that a
 * refused request stored nothing.
 */
const api = useLocalStack();
const who = (staffId: string, role: Principal['role'], tenantId = 'demo'): Principal => ({ tenantId, staffId, role });
const admin = who('admin', 'tenant_admin');
const manager = who('manager', 'manager');
const tse1 = who('tse-1', 'tse');
const tse2 = who('tse-2', 'tse');
const analyst = who('an-1', 'analyst');

let phone = 9_747_100_000;
const newClient = async (by: Principal, name = `Probe ${phone}`) => {
  const res = await api.as(by).post('/v1/clients', { companyName: name, ownerName: 'Probe Owner', mobile: String(++phone) });
  expect(res.status).toBe(201);
  return res.body.id as string;
};
const newOpportunity = async (by: Principal, clientId: string, body: Record<string, unknown>) => {
  const res = await api.as(by).post(`/v1/clients/${clientId}/opportunities`, body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; version: number };
};
const problem = (res: ApiResponse, status: number, code: string) => {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  expect(res.body).toMatchObject({ status, code });
};
const idsIn = (body: unknown) => [...new Set(JSON.stringify(body).match(/\b[coe]_[0-9a-z]{26,52}\b/g) ?? [])].sort();

beforeAll(async () => {
  const created = await api.as(admin).post('/v1/staff', { staffId: 'an-1', name: 'Probe Analyst', email: 'an-1@demo.probe.example', role: 'analyst' });
  expect(created.status).toBe(201);
});

describe('1 · audit trails show only what the caller may see', () => {
  it('does not show a peer seller’s hidden opportunity, its deal value or its demo feedback', async () => {
    const clientId = await newClient(tse1);
    const mine = await newOpportunity(tse1, clientId, { productId: 'website' });
    // The admin opens a second lead on the same client for tse-2 and tse-2 completes a demo on it.
    const theirs = await newOpportunity(admin, clientId, { productId: 'kml', assignedTo: 'tse-2', dealValue: 9_999_900 });
    const demo = await api.as(tse2).post(`/v1/opportunities/${theirs.id}/events`, { type: 'DemoScheduled', scheduledAt: '2026-12-02T10:00:00+05:30' });
    expect(demo.status).toBe(201);
    const done = await api.as(tse2).post(`/v1/events/${demo.body.id}/complete`, { feedback: aFeedback({ competitorInfo: 'SECRET competitor' }) });
    expect(done.status).toBe(200);

    const asTse1 = await api.as(tse1).get(`/v1/clients/${clientId}/audit?limit=100`);
    expect(asTse1.status).toBe(200);
    expect(asTse1.body.items.map((e: { entity: string; entityId: string }) => `${e.entity} ${e.entityId}`)).toEqual([`opportunity ${mine.id}`, `client ${clientId}`]);
    expect(JSON.stringify(asTse1.body)).not.toContain('SECRET');
    expect(JSON.stringify(asTse1.body)).not.toContain('9999900');

    const asTse2 = await api.as(tse2).get(`/v1/clients/${clientId}/audit?limit=100`);
    expect(asTse2.body.items.map((e: { entity: string; action: string }) => `${e.entity} ${e.action}`)).toEqual([
      'event created',
      'event completed',
      'event created',
      'opportunity created',
      'client created',
    ]);
    expect(idsIn(asTse2.body)).not.toContain(mine.id);

    // Tenant-wide roles see the whole trail, newest first.
    const asAnalyst = await api.as(analyst).get(`/v1/clients/${clientId}/audit?limit=100`);
    expect(asAnalyst.body.items).toHaveLength(6);
    expect(asAnalyst.body.items.map((e: { at: string }) => e.at)).toEqual([...asAnalyst.body.items.map((e: { at: string }) => e.at)].sort().reverse());
  });

  it('pages a filtered trail without skipping or repeating an entry', async () => {
    const clientId = await newClient(tse1);
    const mine = await newOpportunity(tse1, clientId, { productId: 'website' });
    const hidden = await newOpportunity(admin, clientId, { productId: 'kml', assignedTo: 'tse-2' });
    for (let i = 0; i < 3; i++) {
      expect((await api.as(tse1).post(`/v1/opportunities/${mine.id}/events`, { type: 'Call', scheduledAt: `2026-12-0${i + 2}T10:00:00Z` })).status).toBe(201);
      expect((await api.as(admin).post(`/v1/opportunities/${hidden.id}/events`, { type: 'Call', scheduledAt: `2026-12-0${i + 2}T11:00:00Z`, assignee: 'tse-2' })).status).toBe(201);
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 10; page++) {
      const res = await api.as(tse1).get(`/v1/clients/${clientId}/audit?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.items.map((e: { id: string }) => e.id));
      cursor = res.body.nextCursor;
      if (!cursor) break;
    }
    // tse-1's: the client, the opportunity and three calls; never the hidden lead's four entries.
    expect(seen).toHaveLength(5);
    expect(new Set(seen).size).toBe(5);
    const all = await api.as(admin).get(`/v1/clients/${clientId}/audit?limit=100`);
    expect(all.body.items).toHaveLength(9);
  });
});

describe('2 · default lists of tenant-wide roles', () => {
  it.each([
    ['/v1/opportunities'],
    ['/v1/opportunities?limit=5'],
    ['/v1/events'],
    ['/v1/events?to=2030-01-01T00:00:00Z'],
    ['/v1/events?from=2026-01-01T00:00:00Z'],
    ['/v1/events?status=Completed'],
    ['/v1/events?status=Missed&to=2030-01-01T00:00:00Z'],
  ])('answers GET %s with 200 for the admin and the analyst', async (path) => {
    const clientId = await newClient(tse1);
    const o = await newOpportunity(tse1, clientId, { productId: 'website' });
    expect((await api.as(tse1).post(`/v1/opportunities/${o.id}/events`, { type: 'Call', scheduledAt: '2027-06-01T10:00:00Z' })).status).toBe(201);
    for (const caller of [admin, analyst]) {
      const res = await api.as(caller).get(path);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(Array.isArray(res.body.items)).toBe(true);
    }
  });

  it('lists the tenant’s pending events in a window without `from`, and opportunities of every stage without `stage`', async () => {
    const clientId = await newClient(tse1);
    const o = await newOpportunity(tse1, clientId, { productId: 'website', stage: 'Demo' });
    const e = await api.as(tse1).post(`/v1/opportunities/${o.id}/events`, { type: 'Call', scheduledAt: '2001-01-01T00:00:00Z' });
    const upTo = await api.as(admin).get('/v1/events?to=2001-01-01T00:00:00Z&limit=100');
    expect(upTo.body.items.map((x: { id: string }) => x.id)).toEqual([e.body.id]);
    const opportunities: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await api.as(admin).get(`/v1/opportunities?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      opportunities.push(...page.body.items.map((x: { id: string }) => x.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(opportunities).toContain(o.id);
  });
});

describe('3 · an Idempotency-Key covers the concrete path', () => {
  it('creates c2’s opportunity when the key was first used for c1’s', async () => {
    const c1 = await newClient(tse1);
    const c2 = await newClient(tse1);
    const first = await api.as(tse1).post(`/v1/clients/${c1}/opportunities`, { productId: 'website' }, { 'idempotency-key': 'same-key' });
    const second = await api.as(tse1).post(`/v1/clients/${c2}/opportunities`, { productId: 'website' }, { 'idempotency-key': 'same-key' });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.headers.get('idempotent-replayed')).toBeNull();
    expect(second.body.clientId).toBe(c2);
    expect(second.body.id).not.toBe(first.body.id);
    const replay = await api.as(tse1).post(`/v1/clients/${c2}/opportunities`, { productId: 'website' }, { 'idempotency-key': 'same-key' });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body.id).toBe(second.body.id);
  });
});

describe('4 · the closing owner of a won deal', () => {
  const atVisit = async () => {
    const clientId = await newClient(tse1);
    return newOpportunity(tse1, clientId, { productId: 'website', stage: 'Visit', coSalespersons: ['so-1'] });
  };
  it.each([
    ['a staff id that does not exist', 'nobody-9', 'unknown_staff', 'nobody-9 is not an active member of staff'],
    ['an analyst', 'an-1', 'wrong_role', 'an-1 is an analyst, not a salesperson'],
    ['a salesperson not on the deal', 'tse-2', 'not_on_opportunity', 'tse-2 is not on this opportunity'],
  ])('refuses %s with 422 and leaves the deal open', async (_, closingOwner, code, message) => {
    const o = await atVisit();
    const res = await api.as(tse1).post(`/v1/opportunities/${o.id}/stage`, { stage: 'Closed', outcome: 'Won', closingOwner });
    problem(res, 422, 'validation_failed');
    expect(res.body.errors).toEqual([{ field: 'body.closingOwner', code, message }]);
    const after = await api.as(tse1).get(`/v1/opportunities/${o.id}`);
    expect(after.body).toMatchObject({ stage: 'Visit', version: o.version });
  });

  it('credits a co-salesperson named as the closer, half and half', async () => {
    const o = await atVisit();
    const res = await api.as(tse1).post(`/v1/opportunities/${o.id}/stage`, { stage: 'Closed', outcome: 'Won', closingOwner: 'so-1' });
    expect(res.status).toBe(200);
    expect(res.body.opportunity.credit).toEqual([
      { staffId: 'tse-1', percent: 50, amount: 750_000 },
      { staffId: 'so-1', percent: 50, amount: 750_000 },
    ]);
  });

  it('refuses a manager’s win when the assignee, the default closer, was deactivated', async () => {
    const staffId = `leaver-${phone}`;
    expect((await api.as(admin).post('/v1/staff', { staffId, name: 'Leaver', email: `${staffId}@demo.probe.example`, role: 'tse', managerId: 'manager' })).status).toBe(201);
    const clientId = await newClient(manager);
    const o = await newOpportunity(manager, clientId, { productId: 'website', stage: 'Visit', assignedTo: staffId });
    expect((await api.as(admin).post(`/v1/staff/${staffId}/deactivate`)).status).toBe(200);
    const res = await api.as(manager).post(`/v1/opportunities/${o.id}/stage`, { stage: 'Closed', outcome: 'Won' });
    problem(res, 422, 'validation_failed');
    expect(res.body.errors).toEqual([{ field: 'body.closingOwner', code: 'unknown_staff', message: `${staffId} is not an active member of staff` }]);
  });
});

describe('5 · cursors', () => {
  it.each([
    ['multi-byte characters in the MAC', 'eyJwayI6IngifQ.ñññññññññññññññññññññññññññññññññññññññññ'],
    ['a payload without a MAC', 'eyJwayI6IngifQ'],
    ['extra dots', 'a.b.c'],
    ['emoji', '😀.😀'],
  ])('answers a cursor with %s with 400 invalid_cursor', async (_, cursor) => {
    problem(await api.as(admin).get(`/v1/opportunities?cursor=${encodeURIComponent(cursor)}`), 400, 'invalid_cursor');
  });
});

describe('6 · event windows', () => {
  it('answers from after to with 422 naming query.to', async () => {
    const res = await api.as(admin).get('/v1/events?from=2027-01-01T00:00:00Z&to=2026-01-01T00:00:00Z');
    problem(res, 422, 'validation_failed');
    expect(res.body.errors).toEqual([{ field: 'query.to', code: 'custom', message: 'must not be before from' }]);
  });
});

describe('7 · deep JSON', () => {
  it('refuses a 6,000-deep array in an unknown field, sent with an Idempotency-Key, before hashing it, and stores nothing', async () => {
    const clientId = await newClient(tse1);
    const o = await newOpportunity(tse1, clientId, { productId: 'website' });
    const deep = `${'['.repeat(6000)}${']'.repeat(6000)}`;
    const body = `{"type":"Call","scheduledAt":"2026-12-02T10:00:00Z","junk":${deep}}`;
    const res = await api.as(tse1).post(`/v1/opportunities/${o.id}/events`, body, { 'content-type': 'application/json', 'idempotency-key': 'deep-1' });
    problem(res, 400, 'body_too_deep');
    const feedbackDeep = `{"type":"Call","scheduledAt":"2026-12-02T10:00:00Z","feedback":${deep}}`;
    problem(await api.as(tse1).post(`/v1/opportunities/${o.id}/events`, feedbackDeep, { 'content-type': 'application/json', 'idempotency-key': 'deep-2' }), 400, 'body_too_deep');
    const profile = await api.as(tse1).get(`/v1/clients/${clientId}/profile`);
    expect(profile.body.history).toEqual([]);
  });

  it('accepts nesting up to the limit (a body of 32 levels is refused by its schema, not the edge)', async () => {
    const clientId = await newClient(tse1);
    const o = await newOpportunity(tse1, clientId, { productId: 'website' });
    const nested = `${'['.repeat(31)}${']'.repeat(31)}`;
    const res = await api.as(tse1).post(`/v1/opportunities/${o.id}/events`, `{"type":"Call","scheduledAt":"2026-12-02T10:00:00Z","junk":${nested}}`, { 'content-type': 'application/json' });
    problem(res, 422, 'validation_failed');
    expect(res.body.errors).toEqual([{ field: 'body.junk', code: 'unknown_field', message: 'is not a known field' }]);
  });
});

describe('8 · dates and times in 2000–2100', () => {
  it.each([
    ['an expanded year with an offset', { scheduledAt: '9999-12-31T23:59:59-23:59' }],
    ['the year 0000', { scheduledAt: '0000-01-01T00:00:00Z' }],
    ['1999', { scheduledAt: '1999-12-31T23:59:59Z' }],
  ])('refuses a scheduled time in %s with 422', async (_, extra) => {
    const clientId = await newClient(tse1);
    const o = await newOpportunity(tse1, clientId, { productId: 'website' });
    const res = await api.as(tse1).post(`/v1/opportunities/${o.id}/events`, { type: 'Call', ...extra });
    problem(res, 422, 'validation_failed');
    expect(res.body.errors).toEqual([{ field: 'body.scheduledAt', code: expect.stringMatching(/^too_(small|big)$/), message: 'must lie between the years 2000 and 2100' }]);
  });

  it('refuses an expected close date of 0000-01-01 and stores the opportunity nowhere', async () => {
    const clientId = await newClient(tse1);
    const res = await api.as(tse1).post(`/v1/clients/${clientId}/opportunities`, { productId: 'website', expectedCloseDate: '0000-01-01' });
    problem(res, 422, 'validation_failed');
    expect(res.body.errors).toEqual([{ field: 'body.expectedCloseDate', code: 'too_small', message: 'must lie between the years 2000 and 2100' }]);
    expect((await api.as(tse1).get(`/v1/clients/${clientId}/profile`)).body.activeOpportunities).toEqual([]);
  });

  it('stores a time with an offset as UTC', async () => {
    const clientId = await newClient(tse1);
    const o = await newOpportunity(tse1, clientId, { productId: 'website' });
    const res = await api.as(tse1).post(`/v1/opportunities/${o.id}/events`, { type: 'Call', scheduledAt: '2100-12-31T23:59:59+05:30' });
    expect(res.status).toBe(201);
    expect(res.body.scheduledAt).toBe('2100-12-31T18:29:59.000Z');
  });
});

describe('9 · invisible and control text', () => {
  it.each([
    ['a zero-width space only', '\u200B', 'too_small', 'must not be empty'],
    ['a Hangul filler only', '\u3164', 'too_small', 'must not be empty'],
    ['a right-to-left override', 'Sree\u202EsrellewеJ', 'invalid_format', 'must not contain control, invisible formatting or line-break characters'],
    ['a NUL', 'Sree\u0000', 'invalid_format', 'must not contain control, invisible formatting or line-break characters'],
    ['a line break in a name', 'Sree\nJewellers', 'invalid_format', 'must not contain control, invisible formatting or line-break characters'],
    ['a line separator in a name', 'Sree\u2028Jewellers', 'invalid_format', 'must not contain control, invisible formatting or line-break characters'],
    ['a zero-width space inside a name', 'Sree\u200BJewellers', 'invalid_format', 'must not contain control, invisible formatting or line-break characters'],
    ['an interlinear annotation anchor', 'Sree\uFFF9', 'invalid_format', 'must not contain control, invisible formatting or line-break characters'],
    ['a blank braille pattern only', '\u2800', 'too_small', 'must not be empty'],
    ['a combining mark on its own', '\u0301', 'too_small', 'must not be empty'],
  ])('refuses a company name of %s', async (_, companyName, code, message) => {
    const res = await api.as(tse1).post('/v1/clients', { companyName, ownerName: 'Anil', mobile: String(++phone) });
    problem(res, 422, 'validation_failed');
    expect(res.body.errors).toEqual([{ field: 'body.companyName', code, message }]);
  });

  it('refuses a lone surrogate', async () => {
    const res = await api.as(tse1).post('/v1/clients', `{"companyName":"Sree \\ud800","ownerName":"Anil","mobile":"${++phone}"}`, { 'content-type': 'application/json' });
    problem(res, 422, 'validation_failed');
    expect(res.body.errors).toEqual([{ field: 'body.companyName', code: 'invalid_format', message: 'must be well-formed Unicode text' }]);
  });

  it('keeps the joiners Malayalam and Hindi need', async () => {
    const res = await api.as(tse1).post('/v1/clients', { companyName: 'ശ്രീ ജ്വല്ലേഴ്സ്\u200D', ownerName: 'अनि\u200Cल', mobile: String(++phone) });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  });

  it('stores names NFC-normalised and trimmed', async () => {
    const res = await api.as(tse1).post('/v1/clients', { companyName: '  Cafe\u0301 Kochi ', ownerName: 'Anil', mobile: String(++phone) });
    expect(res.status).toBe(201);
    expect(res.body.companyName).toBe('Café Kochi');
  });

  it('does not take an invisible character for demo feedback', async () => {
    const clientId = await newClient(tse1);
    const o = await newOpportunity(tse1, clientId, { productId: 'website', stage: 'Demo' });
    const demo = await api.as(tse1).post(`/v1/opportunities/${o.id}/events`, { type: 'DemoScheduled', scheduledAt: '2026-12-02T10:00:00Z' });
    const res = await api.as(tse1).post(`/v1/events/${demo.body.id}/complete`, { feedback: aFeedback({ customerFeedback: '\u200B', staffRemarks: '\u2060 ' }) });
    problem(res, 422, 'validation_failed');
    expect(res.body.errors).toEqual([
      { field: 'body.feedback.customerFeedback', code: 'too_small', message: 'is required' },
      { field: 'body.feedback.staffRemarks', code: 'too_small', message: 'is required' },
    ]);
    expect((await api.as(tse1).get(`/v1/events/${demo.body.id}`)).body.status).toBe('Pending');
  });

  it('refuses an invisible Lost reason', async () => {
    const clientId = await newClient(tse1);
    const o = await newOpportunity(tse1, clientId, { productId: 'website' });
    const res = await api.as(tse1).post(`/v1/opportunities/${o.id}/stage`, { stage: 'Closed', outcome: 'Lost', reason: '\u200B\u200B' });
    problem(res, 422, 'validation_failed');
  });
});

/** A raw request: fetch would re-encode a malformed path. */
function raw(method: string, path: string, headers: Record<string, string> = {}, body?: Buffer): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: any }> {
  const url = new URL(api.stack().url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text ? JSON.parse(text) : undefined });
      });
    });
    req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error)));
    req.end(body);
  });
}

describe('10 · the local server answers every refusal as problem+json with a request id', () => {
  const expectProblem = (res: Awaited<ReturnType<typeof raw>>, status: number, code: string) => {
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.body).toMatchObject({ status, code, requestId: res.headers['x-request-id'] });
  };
  const bearer = () => ({ authorization: `Bearer ${api.stack().issuer.mint(tse1)}` });

  it('answers malformed percent-encoding in a path with 400', async () => {
    expectProblem(await raw('GET', '/v1/clients/%E0%A4%A', bearer()), 400, 'malformed_path');
    expectProblem(await raw('GET', '/v1/opportunities/%ZZ/history', bearer()), 400, 'malformed_path');
  });

  it('answers an unknown route with 404 and a wrong method with 405', async () => {
    expectProblem(await raw('GET', '/v1/nothing-here'), 404, 'no_such_route');
    expectProblem(await raw('DELETE', '/v1/clients'), 405, 'method_not_allowed');
  });

  it('answers a body over API Gateway’s 10 MB with 413', async () => {
    const res = await raw('POST', '/v1/clients', { ...bearer(), 'content-type': 'application/json' }, Buffer.alloc(10 * 1024 * 1024 + 1, 0x20));
    expectProblem(res, 413, 'payload_too_large');
  });

  it('sends a request id on successes and on the JWKS document too', async () => {
    expect((await raw('GET', '/health')).headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect((await raw('GET', '/.well-known/jwks.json')).headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('11 · token lifetime', () => {
  const base = () => {
    const now = Math.floor(Date.now() / 1000);
    return { iss: LOCAL_ISSUER, aud: LOCAL_AUDIENCE, token_use: 'access', tenant_id: 'demo', staff_id: 'tse-1', 'cognito:groups': ['tse'], iat: now, exp: now + 3600 };
  };
  const sign = (claims: Record<string, unknown>) => signJwt({ alg: 'RS256', typ: 'JWT', kid: api.stack().issuer.kid }, claims, api.stack().issuer.privateKey);

  it('accepts a validly signed token of an hour', async () => {
    expect((await api.withToken(sign(base())).get('/v1/config/products')).status).toBe(200);
  });

  it.each([
    ['without exp', (c: Record<string, unknown>) => { const { exp: _, ...rest } = c; return rest; }, 'invalid_claims'],
    ['with exp a century away', (c: Record<string, unknown>) => ({ ...c, exp: (c.iat as number) + 100 * 365 * 86_400 }), 'token_lifetime'],
    ['living 25 hours', (c: Record<string, unknown>) => ({ ...c, exp: (c.iat as number) + 25 * 3600 }), 'token_lifetime'],
    ['without iat but expiring in two days', (c: Record<string, unknown>) => { const { iat, ...rest } = c; return { ...rest, exp: (iat as number) + 48 * 3600 }; }, 'token_lifetime'],
  ])('refuses a validly signed token %s with 401', async (_, edit, code) => {
    problem(await api.withToken(sign(edit(base()))).get('/v1/config/products'), 401, code);
  });

  it('refuses a token signed by another key', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    problem(await api.withToken(signJwt({ alg: 'RS256', typ: 'JWT', kid: api.stack().issuer.kid }, base(), other)).get('/v1/config/products'), 401, 'invalid_token');
  });
});

// ───────────── the second probe (about 5,900 requests after the fixes above) ─────────────

describe('12 · numbers DynamoDB cannot store are rounded, not a 500', () => {
  it('keeps coordinates to 7 places and a probability to 2: 1e-300 is 0', async () => {
    const res = await api.as(tse1).post('/v1/clients', { companyName: 'Tiny Geo', ownerName: 'Anil', mobile: String(++phone), geo: { lat: 1e-300, lng: -5e-324 } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.geo).toEqual({ lat: 0, lng: 0 });
    const precise = await api.as(tse1).post('/v1/clients', { companyName: 'Precise Geo', ownerName: 'Anil', mobile: String(++phone), geo: { lat: 9.98161234567, lng: 76.299912345 } });
    expect(precise.body.geo).toEqual({ lat: 9.9816123, lng: 76.2999123 });
    const o = await api.as(tse1).post(`/v1/clients/${res.body.id}/opportunities`, { productId: 'website', closingProbability: 1e-300 });
    expect(o.status).toBe(201);
    expect(o.body).toMatchObject({ closingProbability: 0, probabilitySource: 'manual', expectedRevenue: 0 });
    const patched = await api.as(tse1).patch(`/v1/opportunities/${o.body.id}`, { closingProbability: 33.333333 }, { 'if-match': '"1"' });
    expect(patched.body.closingProbability).toBe(33.33);
  });
});

describe('13 · staff ids are keys like any other', () => {
  it('lets a staff member called `constructor` create clients and opportunities', async () => {
    expect((await api.as(admin).post('/v1/staff', { staffId: 'constructor', name: 'Con Structor', email: 'constructor@demo.probe.example', role: 'tse', managerId: 'manager' })).status).toBe(201);
    const ctor = who('constructor', 'tse');
    const clientId = await newClient(ctor);
    await newOpportunity(ctor, clientId, { productId: 'website' });
    expect((await api.as(ctor).get(`/v1/clients/${clientId}/profile`)).body.activeOpportunities).toHaveLength(1);
  });
});

describe('14 · the reporting hierarchy', () => {
  it('refuses a chain deeper than 12 levels with 422, creating and moving', async () => {
    let parent = 'admin';
    const id = (n: number) => `chain-${n}-${'x'.repeat(50)}`;
    for (let level = 2; level <= 12; level++) {
      const res = await api.as(admin).post('/v1/staff', { staffId: id(level), name: `Level ${level}`, email: `c${level}@demo.probe.example`, role: 'manager', managerId: parent });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      parent = id(level);
    }
    const tooDeep = await api.as(admin).post('/v1/staff', { staffId: id(13), name: 'Level 13', email: 'c13@demo.probe.example', role: 'tse', managerId: parent });
    problem(tooDeep, 422, 'validation_failed');
    expect(tooDeep.body.errors).toEqual([{ field: 'body.managerId', code: 'hierarchy_too_deep', message: 'would make a reporting chain 13 levels deep; at most 12 are allowed' }]);
    // Moving the manager (and tse-1, tse-2, so-1 below it) to the bottom of the chain is refused the same way.
    const move = await api.as(admin).put('/v1/staff/manager/manager', { managerId: parent });
    problem(move, 422, 'validation_failed');
    expect(move.body.errors[0]).toMatchObject({ field: 'body.managerId', code: 'hierarchy_too_deep' });
    expect((await api.as(admin).get('/v1/staff/manager')).body.path).toBe('admin/manager');
  });

  it('lets only one of two crossing moves (A under B, B under A) succeed, leaving no cycle', async () => {
    for (const s of ['cross-a', 'cross-b']) {
      expect((await api.as(admin).post('/v1/staff', { staffId: s, name: s, email: `${s}@demo.probe.example`, role: 'manager', managerId: 'admin' })).status).toBe(201);
    }
    const [ab, ba] = await Promise.all([api.as(admin).put('/v1/staff/cross-a/manager', { managerId: 'cross-b' }), api.as(admin).put('/v1/staff/cross-b/manager', { managerId: 'cross-a' })]);
    // The second, run again after losing the race or simply coming after, sees the cycle it would make (422).
    expect([ab.status, ba.status].sort()).toEqual([200, 422]);
    const [a, b] = await Promise.all([api.as(admin).get('/v1/staff/cross-a'), api.as(admin).get('/v1/staff/cross-b')]);
    const paths = [a.body.path, b.body.path].sort();
    expect(paths).toEqual(ab.status === 200 ? ['admin/cross-b', 'admin/cross-b/cross-a'] : ['admin/cross-a', 'admin/cross-a/cross-b']);
  });

  it('never leaves a stale path when a staff member and their new manager move at once', async () => {
    for (const [s, role] of [['chase-x', 'tse'], ['chase-y', 'manager'], ['chase-z', 'manager']] as const) {
      expect((await api.as(admin).post('/v1/staff', { staffId: s, name: s, email: `${s}@demo.probe.example`, role, managerId: 'admin' })).status).toBe(201);
    }
    const [xy, yz] = await Promise.all([api.as(admin).put('/v1/staff/chase-x/manager', { managerId: 'chase-y' }), api.as(admin).put('/v1/staff/chase-y/manager', { managerId: 'chase-z' })]);
    const [x, y] = await Promise.all([api.as(admin).get('/v1/staff/chase-x'), api.as(admin).get('/v1/staff/chase-y')]);
    // Both go through, one after the other, and X hangs where its manager Y hangs now.
    expect([xy.status, yz.status]).toEqual([200, 200]);
    expect(y.body.path).toBe('admin/chase-z/chase-y');
    expect(x.body.path).toBe('admin/chase-z/chase-y/chase-x');
  });
});

describe('15 · who carries and who closes a deal', () => {
  it('asks a tenant admin to name the assignee of a new opportunity', async () => {
    const clientId = await newClient(admin);
    const res = await api.as(admin).post(`/v1/clients/${clientId}/opportunities`, { productId: 'website' });
    problem(res, 422, 'validation_failed');
    expect(res.body.errors).toEqual([{ field: 'body.assignedTo', code: 'required', message: 'is required: a tenant_admin does not carry opportunities' }]);
    expect((await api.as(admin).post(`/v1/clients/${clientId}/opportunities`, { productId: 'website', assignedTo: 'tse-1' })).status).toBe(201);
  });

  it('refuses a manager who is not on the deal as its closing owner', async () => {
    const clientId = await newClient(tse1);
    const o = await newOpportunity(tse1, clientId, { productId: 'website', stage: 'Visit' });
    const res = await api.as(manager).post(`/v1/opportunities/${o.id}/stage`, { stage: 'Closed', outcome: 'Won', closingOwner: 'manager' });
    problem(res, 422, 'validation_failed');
    expect(res.body.errors).toEqual([{ field: 'body.closingOwner', code: 'not_on_opportunity', message: 'manager is not on this opportunity' }]);
  });
});

describe('16 · idempotency across spellings of one path, and of one caller', () => {
  it('replays for a percent-encoded id: /o_… and /%6F_… are one target', async () => {
    const clientId = await newClient(tse1);
    const o = await newOpportunity(tse1, clientId, { productId: 'website' });
    const body = { type: 'Call', scheduledAt: '2026-12-02T10:00:00Z' };
    const first = await api.as(tse1).post(`/v1/opportunities/${o.id}/events`, body, { 'idempotency-key': 'spell-1' });
    const encoded = await api.as(tse1).post(`/v1/opportunities/%6F${o.id.slice(1)}/events`, body, { 'idempotency-key': 'spell-1' });
    expect(first.status).toBe(201);
    expect(encoded.headers.get('idempotent-replayed')).toBe('true');
    expect(encoded.body.id).toBe(first.body.id);
    expect((await api.as(tse1).get(`/v1/clients/${clientId}/profile`)).body.history).toHaveLength(1);
  });

  it('does not replay a stored answer to the same staff id holding another role', async () => {
    const body = { companyName: 'Role Change', ownerName: 'Anil', mobile: String(++phone) };
    expect((await api.as(tse1).post('/v1/clients', body, { 'idempotency-key': 'role-1' })).status).toBe(201);
    const asAnalyst = await api.as(who('tse-1', 'analyst')).post('/v1/clients', body, { 'idempotency-key': 'role-1' });
    problem(asAnalyst, 403, 'action_forbidden');
  });
});

describe('17 · framing, encodings and headers', () => {
  const expectProblem = (res: Awaited<ReturnType<typeof raw>>, status: number, code: string) => {
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.body).toMatchObject({ status, code });
  };
  const bearer = () => ({ authorization: `Bearer ${api.stack().issuer.mint(tse1)}` });

  it('refuses a body that is not valid UTF-8 with 400 instead of storing replacement characters', async () => {
    const bytes = Buffer.concat([Buffer.from(`{"companyName":"Sree `), Buffer.from([0xc3, 0x28]), Buffer.from(`","ownerName":"A","mobile":"${++phone}"}`)]);
    expectProblem(await raw('POST', '/v1/clients', { ...bearer(), 'content-type': 'application/json' }, bytes), 400, 'invalid_utf8');
  });

  it('answers requests Node’s parser refuses as problem+json with a request id', async () => {
    const url = new URL(api.stack().url);
    const send = (text: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(Number(url.port), url.hostname, () => socket.end(text));
        let answer = '';
        socket.on('data', (d) => (answer += d.toString('utf8')));
        socket.on('end', () => resolve(answer));
        socket.on('error', reject);
      });
    for (const request of ['get /health HTTP/1.1\r\nHost: x\r\n\r\n', 'GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`]) {
      const answer = await send(request);
      expect(answer).toMatch(/^HTTP\/1\.1 (400|431) /);
      expect(answer).toMatch(/\r\ncontent-type: application\/problem\+json\r\n/);
      expect(answer).toMatch(/\r\nx-request-id: [0-9a-f-]{36}\r\n/);
    }
  });

  it('refuses a query parameter named __proto__ as an unknown field', async () => {
    const res = await api.as(admin).get('/v1/opportunities?__proto__=1');
    problem(res, 422, 'validation_failed');
    expect(res.body.errors).toEqual([{ field: 'query.__proto__', code: 'unknown_field', message: 'is not a known field' }]);
  });

  it.each(['W/"1"', '"01"'])('matches no version with If-Match %s (strong comparison): 412', async (tag) => {
    const clientId = await newClient(tse1);
    problem(await api.as(tse1).patch(`/v1/clients/${clientId}`, { landmark: 'x' }, { 'if-match': tag }), 412, 'stale_version');
    expect((await api.as(tse1).patch(`/v1/clients/${clientId}`, { landmark: 'x' }, { 'if-match': '"1"' })).status).toBe(200);
  });
});

describe('18 · tokens, once more', () => {
  const now = () => Math.floor(Date.now() / 1000);
  const claims = (extra: Record<string, unknown> = {}) => ({ iss: LOCAL_ISSUER, aud: LOCAL_AUDIENCE, token_use: 'access', tenant_id: 'demo', staff_id: 'tse-1', 'cognito:groups': ['tse'], iat: now(), exp: now() + 3600, ...extra });
  const sign = (payload: Record<string, unknown>, header: Record<string, unknown> = {}) => signJwt({ alg: 'RS256', typ: 'JWT', kid: api.stack().issuer.kid, ...header }, payload, api.stack().issuer.privateKey);

  it.each([
    ['issued an hour in the future', () => sign(claims({ iat: now() + 3600, exp: now() + 7200 })), 'token_not_yet_valid'],
    ['naming two roles', () => sign(claims({ 'cognito:groups': ['tenant_admin', 'tse'] })), 'ambiguous_role'],
    ['with a critical header extension', () => sign(claims(), { crit: ['exp'] }), 'invalid_token'],
  ])('refuses a validly signed token %s with 401', async (_, token, code) => {
    problem(await api.withToken(token()).get('/v1/config/products'), 401, code);
  });
});

// ───────────── the third probe (about 10,000 requests): no 5xx; what remained ─────────────

describe('19 · a write is made by an active staff member, in the role the token claims', () => {
  it('refuses the still-valid token of a deactivated salesperson (403), and writes nothing', async () => {
    const staffId = `leaving-${++phone}`;
    expect((await api.as(admin).post('/v1/staff', { staffId, name: 'Leaving', email: `${staffId}@demo.probe.example`, role: 'tse', managerId: 'manager' })).status).toBe(201);
    const leaver = who(staffId, 'tse');
    const clientId = await newClient(leaver);
    expect((await api.as(admin).post(`/v1/staff/${staffId}/deactivate`)).status).toBe(200);
    problem(await api.as(leaver).post('/v1/clients', { companyName: 'After leaving', ownerName: 'X', mobile: String(++phone) }), 403, 'staff_inactive');
    problem(await api.as(leaver).post(`/v1/clients/${clientId}/opportunities`, { productId: 'website' }), 403, 'staff_inactive');
    expect((await api.as(admin).get(`/v1/clients/${clientId}/profile`)).body.activeOpportunities).toEqual([]);
  });

  it('refuses a token for a staff id with no record, and one whose role is not the record’s', async () => {
    problem(await api.as(who('ghost-staff', 'tse')).post('/v1/clients', { companyName: 'Ghost', ownerName: 'X', mobile: String(++phone) }), 403, 'staff_inactive');
    problem(await api.as(who('tse-1', 'sales_officer')).post('/v1/clients', { companyName: 'Wrong role', ownerName: 'X', mobile: String(++phone) }), 403, 'staff_inactive');
    expect((await api.as(admin).get(`/v1/clients?q=${encodeURIComponent('Wrong role')}`)).body.items).toEqual([]);
  });
});

describe('20 · a lead an admin enters is the salesperson’s', () => {
  it('makes the assignee the lead owner, so the admin takes no credit', async () => {
    const clientId = await newClient(admin);
    const o = await api.as(admin).post(`/v1/clients/${clientId}/opportunities`, { productId: 'website', assignedTo: 'tse-1', stage: 'Visit', coSalespersons: ['so-1'] });
    expect(o.body).toMatchObject({ assignedTo: 'tse-1', leadOwner: 'tse-1' });
    const won = await api.as(tse1).post(`/v1/opportunities/${o.body.id}/stage`, { stage: 'Closed', outcome: 'Won', closingOwner: 'so-1' });
    expect(won.body.opportunity.credit.map((c: { staffId: string }) => c.staffId)).toEqual(['tse-1', 'so-1']);
  });
});

describe('21 · a replay shows only what the caller may still see', () => {
  it('answers 404 to a replay after the lead was reassigned away', async () => {
    // The manager's lead (its lead owner), handed to tse-2, later taken back and given to tse-1.
    const clientId = await newClient(manager);
    const o = await newOpportunity(manager, clientId, { productId: 'website', assignedTo: 'tse-2' });
    const body = { type: 'Message', scheduledAt: '2026-12-08T10:00:00Z', remarks: 'SECRET-REPLAY' };
    expect((await api.as(tse2).post(`/v1/opportunities/${o.id}/events`, body, { 'idempotency-key': 'replay-scope-1' })).status).toBe(201);
    expect((await api.as(manager).patch(`/v1/opportunities/${o.id}`, { assignedTo: 'tse-1' }, { 'if-match': `"${o.version}"` })).status).toBe(200);
    expect((await api.as(tse2).get(`/v1/opportunities/${o.id}`)).status).toBe(404);
    const replay = await api.as(tse2).post(`/v1/opportunities/${o.id}/events`, body, { 'idempotency-key': 'replay-scope-1' });
    problem(replay, 404, 'event_not_found');
    expect(JSON.stringify(replay.body)).not.toContain('SECRET-REPLAY');
  });
});

describe('22 · the local server, at the edges of HTTP', () => {
  const url = () => new URL(api.stack().url);
  const exchange = (text: string | Buffer, waitForClose = true) =>
    new Promise<string>((resolve, reject) => {
      const socket = connect(Number(url().port), url().hostname, () => socket.write(text));
      let answer = '';
      socket.on('data', (d) => {
        answer += d.toString('utf8');
        if (!waitForClose && /\r\n\r\n[\s\S]*\}$/.test(answer)) socket.destroy();
      });
      socket.on('close', () => resolve(answer));
      socket.on('error', reject);
      socket.setTimeout(5_000, () => socket.destroy());
    });

  it('answers a request without Host as problem+json with a request id', async () => {
    const answer = await exchange('GET /health HTTP/1.1\r\nConnection: close\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer).toMatch(/\r\ncontent-type: application\/problem\+json\r\n/i);
    expect(answer).toMatch(/\r\nx-request-id: [0-9a-f-]{36}\r\n/i);
    expect(answer).toContain('"code":"missing_host"');
  });

  it('refuses CONNECT as a method it does not serve', async () => {
    const answer = await exchange(`CONNECT ${url().host} HTTP/1.1\r\nHost: ${url().host}\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 405 /);
    expect(answer).toMatch(/\r\nx-request-id: [0-9a-f-]{36}\r\n/i);
  });

  it('closes the connection after refusing a body over 10 MB, instead of leaving it hanging', async () => {
    const head = `POST /v1/clients HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ncontent-length: ${11 * 1024 * 1024}\r\n\r\n`;
    const answer = await exchange(Buffer.concat([Buffer.from(head), Buffer.alloc(11 * 1024 * 1024, 0x20)]));
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer).toMatch(/\r\nconnection: close\r\n/i);
  });

  it('answers a good request pipelined before a malformed one, then refuses the malformed one', async () => {
    const answer = await exchange('GET /health HTTP/1.1\r\nHost: x\r\n\r\nget /health HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(answer).toMatch(/HTTP\/1\.1 400 [\s\S]*"code":"malformed_request"/);
  });
});

describe('23 · a lost race says when to retry', () => {
  it('sends Retry-After with 409 concurrent_update', async () => {
    const clientId = await newClient(tse1);
    const o = await newOpportunity(tse1, clientId, { productId: 'website' });
    const results = await Promise.all(['Qualified', 'Potential', 'Demo', 'Visit'].map((stage) => api.as(tse1).post(`/v1/opportunities/${o.id}/stage`, { stage })));
    const lost = results.filter((r) => r.status === 409);
    expect(results.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(1);
    for (const r of lost) {
      expect(r.body.code).toBe('concurrent_update');
      expect(r.headers.get('retry-after')).toBe('1');
    }
  });
});
