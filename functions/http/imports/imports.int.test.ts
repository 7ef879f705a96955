import { describe, expect, it } from 'vitest';
import { getServices } from '../../lib/services';
import { useLocalStack } from '../../../test/stack';

/** #12 items 4 and 6: imports through the API, the queue and the worker, on the local stack's real engines. */
const api = useLocalStack();
const admin = { tenantId: 'demo', staffId: 'admin', role: 'tenant_admin' } as const;
const manager = { tenantId: 'demo', staffId: 'manager', role: 'manager' } as const;
const tse = { tenantId: 'demo', staffId: 'tse-1', role: 'tse' } as const;
const acmeAdmin = { tenantId: 'acme', staffId: 'admin', role: 'tenant_admin' } as const;

type Who = typeof admin | typeof manager | typeof tse | typeof acmeAdmin;

/** Creates an import, uploads the file to its URL, starts it and waits for the queue to drain. */
async function runImport(who: Who, file: string | Buffer, request: Record<string, unknown>) {
  const bytes = typeof file === 'string' ? Buffer.from(file) : file;
  const created = await api.as(who).post('/v1/imports', { size: bytes.length, ...request });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const put = await fetch(created.body.uploadUrl, { method: 'PUT', body: bytes, headers: { 'content-length': String(bytes.length) } });
  expect(put.status).toBe(200);
  const started = await api.as(who).post(`/v1/imports/${created.body.id}/start`);
  expect(started.status).toBe(202);
  await api.stack().dataQueue.idle();
  const done = await api.as(who).get(`/v1/imports/${created.body.id}`);
  expect(done.status).toBe(200);
  return done.body;
}

/** The error file's bytes as text, its BOM kept (fetch's text() would drop it). */
const errorFile = async (job: { errorFileUrl?: string }) => (job.errorFileUrl ? Buffer.from(await (await fetch(job.errorFileUrl)).arrayBuffer()).toString('utf8') : undefined);
const counts = (job: Record<string, unknown>) => ({ status: job.status, total: job.total, processed: job.processed, created: job.created, updated: job.updated, skipped: job.skipped, failed: job.failed });

