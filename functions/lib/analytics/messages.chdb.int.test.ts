import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Feedback } from '../../../domain/events/feedback';
import type { Message } from '../../../domain/messages/message';
import { aFeedback, anEvent } from '../../../domain/testing/builders';
import { eventCompleted, messageReceived, messageSent, messageStatusChanged, type CatalogEvent } from '../../../events/catalog';
import { toItem } from '../store/items';
import { openChdb, type ChdbAnalytics } from './analytics.chdb';
import { factsOfItem } from './backfill';
import type { Row } from './port';
import { factsOf } from './projections';
import { applyMigrations } from './schema';

/**
 * The message facts (schema migration 5) and the feedback columns of activities (migration 6), on
 * the engine: what the loader's projections make of the events, replayed and out of order.
 */
const dir = mkdtempSync(join(tmpdir(), 'chdb-messages-'));
let a: ChdbAnalytics;

beforeAll(async () => {
  a = openChdb(dir);
  await applyMigrations(a);
});
afterAll(async () => {
  await a?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function load(events: readonly CatalogEvent[]) {
  const tables = new Map<string, Row[]>();
  for (const e of events) for (const [table, rows] of Object.entries(factsOf(e))) tables.set(table, [...(tables.get(table) ?? []), ...rows!]);
  // One insert per event: each its own part, as batches of the loader would be.
  for (const [table, rows] of tables) for (const row of rows) await a.insert(table, [row]);
}

const message = (overrides: Partial<Message>): Message => ({
  id: 'm_1',
  clientId: 'c_1',
  channel: 'email',
  direction: 'outbound',
  from: 'tse-1@acme.example',
  to: ['client@example.com'],
  subject: 'Your quote',
  text: 'Attached.',
  attachments: [],
  providerMessageId: '<m_1@acme.example>',
  status: 'sent',
  statusAt: '2026-03-02T04:30:00.000Z',
  createdBy: 'tse-1',
  createdAt: '2026-03-02T04:30:00.000Z',
  version: 1,
  ...overrides,
});
const sent = (m: Message) => messageSent.create({ eventId: `${m.id}:sent`, tenantId: 'acme', entityId: m.id, occurredAt: m.createdAt, actor: m.createdBy, data: { message: m } });
const received = (m: Message) => messageReceived.create({ eventId: `${m.id}:received`, tenantId: 'acme', entityId: m.id, occurredAt: m.createdAt, actor: 'system', data: { message: m } });
const moved = (m: Message, previousStatus: Message['status'], status: Message['status'], at: string) =>
  messageStatusChanged.create({
    eventId: `${m.id}:${status}`,
    tenantId: 'acme',
    entityId: m.id,
    occurredAt: at,
    actor: 'system',
    data: { messageId: m.id, clientId: m.clientId, ...(m.opportunityId && { opportunityId: m.opportunityId }), channel: m.channel, previousStatus, status },
  });

const messages = () =>
  a.query('SELECT message_id, client_id, opportunity_id, channel, direction, staff_id, status, toString(at) AS at FROM messages FINAL WHERE tenant_id = {t:String} ORDER BY message_id', { t: 'acme' });

describe('message facts', () => {
  const email = message({ id: 'm_1', opportunityId: 'o_1' });
  const whatsapp = message({ id: 'm_2', channel: 'whatsapp', to: ['+919847012345'], createdBy: 'so-1', createdAt: '2026-03-02T05:00:00.000Z', status: 'sent' });
  const reply = message({ id: 'm_3', direction: 'inbound', from: '+919847012345', to: ['106540352242922'], channel: 'whatsapp', status: 'received', createdBy: 'system', createdAt: '2026-03-02T05:20:00.000Z' });

  it('holds each message once as it stands: sender, time, and the furthest status reached, however its events arrive', async () => {
    await load([
      // m_1's read arrives before it was sent, and its delivered after read (Meta's order is none).
      moved(email, 'delivered', 'read', '2026-03-02T04:40:00.000Z'),
      sent(email),
      moved(email, 'sent', 'delivered', '2026-03-02T04:31:00.000Z'),
      sent(whatsapp),
      moved(whatsapp, 'sent', 'failed', '2026-03-02T05:01:00.000Z'),
      received(reply),
    ]);
    const expected = [
      { message_id: 'm_1', client_id: 'c_1', opportunity_id: 'o_1', channel: 'email', direction: 'outbound', staff_id: 'tse-1', status: 'read', at: '2026-03-02 04:30:00.000' },
      { message_id: 'm_2', client_id: 'c_1', opportunity_id: '', channel: 'whatsapp', direction: 'outbound', staff_id: 'so-1', status: 'failed', at: '2026-03-02 05:00:00.000' },
      // An inbound message is counted for no one: message.received does not say whom.
      { message_id: 'm_3', client_id: 'c_1', opportunity_id: '', channel: 'whatsapp', direction: 'inbound', staff_id: '', status: 'received', at: '2026-03-02 05:20:00.000' },
    ];
    expect(await messages()).toEqual(expected);
    // Every event delivered again: nothing changes.
    await load([sent(email), moved(email, 'sent', 'delivered', '2026-03-02T04:31:00.000Z'), sent(whatsapp), received(reply), moved(email, 'delivered', 'read', '2026-03-02T04:40:00.000Z')]);
    expect(await messages()).toEqual(expected);
    await a.command('OPTIMIZE TABLE messages FINAL');
    expect(await a.query("SELECT count() AS n FROM messages WHERE tenant_id = 'acme'")).toEqual([{ n: 3 }]);
    // The client's thread in time order: the messages themselves, never a status change.
    expect(await a.query("SELECT message_id, direction, staff_id, toString(at) AS at FROM message_thread FINAL WHERE tenant_id = 'acme' ORDER BY client_id, at")).toEqual([
      { message_id: 'm_1', direction: 'outbound', staff_id: 'tse-1', at: '2026-03-02 04:30:00.000' },
      { message_id: 'm_2', direction: 'outbound', staff_id: 'so-1', at: '2026-03-02 05:00:00.000' },
      { message_id: 'm_3', direction: 'inbound', staff_id: '', at: '2026-03-02 05:20:00.000' },
    ]);
  });

  it('a status whose message is not loaded yet is in no period (its time is the epoch) until the message arrives', async () => {
    const late = message({ id: 'm_9', clientId: 'c_9', createdAt: '2026-03-03T04:30:00.000Z' });
    await load([moved(late, 'sent', 'delivered', '2026-03-03T04:31:00.000Z')]);
    expect(await a.query("SELECT direction, status, toString(at) AS at FROM messages FINAL WHERE message_id = 'm_9'")).toEqual([{ direction: '', status: 'delivered', at: '1970-01-01 00:00:00.000' }]);
    await load([sent(late)]);
    expect(await a.query("SELECT direction, staff_id, status, toString(at) AS at FROM messages FINAL WHERE message_id = 'm_9'")).toEqual([
      { direction: 'outbound', staff_id: 'tse-1', status: 'delivered', at: '2026-03-03 04:30:00.000' },
    ]);
  });

  it('a backfill of a message item gives the row the live path gave', () => {
    const stored = { ...message({ id: 'm_5', opportunityId: 'o_1' }), status: 'read' as const, statusAt: '2026-03-02T04:40:00.000Z', version: 3 };
    const item = toItem('message', 'acme', { pk: 'T#acme#C#c_1', sk: 'MSG#m_5' }, stored);
    expect(factsOfItem(item).messages).toEqual([
      { tenant_id: 'acme', client_id: 'c_1', message_id: 'm_5', opportunity_id: 'o_1', channel: 'email', direction: 'outbound', staff_id: 'tse-1', status_rank: 3, at: '2026-03-02 04:30:00.000' },
    ]);
    expect(factsOf(sent({ ...stored, status: 'sent' })).messages![0]).toEqual({ ...factsOfItem(item).messages![0], status_rank: 1 });
  });
});

describe('feedback on the activity facts', () => {
  const completed = (id: string, type: 'DemoCompleted' | 'VisitCompleted' | 'Call', feedback?: Record<string, unknown>) =>
    eventCompleted.create({
      eventId: `${id}:completed`,
      tenantId: 'acme',
      entityId: id,
      occurredAt: '2026-03-02T06:00:00.000Z',
      actor: 'tse-1',
      data: { event: anEvent({ id, type, status: 'Completed', completedAt: '2026-03-02T06:00:00.000Z', updatedBy: 'tse-1', ...(feedback && { feedback: feedback as Feedback }) }) },
    });

  it('a completed demo or visit carries its budget and the competitor named; any other row neither', async () => {
    await load([
      completed('e_1', 'DemoCompleted', aFeedback({ budget: 25_000_000, competitorInfo: '  Zoho   CRM ' })),
      completed('e_2', 'VisitCompleted', aFeedback({ budget: 0, competitorInfo: 'None.' })),
      completed('e_3', 'Call'),
    ]);
    expect(await a.query("SELECT event_id, event_type, budget, competitor FROM activities FINAL WHERE tenant_id = 'acme' ORDER BY event_id")).toEqual([
      { event_id: 'e_1', event_type: 'DemoCompleted', budget: 25_000_000, competitor: 'zoho crm' },
      { event_id: 'e_2', event_type: 'VisitCompleted', budget: 0, competitor: '' },
      { event_id: 'e_3', event_type: 'Call', budget: null, competitor: '' },
    ]);
  });

  it('a backfill of the event item gives the same row', () => {
    const event = anEvent({ id: 'e_1', type: 'DemoCompleted', status: 'Completed', createdAs: 'Completed', completedAt: '2026-03-02T06:00:00.000Z', updatedBy: 'tse-1', feedback: aFeedback({ competitorInfo: 'Zoho' }) as Feedback });
    const live = factsOf(completed('e_1', 'DemoCompleted', aFeedback({ competitorInfo: 'Zoho' }))).activities!;
    const fromItem = factsOfItem(toItem('event', 'acme', { pk: 'T#acme#C#client-1', sk: 'EV#e_1' }, event)).activities!;
    expect(fromItem.find((r) => r.kind === 'completed')).toMatchObject({ budget: 1_500_000, competitor: 'zoho' });
    expect(fromItem.find((r) => r.kind === 'completed')).toEqual(live[0]);
  });
});
