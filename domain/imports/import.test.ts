import { describe, expect, it } from 'vitest';
import { clientRefOf, contactOf, ImportRequest, mapRow, tally } from './import';

describe('an import request', () => {
  it('defaults to an insert that writes', () => {
    expect(ImportRequest.parse({ entity: 'clients', format: 'csv', size: 10 })).toEqual({ entity: 'clients', format: 'csv', size: 10, mode: 'insert', dryRun: false });
  });

  it('refuses what cannot work, field by field', () => {
    const r = ImportRequest.safeParse({ entity: 'events', format: 'csv', size: 10, mode: 'upsert', matchOn: ['mobile'], mapping: { Phone: 'phone', Note: null } });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['matchOn', 'applies to clients only: opportunities match on their client and product, events are only inserted'],
      ['mode', 'events are only inserted'],
      ['mapping.Phone', 'is not a field of events: one of clientId, client.mobile, client.email, client.gstin, opportunityId, product, type, scheduledAt, status, assignee, remarks, notes'],
    ]);
    expect(ImportRequest.safeParse({ entity: 'clients', format: 'csv', size: 200 * 1024 * 1024 + 1 }).error!.issues[0]!.message).toBe('must be at most 209715200 bytes (200 MiB)');
    expect(ImportRequest.safeParse({ entity: 'clients', format: 'csv', size: 1, matchOn: ['externalRefs.Tally'] }).success).toBe(false);
    expect(ImportRequest.safeParse({ entity: 'clients', format: 'csv', size: 1, matchOn: ['externalRefs.tally', 'gstin'] }).success).toBe(true);
  });
});

describe('a row mapped to fields', () => {
  it('renames by the mapping, drops blank cells and ignored columns, reads numbers and nests dotted names', () => {
    const mapped = mapRow('clients', { Firm: 'Alpha', Owner: 'A', Phone: '9847000001', Lat: ' 9.93 ', lng: '', 'externalRefs.tally': 'L-1', Note: 'x' }, { Firm: 'companyName', Owner: 'ownerName', Phone: 'mobile', Lat: 'geo.lat', lng: 'geo.lng', Note: null });
    expect(mapped.errors).toEqual([]);
    expect(mapped.fields).toEqual({ companyName: 'Alpha', ownerName: 'A', mobile: '9847000001', geo: { lat: 9.93 }, externalRefs: { tally: 'L-1' } });
    expect(mapped.columnOf('geo.lat')).toBe('Lat');
    expect(mapped.columnOf('mobile')).toBe('Phone');
  });

  it('keeps a number that is not one as text, for the schema to refuse with its message', () => {
    expect(mapRow('clients', { 'geo.lat': 'north' }).fields).toEqual({ geo: { lat: 'north' } });
  });

  it('reads ;-lists, and JSON records nested as a CSV row is dotted', () => {
    expect(mapRow('opportunities', { 'client.mobile': '1', warriors: 'w-1; w-2;' }).fields).toEqual({ client: { mobile: '1' }, warriors: ['w-1', 'w-2'] });
    expect(mapRow('clients', { geo: { lat: 1, lng: 2 }, externalRefs: { sap: 'BP-1' } }).fields).toEqual({ geo: { lat: 1, lng: 2 }, externalRefs: { sap: 'BP-1' } });
  });

  it('names a column that is no field, and never lets one reach the prototype', () => {
    const mapped = mapRow('clients', JSON.parse('{"__proto__": {"admin": true}, "colour": "red", "constructor": "x"}') as Record<string, unknown>);
    expect(mapped.errors.map((e) => [e.field, e.code])).toEqual([
      ['__proto__.admin', 'unknown_field'],
      ['colour', 'unknown_field'],
      ['constructor', 'unknown_field'],
    ]);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });
});

describe('relations by natural key', () => {
  it('take the client from an id or the first contact point named', () => {
    expect(clientRefOf({ clientId: 'c_1', product: 'kml' })).toEqual({ ref: { id: 'c_1' }, rest: { product: 'kml' } });
    expect(clientRefOf({ client: { email: 'a@b.c', externalRefs: { tally: 'L-9' } } }).ref).toEqual({ contact: { on: 'email', value: 'a@b.c' }, field: 'client.email' });
    expect(clientRefOf({ client: { externalRefs: { tally: 'L-9' } } }).ref).toEqual({ contact: { on: 'externalRef', value: 'tally:L-9' }, field: 'client.externalRefs.tally' });
    expect(clientRefOf({ product: 'kml' }).error).toEqual({ field: 'client', code: 'required', message: 'name the client: clientId, client.mobile, client.email, client.gstin or client.externalRefs.<system>' });
  });

  it('match a client on the keys it has', () => {
    const client = { mobile: '+919847000001', email: 'a@b.c', externalRefs: { tally: 'L-1' } };
    expect(contactOf('mobile', client)).toEqual({ on: 'mobile', value: '+919847000001' });
    expect(contactOf('gstin', client)).toBeUndefined();
    expect(contactOf('externalRefs.tally', client)).toEqual({ on: 'externalRef', value: 'tally:L-1' });
    expect(contactOf('externalRefs.zoho', client)).toBeUndefined();
  });
});

describe('counts', () => {
  it('add a chunk of outcomes', () => {
    const counts = { total: 5, processed: 2, created: 1, updated: 0, skipped: 0, failed: 1 };
    expect(tally(counts, [{ outcome: 'created', id: 'a' }, { outcome: 'skipped', id: 'b' }, { outcome: 'failed', errors: [] }])).toEqual({ total: 5, processed: 5, created: 2, updated: 0, skipped: 1, failed: 2 });
  });
});
