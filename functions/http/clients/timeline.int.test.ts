import { beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../../domain/access/roles';
import type { Message } from '../../../domain/messages/message';
import { useLocalStack } from '../../../test/stack';
import { ids } from '../../lib/ids';
import { getServices } from '../../lib/services';

/**
 * #14 item 4: GET /v1/clients/{id}/timeline — a client's events, messages and stage changes in
 * one stream, newest first, paged by a signed cursor, and shown to each caller exactly as far as
 * the deals they may open.
 */
const api = useLocalStack();
const who = (staffId: string, role: Role, tenantId = 'demo') => ({ tenantId, staffId, role });
const admin = who('admin', 'tenant_admin');
const manager = who('manager', 'manager');
const tse1 = who('tse-1', 'tse');
const tse2 = who('tse-2', 'tse');
const warrior = who('w-t', 'warrior');
const partner = who('p-t', 'partner');

const message = (clientId: string, createdAt: string, opportunityId?: string): Message => {
  const id = ids.message(clientId);
  return { id, clientId, ...(opportunityId && { opportunityId }), channel: 'whatsapp', direction: 'inbound', from: '+919873100001', to: ['106540352242922'], text: `at ${createdAt}`, attachments: [], providerMessageId: `wamid.${id}`, status: 'received', statusAt: createdAt, createdBy: 'system', createdAt, version: 1 };
};

/** What each item is, by the names the set-up gives the deals and messages. */
let names = new Map<string, string>();
const label = (item: { type: string; id: string; opportunityId?: string }) => `${item.type} ${names.get(item.type === 'message' ? item.id : item.opportunityId!) ?? item.id}`;
let clientId = '';

beforeAll(async () => {
  for (const s of [
    { staffId: 'w-t', name: 'Warrior', email: 'w-t@demo.example', role: 'warrior', managerId: 'manager' },
    { staffId: 'p-t', name: 'Partner', email: 'p-t@demo.example', role: 'partner', partnerCompanyId: 'timeline-agents' },
  ]) expect((await api.as(admin).post('/v1/staff', s)).status).toBe(201);
  clientId = (await api.as(tse1).post('/v1/clients', { companyName: 'Timeline Traders', ownerName: 'T', mobile: '9873100001' })).body.id;
  const mine = (await api.as(tse1).post(`/v1/clients/${clientId}/opportunities`, { productId: 'website', warriors: ['w-t'] })).body;
  const theirs = (await api.as(admin).post(`/v1/clients/${clientId}/opportunities`, { productId: 'kml', assignedTo: 'tse-2' })).body;
  const partnered = (await api.as(tse1).post(`/v1/clients/${clientId}/opportunities`, { productId: 'chitty' })).body;
  expect((await api.as(manager).patch(`/v1/opportunities/${partnered.id}`, { partnerCompanyId: 'timeline-agents' }, { 'if-match': `"${partnered.version}"` })).status).toBe(200);
  // Follow-ups scheduled next year: newer than anything else here.
  expect((await api.as(tse1).post(`/v1/opportunities/${mine.id}/events`, { type: 'Call', scheduledAt: '2027-01-03T10:00:00+05:30' })).status).toBe(201);
  expect((await api.as(admin).post(`/v1/opportunities/${theirs.id}/events`, { type: 'Call', scheduledAt: '2027-01-02T04:30:00Z' })).status).toBe(201);
  expect((await api.as(tse1).post(`/v1/opportunities/${partnered.id}/events`, { type: 'Call', scheduledAt: '2027-01-01T04:30:00Z' })).status).toBe(201);
  // Stage changes now, mine first.
  expect((await api.as(tse1).post(`/v1/opportunities/${mine.id}/stage`, { stage: 'Qualified' })).status).toBe(200);
  expect((await api.as(admin).post(`/v1/opportunities/${theirs.id}/stage`, { stage: 'Qualified' })).status).toBe(200);
  // Messages last month.
  const general = message(clientId, '2026-11-03T10:00:00.000Z');
  const onMine = message(clientId, '2026-11-02T10:00:00.000Z', mine.id);
  const onTheirs = message(clientId, '2026-11-01T10:00:00.000Z', theirs.id);
  const onPartnered = message(clientId, '2026-11-04T10:00:00.000Z', partnered.id);
  for (const m of [general, onMine, onTheirs, onPartnered]) await getServices().messages.create('demo', m);
  names = new Map([
    [mine.id, 'mine'],
    [theirs.id, 'theirs'],
    [partnered.id, 'partnered'],
    [general.id, 'general'],
    [onMine.id, 'on mine'],
    [onTheirs.id, 'on theirs'],
    [onPartnered.id, 'on partnered'],
  ]);
});

const everything = ['event mine', 'event theirs', 'event partnered', 'stage_change theirs', 'stage_change mine', 'message on partnered', 'message general', 'message on mine', 'message on theirs'];

describe('GET /v1/clients/{id}/timeline', () => {
  it('is events, stage changes and messages in one stream, newest first, each item typed with its object', async () => {
    const res = await api.as(admin).get(`/v1/clients/${clientId}/timeline?limit=100`);
    expect(res.status).toBe(200);
    expect(res.body.items.map(label)).toEqual(everything);
    expect(res.body.nextCursor).toBeUndefined();
    const [event, , , move, , msg] = res.body.items;
    expect(event).toMatchObject({ type: 'event', at: '2027-01-03T04:30:00.000Z', event: { id: event.id, type: 'Call', status: 'Pending', scheduledAt: '2027-01-03T04:30:00.000Z', clientId } });
    expect(move).toMatchObject({ type: 'stage_change', stageChange: { opportunityId: move.opportunityId, from: 'Lead', to: 'Qualified', by: 'admin' } });
    expect(move.id).toBe(`${move.opportunityId}.${move.stageChange.seq}`);
    expect(msg).toEqual({ type: 'message', at: '2026-11-04T10:00:00.000Z', id: msg.message.id, opportunityId: msg.message.opportunityId, message: expect.objectContaining({ text: 'at 2026-11-04T10:00:00.000Z', direction: 'inbound' }) });
  });

  it('shows each caller the items of the deals they may open — and of no deal unless they work only on what was handed to them', async () => {
    const seen = async (caller: ReturnType<typeof who>) => {
      const res = await api.as(caller).get(`/v1/clients/${clientId}/timeline?limit=100`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      // Never an item about a deal (or an event) the caller cannot GET.
      for (const item of res.body.items) {
        if (item.opportunityId) expect((await api.as(caller).get(`/v1/opportunities/${item.opportunityId}`)).status, label(item)).toBe(200);
        if (item.type === 'event') expect((await api.as(caller).get(`/v1/events/${item.id}`)).status).toBe(200);
      }
      return res.body.items.map(label);
    };
    expect(await seen(manager)).toEqual(everything);
    expect(await seen(tse1)).toEqual(['event mine', 'event partnered', 'stage_change mine', 'message on partnered', 'message general', 'message on mine']);
    expect(await seen(tse2)).toEqual(['event theirs', 'stage_change theirs', 'message general', 'message on theirs']);
    expect(await seen(warrior)).toEqual(['event mine', 'stage_change mine', 'message on mine']);
    expect(await seen(partner)).toEqual(['event partnered', 'message on partnered']);
    // Not linked to the client, another tenant, no tenant data at all: no such client.
    for (const caller of [who('so-1', 'sales_officer'), who('admin', 'tenant_admin', 'acme'), who('root', 'platform_admin')]) {
      expect((await api.as(caller).get(`/v1/clients/${clientId}/timeline`)).body).toMatchObject({ status: 404, code: 'client_not_found' });
    }
  });

  it('pages by a cursor without loss or repeats, per caller and per types', async () => {
    const walk = async (caller: ReturnType<typeof who>, query: string) => {
      const out: string[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 20; page++) {
        const res = await api.as(caller).get(`/v1/clients/${clientId}/timeline?limit=2${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        expect(res.status).toBe(200);
        expect(res.body.items.length).toBeLessThanOrEqual(2);
        out.push(...res.body.items.map(label));
        cursor = res.body.nextCursor;
        if (!cursor) return out;
        expect(res.body.items).toHaveLength(2);
      }
      throw new Error('no last page');
    };
    expect(await walk(admin, '')).toEqual(everything);
    expect(await walk(tse1, '')).toEqual(['event mine', 'event partnered', 'stage_change mine', 'message on partnered', 'message general', 'message on mine']);
    expect(await walk(admin, '&types=message,stage_change')).toEqual(everything.filter((l) => !l.startsWith('event')));
    expect(await walk(warrior, '&types=event')).toEqual(['event mine']);
  });

  it('refuses a cursor that was edited, or is used for another client or other types (400), and types it does not know (422)', async () => {
    const first = await api.as(admin).get(`/v1/clients/${clientId}/timeline?limit=2`);
    const cursor: string = first.body.nextCursor;
    const [payload, mac] = cursor.split('.');
    const edited = `${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), at: '2099-01-01T00:00:00.000Z' })).toString('base64url')}.${mac}`;
    const other = (await api.as(admin).post('/v1/clients', { companyName: 'Other Timeline', ownerName: 'O', mobile: '9873100002' })).body.id;
    for (const path of [
      `/v1/clients/${clientId}/timeline?limit=2&cursor=${edited}`,
      `/v1/clients/${clientId}/timeline?limit=2&cursor=${cursor}&types=event`,
      `/v1/clients/${other}/timeline?limit=2&cursor=${cursor}`,
    ]) {
      expect((await api.as(admin).get(path)).body, path).toMatchObject({ status: 400, code: 'invalid_cursor' });
    }
    const bad = await api.as(admin).get(`/v1/clients/${clientId}/timeline?types=event,email`);
    expect(bad.status).toBe(422);
    expect(bad.body.errors).toEqual([{ field: 'query.types', code: 'invalid_format', message: 'must be a comma-separated list of event, message, stage_change' }]);
  });
});
