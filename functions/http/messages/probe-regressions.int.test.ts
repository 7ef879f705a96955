import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Principal } from '../../../domain/access/roles';
import { useLocalStack, type ApiResponse } from '../../../test/stack';

/**
 * Regressions of the hostile probe of issue #14's routes (about 1,800 requests and 90 mails
 * against npm start): each defect it found, over HTTP (and SMTP) on the local stack, with proof
 * that a refused request sent and stored nothing.
 */
const api = useLocalStack();
const who = (staffId: string, role: Principal['role'], tenantId = 'demo'): Principal => ({ tenantId, staffId, role });
const admin = who('admin', 'tenant_admin');
const tse1 = who('tse-1', 'tse');

let phone = 9_747_300_000;
const newClient = async (by: Principal) => {
  phone += 1;
  const res = await api.as(by).post('/v1/clients', { companyName: `Probe14 ${phone}`, ownerName: 'Probe Owner', mobile: String(phone), email: `probe${phone}@client.example` });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; mobile: string; email: string };
};
const problem = (res: ApiResponse, status: number, code: string) => {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  expect(res.body).toMatchObject({ status, code });
};
const outbox = () => readdirSync(api.stack().outboxDir).filter((f) => f.endsWith('.eml')).length;
const thread = async (clientId: string) => (await api.as(admin).get(`/v1/clients/${clientId}/messages?limit=100`)).body.items as { id: string; subject?: string }[];

describe('1 · an email recipient the mail composer would refuse is a 422, not a 500', () => {
  it('refuses a second recipient, a NUL or a bidi override in `to` before anything is sent', async () => {
    const client = await newClient(tse1);
    const before = outbox();
    for (const to of ['a@b.com,evil', 'a@b.com;c@d.com', 'a@b.com\u0000', 'a@b.c\u202eom', 'a\u200b@b.com', 'a\ud800@b.com', '"a"@b.com']) {
      const res = await api.as(tse1).post(`/v1/clients/${client.id}/messages`, { channel: 'email', subject: 'Hello', text: 'x', to });
      problem(res, 422, 'validation_failed');
      expect(res.body.errors).toEqual([expect.objectContaining({ field: 'body.to', code: 'invalid_email' })]);
    }
    expect(outbox()).toBe(before);
    expect(await thread(client.id)).toEqual([]);
    // An ordinary address still goes.
    expect((await api.as(tse1).post(`/v1/clients/${client.id}/messages`, { channel: 'email', subject: 'Hello', text: 'x', to: 'buyer.one+crm@client.example' })).status).toBe(201);
  });
});
