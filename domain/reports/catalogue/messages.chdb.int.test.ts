import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openChdb, type ChdbAnalytics } from '../../../functions/lib/analytics/analytics.chdb';
import type { Row } from '../../../functions/lib/analytics/port';
import { factsOf } from '../../../functions/lib/analytics/projections';
import { applyMigrations } from '../../../functions/lib/analytics/schema';
import { messageReceived, messageSent, messageStatusChanged, type CatalogEvent } from '../../../events/catalog';
import type { Message, MessageStatus } from '../../messages/message';
import type { CompileContext, CompiledQuery, ReportScope } from '../compile';
import { catalogueReport, compileCatalogueReport } from '.';

/**
 * The message reports (catalogue/messages.ts) on the engine, from the events the loader projects:
 * each number as the report's description defines it, and only the caller's rows.
 */
const dir = mkdtempSync(join(tmpdir(), 'chdb-message-reports-'));
let analytics: ChdbAnalytics;

const ctx = (scope: ReportScope): CompileContext => ({ tenantId: 'acme', scope, timeZone: 'Asia/Kolkata', asOf: '2026-03-05T05:00:00.000Z' });
const MARCH = { period: { from: '2026-03-01', to: '2026-03-31' } };

let n = 0;
const message = (tenantId: string, m: Partial<Message> & Pick<Message, 'id' | 'clientId' | 'direction' | 'channel' | 'createdAt'>, ...statuses: MessageStatus[]): CatalogEvent[] => {
  const full: Message = {
    from: 'x',
    to: ['y'],
    text: 'hello',
    attachments: [],
    providerMessageId: `p-${m.id}`,
    status: m.direction === 'inbound' ? 'received' : 'sent',
    statusAt: m.createdAt,
    createdBy: 'system',
    version: 1,
    ...m,
  };
  const base = { tenantId, entityId: m.id, occurredAt: m.createdAt };
  const created = m.direction === 'inbound' ? messageReceived.create({ ...base, eventId: `e${n++}`, actor: 'system', data: { message: full } }) : messageSent.create({ ...base, eventId: `e${n++}`, actor: full.createdBy, data: { message: full } });
  let previous: MessageStatus = 'sent';
  const moves = statuses.map((status) => {
    const e = messageStatusChanged.create({
      ...base,
      eventId: `e${n++}`,
      actor: 'system',
      data: { messageId: m.id, clientId: m.clientId, ...(m.opportunityId && { opportunityId: m.opportunityId }), channel: m.channel, previousStatus: previous, status },
    });
    previous = status;
    return e;
  });
  return [created, ...moves];
};

/**
 * Client c_1: two WhatsApp messages (04:00 about o_1, 04:10), answered by tse-1 at 04:30 (o_1);
 * an email at 06:00 answered by tse-2 at 08:00 (it failed), who writes again at 08:05 (no reply).
 * Client c_2: tse-1 writes first (04:00 on the 3rd), the client's 05:00 email is unanswered.
 * Client c_3: a WhatsApp at 10:00 on the 4th, answered by tse-1 at 10:45 (read).
 * February's exchange and tenant zeta's are outside every answer.
 */
const history: CatalogEvent[] = [
  ...message('acme', { id: 'i1', clientId: 'c_1', opportunityId: 'o_1', direction: 'inbound', channel: 'whatsapp', createdAt: '2026-03-02T04:00:00.000Z' }),
  ...message('acme', { id: 'i2', clientId: 'c_1', direction: 'inbound', channel: 'whatsapp', createdAt: '2026-03-02T04:10:00.000Z' }),
  ...message('acme', { id: 'r1', clientId: 'c_1', opportunityId: 'o_1', direction: 'outbound', channel: 'whatsapp', createdBy: 'tse-1', createdAt: '2026-03-02T04:30:00.000Z' }, 'delivered'),
  ...message('acme', { id: 'i3', clientId: 'c_1', direction: 'inbound', channel: 'email', createdAt: '2026-03-02T06:00:00.000Z' }),
  ...message('acme', { id: 'r2', clientId: 'c_1', direction: 'outbound', channel: 'email', createdBy: 'tse-2', createdAt: '2026-03-02T08:00:00.000Z' }, 'failed'),
  ...message('acme', { id: 'r3', clientId: 'c_1', direction: 'outbound', channel: 'email', createdBy: 'tse-2', createdAt: '2026-03-02T08:05:00.000Z' }),
  ...message('acme', { id: 'o4', clientId: 'c_2', direction: 'outbound', channel: 'email', createdBy: 'tse-1', createdAt: '2026-03-03T04:00:00.000Z' }),
  ...message('acme', { id: 'i4', clientId: 'c_2', direction: 'inbound', channel: 'email', createdAt: '2026-03-03T05:00:00.000Z' }),
  ...message('acme', { id: 'i5', clientId: 'c_3', direction: 'inbound', channel: 'whatsapp', createdAt: '2026-03-04T10:00:00.000Z' }),
  ...message('acme', { id: 'r4', clientId: 'c_3', direction: 'outbound', channel: 'whatsapp', createdBy: 'tse-1', createdAt: '2026-03-04T10:45:00.000Z' }, 'delivered', 'read'),
  ...message('acme', { id: 'f1', clientId: 'c_1', direction: 'inbound', channel: 'whatsapp', createdAt: '2026-02-20T04:00:00.000Z' }),
  ...message('acme', { id: 'f2', clientId: 'c_1', direction: 'outbound', channel: 'whatsapp', createdBy: 'tse-1', createdAt: '2026-02-20T04:10:00.000Z' }),
  ...message('zeta', { id: 'z1', clientId: 'c_1', direction: 'inbound', channel: 'email', createdAt: '2026-03-02T04:00:00.000Z' }),
  ...message('zeta', { id: 'z2', clientId: 'c_1', direction: 'outbound', channel: 'email', createdBy: 'tse-1', createdAt: '2026-03-02T04:01:00.000Z' }),
];

