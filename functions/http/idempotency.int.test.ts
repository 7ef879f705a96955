import { afterEach, describe, expect, it, vi } from 'vitest';
import { useLocalStack } from '../../test/stack';

const api = useLocalStack();
const tse1 = { tenantId: 'demo', staffId: 'tse-1', role: 'tse' } as const;
const tse2 = { tenantId: 'demo', staffId: 'tse-2', role: 'tse' } as const;
const body = (mobile: string) => ({ companyName: 'Idem Traders', ownerName: 'Ravi', mobile });

describe('Idempotency-Key on POST', () => {
  it('replays the first response for a retry with the same key and body', async () => {
    const first = await api.as(tse1).post('/v1/clients', body('9946000001'), { 'idempotency-key': 'k-1' });
    const retry = await api.as(tse1).post('/v1/clients', body('9946000001'), { 'idempotency-key': 'k-1' });
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.headers.get('location')).toBe(first.headers.get('location'));
  });

  it('makes concurrent double-submits create exactly one client', async () => {
    const results = await Promise.all([1, 2, 3].map(() => api.as(tse1).post('/v1/clients', body('9946000002'), { 'idempotency-key': 'k-2' })));
    const created = results.filter((r) => r.status === 201);
    expect(created.length).toBeGreaterThanOrEqual(1);
    expect(new Set(created.map((r) => r.body.id)).size).toBe(1);
    // Any request that was not replayed saw the first still running.
    for (const r of results.filter((x) => x.status !== 201)) expect(r.body.code).toBe('idempotency_in_progress');
    const search = await api.as(tse1).get('/v1/clients?q=9946000002');
    expect(search.body.items).toHaveLength(1);
  });

  it('refuses the same key with a different body, and scopes keys per staff member', async () => {
    await api.as(tse1).post('/v1/clients', body('9946000003'), { 'idempotency-key': 'k-3' });
    const reused = await api.as(tse1).post('/v1/clients', body('9946000004'), { 'idempotency-key': 'k-3' });
    expect(reused.status).toBe(422);
    expect(reused.body.code).toBe('idempotency_key_reused');
    const otherStaff = await api.as(tse2).post('/v1/clients', body('9946000005'), { 'idempotency-key': 'k-3' });
    expect(otherStaff.status).toBe(201);
  });

  it('does not store a failure: a corrected retry with the same key runs', async () => {
    const bad = await api.as(tse1).post('/v1/clients', { ...body('9946000006'), email: 'nope' }, { 'idempotency-key': 'k-4' });
    expect(bad.status).toBe(422);
    const dup = await api.as(tse1).post('/v1/clients', body('9946000001'), { 'idempotency-key': 'k-5' });
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe('duplicate_client');
    const fixed = await api.as(tse1).post('/v1/clients', body('9946000007'), { 'idempotency-key': 'k-5' });
    expect(fixed.status).toBe(201);
    // Now the key is taken by the request that succeeded.
    const again = await api.as(tse1).post('/v1/clients', body('9946000001'), { 'idempotency-key': 'k-5' });
    expect(again.status).toBe(422);
    expect(again.body.code).toBe('idempotency_key_reused');
  });
});

describe('an invocation that dies mid-request', () => {
  afterEach(() => vi.useRealTimers());

  it('holds its key only for the invocation’s remaining time, then lets a retry run', async () => {
    const { getIdempotency } = await import('../lib/services');
    const run = getIdempotency();
    // The clock is an input: only Date is faked, so DynamoDB Local's replies still arrive.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-12-01T10:00:00.000Z'));
    const request = { owner: 'demo|tse-1', target: 'POST /v1/clients', key: 'died-1', body: { companyName: 'X' }, context: { getRemainingTimeInMillis: () => 5_000 } };
    // The business function runs only once the in-progress record is saved: then the invocation "dies".
    let saved!: () => void;
    const inProgress = new Promise<void>((resolve) => (saved = resolve));
    void run(request, () => {
      saved();
      return new Promise(() => {});
    });
    await inProgress;
    await expect(run(request, async () => ({ status: 201, body: 'second' }))).rejects.toMatchObject({ code: 'idempotency_in_progress', retryAfterSeconds: 1 });
    // Still held just before the invocation's deadline…
    vi.setSystemTime(new Date('2026-12-01T10:00:04.900Z'));
    await expect(run(request, async () => ({ status: 201, body: 'too early' }))).rejects.toMatchObject({ code: 'idempotency_in_progress' });
    // …and free after it, not for the 24 h the answer would be kept.
    vi.setSystemTime(new Date('2026-12-01T10:00:05.100Z'));
    await expect(run(request, async () => ({ status: 201, body: 'retried' }))).resolves.toEqual({ status: 201, body: 'retried' });
  });
});
