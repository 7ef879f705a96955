import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseBusMessage, toBusEntry } from './bus';
import { CONTRACTS_DIR, contractSchema, fileOf, sampleHistory } from '../scripts/events';
import { catalog, clientCreated, clientUpdated, parseDomainEvent, UnknownEventError } from './catalog';
import { breakingChanges } from './compatibility';
import { EVENT_SOURCE } from './rules';

const fixturesDir = join(import.meta.dirname, 'fixtures');
const fixtureFile = (c: { name: string; version: number }) => `${c.name}.v${c.version}.json`;
const readFixture = (file: string) => readFileSync(join(fixturesDir, file), 'utf8');

describe('event catalogue', () => {
  it('names every event <entity>.<what happened>, once per version', () => {
    const keys = catalog.map((c) => `${c.name}@${c.version}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const c of catalog) expect(c.name).toMatch(/^[a-z]+(_[a-z]+)*\.[a-z]+(_[a-z]+)*$/);
  });

  it.each(catalog.map((c) => [fixtureFile(c), c] as const))('parses the published fixture %s as delivered to a queue', (file, contract) => {
    const event = parseBusMessage(readFixture(file));
    expect(contract.is(event)).toBe(true);
    expect(event.entity).toBe(contract.entity);
  });

  it('keeps no fixture or schema snapshot without a contract (a retired version keeps its contract until its consumers moved)', () => {
    const published = new Set(catalog.map(fixtureFile));
    expect(readdirSync(fixturesDir).filter((f) => f.endsWith('.json') && !published.has(f))).toEqual([]);
    expect(readdirSync(CONTRACTS_DIR).filter((f) => f.endsWith('.json') && !published.has(f))).toEqual([]);
  });

  it.each(catalog.map((c) => [fileOf(c), c] as const))('keeps the published schema of %s: a change that would break it needs a new version', (file, contract) => {
    const published = JSON.parse(readFileSync(join(CONTRACTS_DIR, file), 'utf8'));
    expect(breakingChanges(published, contractSchema(contract as never))).toEqual([]);
  });

  it('publishes, from a real history through the real mappers, every event of the catalogue', () => {
    const published = new Set(sampleHistory().map((e) => `${e.type}@${e.version}`));
    expect(catalog.map((c) => `${c.name}@${c.version}`).filter((k) => !published.has(k))).toEqual([]);
  });

  it('refuses an unknown version or name, and a detail that breaks the contract', () => {
    const detail = JSON.parse(readFixture('client.created.v1.json')).detail;
    expect(() => parseDomainEvent('client.created', { ...detail, version: 2 })).toThrow(UnknownEventError);
    expect(() => parseDomainEvent('client.exploded', detail)).toThrow(UnknownEventError);
    expect(() => parseDomainEvent('client.created', { ...detail, tenantId: '' })).toThrow();
    expect(() => parseDomainEvent('client.created', { ...detail, data: { after: { ...detail.data.after, version: 0 } } })).toThrow();
  });

  it('reads an envelope with fields it does not know yet, dropping them', () => {
    const detail = JSON.parse(readFixture('client.created.v1.json')).detail;
    expect(parseDomainEvent('client.created', { ...detail, traceId: 'abc' })).not.toHaveProperty('traceId');
  });

  it('lets fields added to a client later pass through (additive, not breaking)', () => {
    const detail = JSON.parse(readFixture('client.created.v1.json')).detail;
    const event = parseDomainEvent('client.created', { ...detail, data: { after: { ...detail.data.after, rating: 5 } } });
    expect(clientCreated.is(event) && event.data.after).toMatchObject({ rating: 5 });
  });
});

describe('contract.create', () => {
  const fields = {
    eventId: 'e1:client.updated',
    tenantId: 'demo',
    entityId: 'c_1',
    occurredAt: '2026-03-05T09:15:00.000Z',
    data: {
      before: { id: 'c_1', companyName: 'A', ownerName: 'B', mobile: '+919847012345', createdBy: 'tse-1', createdAt: '2026-03-02T04:30:12.345Z', updatedAt: '2026-03-02T04:30:12.345Z', version: 1 },
      after: { id: 'c_1', companyName: 'A2', ownerName: 'B', mobile: '+919847012345', createdBy: 'tse-1', createdAt: '2026-03-02T04:30:12.345Z', updatedAt: '2026-03-05T09:15:00.000Z', version: 2 },
      changedFields: ['companyName', 'updatedAt', 'version'],
    },
  };

  it('fills the envelope from the contract and leaves out an unknown actor', () => {
    const event = clientUpdated.create({ ...fields, actor: undefined });
    expect(event).toMatchObject({ type: 'client.updated', version: 1, entity: 'client', entityId: 'c_1' });
    expect(event).not.toHaveProperty('actor');
  });

  it('refuses to build an event its consumers would refuse', () => {
    expect(() => clientUpdated.create({ ...fields, data: { ...fields.data, changedFields: [] } })).toThrow();
    expect(() => clientUpdated.create({ ...fields, occurredAt: 'yesterday' })).toThrow();
  });

  it('travels as a PutEvents entry with the contract name as detail-type', () => {
    const event = clientUpdated.create(fields);
    expect(toBusEntry(event, 'crm-bus')).toEqual({
      Source: EVENT_SOURCE,
      DetailType: 'client.updated',
      Detail: JSON.stringify(event),
      Time: new Date('2026-03-05T09:15:00.000Z'),
      EventBusName: 'crm-bus',
    });
  });
});

describe('breakingChanges', () => {
  const v1 = {
    type: 'object',
    properties: { id: { type: 'string' }, stage: { type: 'string', enum: ['Lead', 'Won'] }, tags: { type: 'array', items: { type: 'string' } }, note: { type: 'string' } },
    required: ['id', 'stage'],
  };
  const edit = (f: (s: any) => void) => {
    const s = structuredClone(v1) as any;
    f(s);
    return s;
  };

  it('allows the same schema and a new optional field', () => {
    expect(breakingChanges(v1, v1)).toEqual([]);
    expect(breakingChanges(v1, edit((s) => (s.properties.extra = { type: 'number' })))).toEqual([]);
  });

  it.each([
    ['a removed field', (s: any) => delete s.properties.note, ['$.note: removed']],
    ['a retyped field', (s: any) => (s.properties.id = { type: 'number' }), ['$.id: {"type":"string"} became {"type":"number"}']],
    ['a new required field', (s: any) => ((s.properties.extra = { type: 'string' }), s.required.push('extra')), ['$.extra: new required field']],
    ['a field made required', (s: any) => s.required.push('note'), ['$.note: now required']],
    ['a field made optional', (s: any) => (s.required = ['id']), ['$.stage: no longer required']],
    ['an enum value added', (s: any) => s.properties.stage.enum.push('Lost'), ['$.stage: {"type":"string","enum":["Lead","Won"]} became {"type":"string","enum":["Lead","Won","Lost"]}']],
    ['array items retyped', (s: any) => (s.properties.tags.items = { type: 'number' }), ['$.tags[]: {"type":"string"} became {"type":"number"}']],
  ])('refuses %s', (_, change, expected) => {
    expect(breakingChanges(v1, edit(change))).toEqual(expected);
  });
});