describe('client imports', () => {
  it('apply each row through the API rules: good rows created, a bad phone and an existing phone refused with their reasons in the error file', async () => {
    const existing = await api.as(tse).post('/v1/clients', { companyName: 'Existing Stores', ownerName: 'E', mobile: '9811100001' });
    expect(existing.status).toBe(201);
    const csv = [
      'companyName,ownerName,mobile,email,city,externalRefs.tally',
      'Alpha Traders,Anu,98111 00002,ALPHA@example.com,Kochi,L-1',
      '"Beta, Sons & Co",Babu,+91 9811100003,,Thrissur,L-2',
      'Gamma,Gita,12345,,,',
      'Existing Again,X,9811100001,,,',
    ].join('\r\n');
    const job = await runImport(manager, csv, { entity: 'clients', format: 'csv', fileName: 'clients.csv' });
    expect(counts(job)).toEqual({ status: 'completed', total: 4, processed: 4, created: 2, updated: 0, skipped: 0, failed: 2 });
    expect(job.failure).toBeUndefined();
    expect(await errorFile(job)).toBe(
      [
        '\uFEFFrow,errors,companyName,ownerName,mobile,email,city,externalRefs.tally',
        '3,mobile: is not a valid phone number,Gamma,Gita,12345,,,',
        `4,A client with this mobile already exists. (existingClientId: ${existing.body.id}; matchedOn: mobile),Existing Again,X,9811100001,,,`,
        '',
      ].join('\r\n'),
    );
    const alpha = (await api.as(manager).get('/v1/clients?q=9811100002')).body.items;
    expect(alpha).toMatchObject([{ companyName: 'Alpha Traders', mobile: '+919811100002', email: 'alpha@example.com', city: 'Kochi', externalRefs: { tally: 'L-1' }, createdBy: 'manager' }]);
    expect((await api.as(manager).get('/v1/clients?q=9811100003')).body.items).toMatchObject([{ companyName: 'Beta, Sons & Co' }]);
  });

  it('upsert on a natural key: a changed row updates, an unchanged one is skipped, a new one is created; starting again changes nothing', async () => {
    const header = 'companyName,ownerName,mobile,city';
    const first = await runImport(manager, [header, 'Upsert One,U1,9822200001,Kochi', 'Upsert Two,U2,9822200002,Kochi'].join('\n'), { entity: 'clients', format: 'csv', mode: 'upsert', matchOn: ['mobile'] });
    expect(counts(first)).toEqual({ status: 'completed', total: 2, processed: 2, created: 2, updated: 0, skipped: 0, failed: 0 });
    const second = await runImport(manager, [header, 'Upsert One,U1,9822200001,Kochi', 'Upsert Two,U2,9822200002,Aluva', 'Upsert Three,U3,9822200003,'].join('\n'), { entity: 'clients', format: 'csv', mode: 'upsert', matchOn: ['mobile'] });
    expect(counts(second)).toEqual({ status: 'completed', total: 3, processed: 3, created: 1, updated: 1, skipped: 1, failed: 0 });
    expect((await api.as(manager).get('/v1/clients?q=9822200002')).body.items).toMatchObject([{ city: 'Aluva', version: 2 }]);
    const again = await api.as(manager).post(`/v1/imports/${second.id}/start`);
    expect(again.status).toBe(202);
    await api.stack().dataQueue.idle();
    expect(counts((await api.as(manager).get(`/v1/imports/${second.id}`)).body)).toEqual(counts(second));
    expect((await api.as(manager).get('/v1/clients?q=9822200003')).body.items).toHaveLength(1);
  });

  it('read a ;-separated file with a BOM and a column mapping; a dry run reports and writes nothing', async () => {
    const csv = '\uFEFFFirma;Inhaber;Telefon;Notiz\nDry Run Traders;D;9833300001;ignore me\nDry Run Two;;9833300002;x\n';
    const job = await runImport(manager, csv, { entity: 'clients', format: 'csv', dryRun: true, mapping: { Firma: 'companyName', Inhaber: 'ownerName', Telefon: 'mobile', Notiz: null } });
    expect(counts(job)).toEqual({ status: 'completed', total: 2, processed: 2, created: 1, updated: 0, skipped: 0, failed: 1 });
    expect(await errorFile(job)).toBe('\uFEFFrow,errors,Firma,Inhaber,Telefon,Notiz\r\n2,Inhaber: is required,Dry Run Two,,9833300002,x\r\n');
    expect((await api.as(manager).get('/v1/clients?q=9833300001')).body.items).toEqual([]);
  });

  it('read JSON arrays and NDJSON, with nested fields', async () => {
    const array = JSON.stringify([{ companyName: 'Json One', ownerName: 'J', mobile: '9844400001', geo: { lat: 9.9312, lng: 76.2673 }, externalRefs: { zoho: 'Z-1' } }]);
    expect(counts(await runImport(manager, array, { entity: 'clients', format: 'json' }))).toMatchObject({ created: 1, failed: 0 });
    expect((await api.as(manager).get('/v1/clients?q=9844400001')).body.items).toMatchObject([{ geo: { lat: 9.9312, lng: 76.2673 }, externalRefs: { zoho: 'Z-1' } }]);
    const ndjson = '{"companyName":"Nd One","ownerName":"N","mobile":"9844400002"}\n\n{"companyName":"Nd Two","ownerName":"N","mobile":"9844400003","colour":"red"}\n';
    const job = await runImport(manager, ndjson, { entity: 'clients', format: 'json' });
    expect(counts(job)).toEqual({ status: 'completed', total: 2, processed: 2, created: 1, updated: 0, skipped: 0, failed: 1 });
    expect(JSON.parse((await errorFile(job))!.trim())).toEqual({ row: 2, errors: [{ field: 'colour', code: 'unknown_field', message: 'is not a field of clients (map it to one, or to null to ignore it)' }], record: { companyName: 'Nd Two', ownerName: 'N', mobile: '9844400003', colour: 'red' } });
  });

  it('read XML records, and refuse a DTD (XXE and billion laughs impossible) before applying anything', async () => {
    const xml = '<?xml version="1.0"?><clients><client><companyName>Xml &amp; Co</companyName><ownerName>X</ownerName><mobile>9855500001</mobile><externalRefs><sap>BP-1</sap></externalRefs></client></clients>';
    expect(counts(await runImport(manager, xml, { entity: 'clients', format: 'xml' }))).toMatchObject({ status: 'completed', created: 1 });
    expect((await api.as(manager).get('/v1/clients?q=9855500001')).body.items).toMatchObject([{ companyName: 'Xml & Co', externalRefs: { sap: 'BP-1' } }]);
    const xxe = '<?xml version="1.0"?><!DOCTYPE clients [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><clients><client><companyName>&xxe;</companyName><ownerName>X</ownerName><mobile>9855500002</mobile></client></clients>';
    const refused = await runImport(manager, xxe, { entity: 'clients', format: 'xml' });
    expect(counts(refused)).toEqual({ status: 'failed', total: undefined, processed: 0, created: 0, updated: 0, skipped: 0, failed: 0 });
    expect(refused.failure.code).toBe('dtd_refused');
    expect(JSON.stringify(refused)).not.toContain('root:');
    expect((await api.as(manager).get('/v1/clients?q=9855500002')).body.items).toEqual([]);
  });

  it('fail a file it cannot read as a whole, naming the row, with no row applied', async () => {
    const unbalanced = 'companyName,ownerName,mobile\nOk Row,O,9866600001\n"Broken,B,9866600002\n';
    const job = await runImport(manager, unbalanced, { entity: 'clients', format: 'csv' });
    expect(job.status).toBe('failed');
    expect(job.failure.code).toBe('malformed_csv');
    expect(job.processed).toBe(0);
    expect((await api.as(manager).get('/v1/clients?q=9866600001')).body.items).toEqual([]);
    const latin1 = Buffer.concat([Buffer.from('companyName,ownerName,mobile\nCaf'), Buffer.from([0xe9]), Buffer.from(',C,9866600003\n')]);
    const wrong = await runImport(manager, latin1, { entity: 'clients', format: 'csv' });
    expect(wrong.status).toBe('failed');
    expect(wrong.failure.code).toBe('invalid_encoding');
  });

  it('resume after a crash mid-chunk: the retried chunk finds its own writes, so nothing is doubled and the counts are exact', async () => {
    const clients = getServices().clients;
    const create = clients.create.bind(clients);
    let attempts = 0;
    let written = 0;
    clients.create = async (...args) => {
      attempts += 1;
      await create(...args);
      // The worker dies after the third write of the chunk, before it could record anything.
      if (++written === 3) throw new Error('worker crashed');
    };
    try {
      const rows = Array.from({ length: 8 }, (_, i) => `Crash ${i + 1},C,98777000${String(i + 1).padStart(2, '0')}`);
      const job = await runImport(manager, ['companyName,ownerName,mobile', ...rows].join('\n'), { entity: 'clients', format: 'csv' });
      expect(counts(job)).toEqual({ status: 'completed', total: 8, processed: 8, created: 8, updated: 0, skipped: 0, failed: 0 });
      // Every row once, then every row again in the redelivered chunk (each finding its client there).
      expect(attempts).toBe(16);
    } finally {
      clients.create = create;
    }
    expect((await api.as(manager).get('/v1/clients?q=98777000')).body.items).toHaveLength(8);
  });
});