async function load(events: readonly CatalogEvent[]) {
  const tables = new Map<string, Row[]>();
  for (const e of events) for (const [table, rows] of Object.entries(factsOf(e))) tables.set(table, [...(tables.get(table) ?? []), ...rows!]);
  for (const [table, rows] of tables) await analytics.insert(table, rows);
}

beforeAll(async () => {
  analytics = openChdb(dir);
  await applyMigrations(analytics);
  await load(history);
  // At-least-once: the statuses and a reply delivered again, in another order.
  await load([...history.slice(0, 8)].reverse());
});
afterAll(async () => {
  await analytics?.close();
  rmSync(dir, { recursive: true, force: true });
});

const round = (v: unknown) => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(9)) : v);
const run = async (q: CompiledQuery) => (await analytics.query<Record<string, unknown>>(q.sql, q.params as never)).map((r) => Object.values(r).map(round));
const report = (id: string, scope: ReportScope = { kind: 'tenant' }) => run(compileCatalogueReport(catalogueReport(id)!, MARCH, ctx(scope)));
const SELLER: ReportScope = { kind: 'staff', staffIds: ['tse-1'] };
const MANAGER: ReportScope = { kind: 'staff', staffIds: ['m-1', 'tse-1'] };
const WARRIOR: ReportScope = { kind: 'handed', opportunityIds: ['o_1'] };