describe('opportunity and event imports', () => {
  it('name the client by a natural key, the product by name and staff by email; upsert changes the open opportunity', async () => {
    const client = await api.as(tse).post('/v1/clients', { companyName: 'Relations Ltd', ownerName: 'R', mobile: '9888800001', gstin: '27AAPFU0939F1ZV' });
    expect(client.status).toBe(201);
    const csv = ['client.mobile,product,assignedTo,dealValue', '9888800001,Website,tse-1@demo.example,20000', '9888800009,Website,tse-1,1000', '9888800001,Spaceship,tse-1,1'].join('\n');
    const job = await runImport(manager, csv, { entity: 'opportunities', format: 'csv' });
    expect(counts(job)).toEqual({ status: 'completed', total: 3, processed: 3, created: 1, updated: 0, skipped: 0, failed: 2 });
    const errors = (await errorFile(job))!.split('\r\n');
    expect(errors[1]).toBe('2,client.mobile: names no client you can see,9888800009,Website,tse-1,1000');
    expect(errors[2]).toMatch(/^3,"product: is not in the catalogue \(website, kml, .*\)",9888800001,Spaceship,tse-1,1$/);
    const opportunities = (await api.as(tse).get(`/v1/clients/${client.body.id}/profile`)).body;
    expect(opportunities.activeOpportunities).toMatchObject([{ productId: 'website', assignedTo: 'tse-1', stage: 'Lead' }]);

    const upsert = await runImport(manager, ['client.gstin,product,dealValue', '27aapfu0939f1zv,website,25000', '27AAPFU0939F1ZV,website,25000'].join('\n'), { entity: 'opportunities', format: 'csv', mode: 'upsert' });
    expect(counts(upsert)).toEqual({ status: 'completed', total: 2, processed: 2, created: 0, updated: 1, skipped: 1, failed: 0 });
  });

  it('add events to the open opportunity of a client and product', async () => {
    const client = await api.as(tse).post('/v1/clients', { companyName: 'Events Ltd', ownerName: 'E', mobile: '9899900001' });
    const opportunity = await api.as(tse).post(`/v1/clients/${client.body.id}/opportunities`, { productId: 'kml' });
    expect(opportunity.status).toBe(201);
    const xml = `<events><event><client><mobile>9899900001</mobile></client><product>KML</product><type>Call</type><scheduledAt>2026-12-10T05:30:00Z</scheduledAt><assignee>tse-1</assignee></event><event><opportunityId>${opportunity.body.id}</opportunityId><type>Teleport</type><scheduledAt>2026-12-11T05:30:00Z</scheduledAt></event></events>`;
    const job = await runImport(manager, xml, { entity: 'events', format: 'xml' });
    expect(counts(job)).toEqual({ status: 'completed', total: 2, processed: 2, created: 1, updated: 0, skipped: 0, failed: 1 });
    const events = (await api.as(tse).get(`/v1/events?assignee=tse-1&status=Pending&from=2026-12-10T00:00:00Z&to=2026-12-10T23:59:59Z`)).body.items;
    expect(events).toMatchObject([{ opportunityId: opportunity.body.id, type: 'Call', scheduledAt: '2026-12-10T05:30:00.000Z' }]);
  });
});

describe('what a hostile probe found (regression tests)', () => {
  it('fails a row whose ids or natural keys cannot be keys, and completes the import (was: the chunk failed on every receive and the import hung)', async () => {
    const csv = ['clientId,product', `c_${'a'.repeat(3000)},jewellery`].join('\n');
    const json = JSON.stringify([{ client: { email: `${'a'.repeat(1100)}@x.in` }, product: 'jewellery' }, { client: { mobile: '9'.repeat(1100) }, product: 'jewellery' }]);
    expect(counts(await runImport(manager, csv, { entity: 'opportunities', format: 'csv' }))).toEqual({ status: 'completed', total: 1, processed: 1, created: 0, updated: 0, skipped: 0, failed: 1 });
    expect(counts(await runImport(manager, json, { entity: 'opportunities', format: 'json' }))).toEqual({ status: 'completed', total: 2, processed: 2, created: 0, updated: 0, skipped: 0, failed: 2 });
    const events = await runImport(manager, JSON.stringify([{ opportunityId: `o_${'b'.repeat(3000)}`, type: 'Call', scheduledAt: '2026-12-20T05:00:00Z' }]), { entity: 'events', format: 'json' });
    expect(counts(events)).toMatchObject({ status: 'completed', failed: 1 });
  });

  it('refuses a record nested past 16 levels when the file is read (was: the error line overflowed the stack)', async () => {
    const deep = `{"companyName":"D","ownerName":"D","mobile":"9866700001","x":${'['.repeat(5000)}${']'.repeat(5000)}}\n`;
    const job = await runImport(manager, deep, { entity: 'clients', format: 'json' });
    expect(job.status).toBe('failed');
    expect(job.failure).toEqual({ code: 'not_records', message: 'Row 1 nests deeper than 16 levels.', row: 1 });
  });

  it('maps a column named constructor, and refuses __proto__ in a mapping (was: a 500 from the marshaller)', async () => {
    const job = await runImport(manager, 'Firm,constructor,mobile\nCtor Traders,C,9866700002\n', { entity: 'clients', format: 'csv', mapping: { Firm: 'companyName', constructor: 'ownerName' } });
    expect(counts(job)).toMatchObject({ status: 'completed', created: 1, failed: 0 });
    expect(job.mapping).toEqual({ Firm: 'companyName', constructor: 'ownerName' });
    const proto = await api.as(manager).post('/v1/imports', JSON.parse('{"entity":"clients","format":"csv","size":10,"mapping":{"__proto__":"companyName"}}'));
    expect(proto.status).toBe(422);
    expect((await api.as(manager).post('/v1/imports', { entity: 'clients', format: 'csv', size: 10, mapping: { a: 'externalRefs.constructor' } })).status).toBe(422);
  });

  it('never names or tells of a client or deal the importer may not see (was: the error file quoted a hidden opportunity)', async () => {
    // A second manager's seller: outside the manager's subtree.
    for (const s of [{ staffId: 'm-9', role: 'manager', managerId: 'admin' }, { staffId: 'tse-9', role: 'tse', managerId: 'm-9' }]) {
      expect((await api.as(admin).post('/v1/staff', { ...s, name: s.staffId, email: `${s.staffId}@demo.example` })).status).toBe(201);
    }
    const other = { tenantId: 'demo', staffId: 'tse-9', role: 'tse' } as const;
    const hidden = await api.as(other).post('/v1/clients', { companyName: 'Elsewhere Own', ownerName: 'A', mobile: '9866700003' });
    const deal = await api.as(other).post(`/v1/clients/${hidden.body.id}/opportunities`, { productId: 'jewellery' });
    expect([hidden.status, deal.status]).toEqual([201, 201]);
    const csv = ['clientId,product,stage', `${hidden.body.id},jewellery,Demo`].join('\n');
    const job = await runImport(manager, csv, { entity: 'opportunities', format: 'csv', mode: 'upsert', dryRun: true });
    expect(counts(job)).toMatchObject({ failed: 1 });
    const errors = (await errorFile(job))!;
    expect(errors).toContain('clientId: names no client you can see');
    expect(errors).not.toContain(deal.body.id);
    const byPhone = await runImport(manager, 'client.mobile,product,type,scheduledAt\n9866700003,jewellery,Call,2026-12-20T05:00:00Z\n', { entity: 'events', format: 'csv' });
    expect(await errorFile(byPhone)).not.toContain(deal.body.id);
    expect(await errorFile(byPhone)).toContain('client.mobile: names no client you can see');
  });

  it('defuses formulas in the CSV error file, as in exports', async () => {
    const job = await runImport(manager, 'companyName,ownerName,mobile\n"=HYPERLINK(""http://evil/"",""x"")",,+cmd\n', { entity: 'clients', format: 'csv' });
    const lines = (await errorFile(job))!.split('\r\n');
    expect(lines[1]).toMatch(/^1,.*,"'=HYPERLINK\(""http:\/\/evil\/"",""x""\)",,'\+cmd$/);
  });

  it('applies upsert rows of one client one after another: the last wins, none fails (was: 267 of 300 failed stale)', async () => {
    const rows = Array.from({ length: 60 }, (_, i) => `Racing Name ${i},R,9866700010`);
    const job = await runImport(manager, ['companyName,ownerName,mobile', ...rows].join('\n'), { entity: 'clients', format: 'csv', mode: 'upsert', matchOn: ['mobile'] });
    expect(counts(job)).toMatchObject({ status: 'completed', total: 60, created: 1, failed: 0 });
    expect(job.updated + job.skipped).toBe(59);
  });

  it('reports a duplicate on a key the upsert does not match on (was: "created meanwhile" after ten retries)', async () => {
    await api.as(tse).post('/v1/clients', { companyName: 'Gst Less', ownerName: 'G', mobile: '9866700020' });
    const job = await runImport(manager, 'companyName,ownerName,mobile\nGst Less Two,G,9866700020\n', { entity: 'clients', format: 'csv', mode: 'upsert', matchOn: ['gstin'] });
    expect(counts(job)).toMatchObject({ status: 'completed', failed: 1 });
    expect(await errorFile(job)).toContain('A client with this mobile already exists.');
  });

  it('tells in a dry run what rows of the same file would do to each other (was: 100 rows of one mobile all "created")', async () => {
    const csv = ['companyName,ownerName,mobile', 'Dry Twin,D,9866700040', 'Dry Twin Again,D,+91 98667 00040', 'Dry Single,S,9866700041'].join('\n');
    const insert = await runImport(manager, csv, { entity: 'clients', format: 'csv', dryRun: true });
    expect(counts(insert)).toEqual({ status: 'completed', total: 3, processed: 3, created: 2, updated: 0, skipped: 0, failed: 1 });
    expect(await errorFile(insert)).toContain('2,A client with this contact would already exist: row 1 of this file creates it.');
    const upsert = await runImport(manager, csv, { entity: 'clients', format: 'csv', dryRun: true, mode: 'upsert' });
    expect(counts(upsert)).toEqual({ status: 'completed', total: 3, processed: 3, created: 2, updated: 1, skipped: 0, failed: 0 });
    expect((await api.as(manager).get('/v1/clients?q=9866700040')).body.items).toEqual([]);
  });

  it('fails the import, saying where, when a step fails on its every receive (was: it hung, running, for ever)', async () => {
    const clients = getServices().clients;
    const lookup = clients.lookup.bind(clients);
    clients.lookup = async () => {
      throw new Error('the store is down');
    };
    try {
      const job = await runImport(manager, 'client.mobile,product\n9866700030,jewellery\n', { entity: 'opportunities', format: 'csv' });
      expect(job.status).toBe('failed');
      expect(job.failure).toMatchObject({ code: 'step_failed', row: 1 });
      expect(job.failure.message).toContain('the store is down');
    } finally {
      clients.lookup = lookup;
    }
  });
});

describe('who may import', () => {
  it('managers and admins; a seller is refused; an import is seen by its creator and the tenant admin only', async () => {
    expect((await api.as(tse).post('/v1/imports', { entity: 'clients', format: 'csv', size: 10 })).status).toBe(403);
    const created = await api.as(manager).post('/v1/imports', { entity: 'clients', format: 'csv', size: 10 });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'awaiting_upload', mode: 'insert', dryRun: false, processed: 0 });
    expect((await api.as(admin).get(`/v1/imports/${created.body.id}`)).status).toBe(200);
    expect((await api.as(acmeAdmin).get(`/v1/imports/${created.body.id}`)).status).toBe(404);
    expect((await api.as(manager).post(`/v1/imports/${created.body.id}/start`)).body).toMatchObject({ code: 'upload_missing' });
    const mine = (await api.as(manager).get('/v1/imports?limit=100')).body.items.map((i: { createdBy: string }) => i.createdBy);
    expect(new Set(mine)).toEqual(new Set(['manager']));
  });

  it('refuse a request that cannot work, field by field', async () => {
    const bad = await api.as(manager).post('/v1/imports', { entity: 'events', format: 'yaml', mode: 'upsert', size: 0, mapping: { a: 'colour' } });
    expect(bad.status).toBe(422);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['body.format', 'body.size']);
    const events = await api.as(manager).post('/v1/imports', { entity: 'events', format: 'csv', mode: 'upsert', size: 10, matchOn: ['mobile'], mapping: { a: 'colour' } });
    expect(events.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['body.mapping.a', 'body.matchOn', 'body.mode']);
  });
});