describe('message reports', () => {
  it('messages sent by staff member and channel: count, delivered (or read), read, failed', async () => {
    expect(await report('message-volume-by-staff')).toEqual([
      ['tse-1', 'email', 1, 0, 0, 0],
      ['tse-1', 'whatsapp', 2, 2, 1, 0],
      ['tse-2', 'email', 2, 0, 0, 1],
    ]);
  });

  it('messages week by week, inbound and outbound', async () => {
    expect(await report('message-volume-weekly')).toEqual([
      ['2026-03-02', 'inbound', 5],
      ['2026-03-02', 'outbound', 5],
    ]);
  });

  it('reply time by staff member: replies, median and p90 of the minutes the client waited, within an hour and its share', async () => {
    // tse-1: r1 waited 30 min (from i1, the first of two), r4 45 min; tse-2: r2 120 min (failed since, still a reply); r3 and o4 answer nothing.
    expect(await report('message-response-time-by-staff')).toEqual([
      ['tse-1', 2, 37.5, 43.5, 2, 1],
      ['tse-2', 1, 120, 120, 0, 0],
    ]);
  });

  it('response time by channel: client messages, answered, median and p90 minutes, share answered', async () => {
    // email: i3 answered in 120 min, i4 not; WhatsApp: i1 30, i2 20, i5 45.
    expect(await report('message-response-time-by-channel')).toEqual([
      ['email', 2, 1, 120, 120, 0.5],
      ['whatsapp', 3, 3, 30, 42, 1],
    ]);
    expect(await report('message-response-time-weekly')).toEqual([['2026-03-02', 5, 4, 37.5, 97.5, 0.8]]);
  });

  it('unanswered client messages: per client and channel, how many, the oldest, the longest waiting in minutes to now', async () => {
    expect(await report('unanswered-client-messages')).toEqual([['c_2', 'email', 1, '2026-03-03 05:00:00.000', 2880]]);
  });

  it('delivery by channel and status as it stands', async () => {
    expect(await report('message-delivery-by-channel')).toEqual([
      ['email', 'failed', 1],
      ['email', 'sent', 2],
      ['whatsapp', 'delivered', 1],
      ['whatsapp', 'read', 1],
    ]);
  });

  it('a seller sees only the messages they sent; a manager their subtree’s; a warrior only those on the deals handed to them', async () => {
    const mine = [
      ['tse-1', 'email', 1, 0, 0, 0],
      ['tse-1', 'whatsapp', 2, 2, 1, 0],
    ];
    expect(await report('message-volume-by-staff', SELLER)).toEqual(mine);
    expect(await report('message-volume-by-staff', MANAGER)).toEqual(mine);
    expect(await report('message-volume-by-staff', { kind: 'staff', staffIds: ['tse-2'] })).toEqual([['tse-2', 'email', 2, 0, 0, 1]]);
    expect(await report('message-response-time-by-staff', SELLER)).toEqual([['tse-1', 2, 37.5, 43.5, 2, 1]]);
    // Client messages stored before countedFor was kept are counted for no staff member: not a seller's, not a manager's.
    expect(await report('message-volume-weekly', SELLER)).toEqual([['2026-03-02', 'outbound', 3]]);
    expect(await report('message-response-time-by-channel', MANAGER)).toEqual([]);
    expect(await report('unanswered-client-messages', SELLER)).toEqual([]);
    // The warrior handed o_1: i1 and its answer r1, nothing else of the thread.
    expect(await report('message-volume-weekly', WARRIOR)).toEqual([
      ['2026-03-02', 'inbound', 1],
      ['2026-03-02', 'outbound', 1],
    ]);
    expect(await report('message-response-time-by-channel', WARRIOR)).toEqual([['whatsapp', 1, 1, 30, 30, 1]]);
    expect(await report('message-volume-by-staff', WARRIOR)).toEqual([['tse-1', 'whatsapp', 1, 1, 0, 0]]);
    expect(await report('message-volume-by-staff', { kind: 'handed', opportunityIds: [] })).toEqual([]);
  });

  it('a client’s message is the staff member’s it was counted for when it arrived (countedFor): their seller and manager see it', async () => {
    // Tenant kappa: c_9 writes to tse-1 (its deal's assignee), tse-2 answers 20 minutes later; c_8 writes to tse-2, unanswered.
    await load([
      ...message('kappa', { id: 'k1', clientId: 'c_9', direction: 'inbound', channel: 'whatsapp', countedFor: ['tse-1'], createdAt: '2026-03-02T04:00:00.000Z' }),
      ...message('kappa', { id: 'k2', clientId: 'c_9', direction: 'outbound', channel: 'whatsapp', createdBy: 'tse-2', createdAt: '2026-03-02T04:20:00.000Z' }),
      ...message('kappa', { id: 'k3', clientId: 'c_8', direction: 'inbound', channel: 'email', countedFor: ['tse-2'], createdAt: '2026-03-02T05:00:00.000Z' }),
    ]);
    const kappa = (id: string, staffIds: string[]) => run(compileCatalogueReport(catalogueReport(id)!, MARCH, { ...ctx({ kind: 'staff', staffIds }), tenantId: 'kappa' }));
    expect(await kappa('message-volume-weekly', ['tse-1'])).toEqual([['2026-03-02', 'inbound', 1]]);
    expect(await kappa('message-response-time-by-channel', ['tse-1'])).toEqual([['whatsapp', 1, 1, 20, 20, 1]]);
    expect(await kappa('unanswered-client-messages', ['tse-1'])).toEqual([]);
    expect(await kappa('unanswered-client-messages', ['m-2', 'tse-2'])).toEqual([['c_8', 'email', 1, '2026-03-02 05:00:00.000', 4320]]);
    // The reply is its sender's: tse-2's, not tse-1's.
    expect(await kappa('message-volume-weekly', ['tse-2'])).toEqual([
      ['2026-03-02', 'inbound', 1],
      ['2026-03-02', 'outbound', 1],
    ]);
  });

  it('answers with its totals: the same measures over every row the caller may see', async () => {
    const compiled = compileCatalogueReport(catalogueReport('message-response-time-by-channel')!, MARCH, ctx({ kind: 'tenant' }));
    expect(await run(compiled.totals!)).toEqual([[5, 4, 37.5, 97.5, 0.8]]);
  });
});
