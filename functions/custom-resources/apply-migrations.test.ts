import type { CdkCustomResourceEvent } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Analytics, QueryParams, Row } from '../lib/analytics';
import type { InsertOptions } from '../lib/analytics/port';
import { migrations } from '../lib/analytics/schema';

/**
 * The analytics port, faked: it records every call and keeps just enough state to answer the
 * migration ledger's questions (does `schema_migrations` exist, which versions it holds). It knows
 * nothing of DDL; it is the port the handler talks to, not an engine.
 */
class RecordingAnalytics implements Analytics {
  readonly calls: { op: 'query' | 'insert' | 'command'; sql?: string; table?: string; rows?: readonly Row[] }[] = [];
  failOn?: RegExp;

  constructor(private readonly ledger: { exists: boolean; versions: number[] } = { exists: false, versions: [] }) {}

  async query<T = Row>(sql: string, _params?: QueryParams): Promise<T[]> {
    this.calls.push({ op: 'query', sql });
    if (/FROM system\.tables/.test(sql)) return [{ n: this.ledger.exists ? 1 : 0 }] as T[];
    if (/FROM system\.columns/.test(sql)) return [{ n: 0 }] as T[];
    if (/FROM schema_migrations/.test(sql)) return this.ledger.versions.map((version) => ({ version })) as T[];
    return [];
  }

  async runReport(): Promise<Row[]> {
    return [];
  }

  async insert(table: string, rows: readonly Row[], _opts?: InsertOptions): Promise<void> {
    this.calls.push({ op: 'insert', table, rows });
    if (table === 'schema_migrations') this.ledger.versions.push(...rows.map((r) => Number(r.version)));
  }

  async command(sql: string, _params?: QueryParams): Promise<void> {
    this.calls.push({ op: 'command', sql });
    if (this.failOn?.test(sql)) throw new Error('Code: 497. DB::Exception: crm_loader: Not enough privileges. (ACCESS_DENIED)');
    if (/CREATE TABLE IF NOT EXISTS schema_migrations/.test(sql)) this.ledger.exists = true;
  }

  async close(): Promise<void> {}

  commands(): string[] {
    return this.calls.flatMap((c) => (c.op === 'command' ? [c.sql!] : []));
  }
}

const common = {
  ServiceToken: 'arn:aws:lambda:ap-south-1:123456789012:function:Crm-Analytics-SchemaProviderframeworkonEvent',
  ResponseURL: 'https://cloudformation-custom-resource-response-apsouth1.s3.ap-south-1.amazonaws.com/signed',
  StackId: 'arn:aws:cloudformation:ap-south-1:123456789012:stack/Crm-Analytics/0b6b7f10-0000-11f0-0000-000000000000',
  RequestId: 'c4a1c8f0-request',
  LogicalResourceId: 'ClickHouseSchema',
  ResourceType: 'Custom::ClickHouseSchema',
};
const properties = { ServiceToken: common.ServiceToken, Migrations: ['1'], Url: 'https://ch.example.com:8443', Database: 'crm' };
const create = { ...common, RequestType: 'Create', ResourceProperties: properties } as CdkCustomResourceEvent;
const update = { ...common, RequestType: 'Update', PhysicalResourceId: 'clickhouse-schema', ResourceProperties: { ...properties, Migrations: ['1', '2'] }, OldResourceProperties: properties } as CdkCustomResourceEvent;
const remove = { ...common, RequestType: 'Delete', PhysicalResourceId: 'clickhouse-schema', ResourceProperties: properties } as CdkCustomResourceEvent;

// The handler's input is the migration list of schema.ts (owned and tested there); what is checked
// here is that the handler hands all of it to the ledger, in order, on Create and Update.
const LEDGER = expect.stringMatching(/^CREATE TABLE IF NOT EXISTS schema_migrations \(/);
const everyStatement = migrations.flatMap((m) => m.statements);
const everyRecord = migrations.map((m) => ({ op: 'insert', table: 'schema_migrations', rows: [{ version: m.version, name: m.name }] }));
const everyVersion = migrations.map((m) => m.version).join(',');

describe('apply-migrations custom resource', () => {
  const saved = { ...process.env };

  /** The handler and the port's installer from one fresh module graph (the config is parsed anew). */
  async function handlerWith(fake: RecordingAnalytics) {
    vi.resetModules();
    const [{ handler }, { installAnalytics }] = await Promise.all([import('./apply-migrations'), import('../lib/analytics')]);
    installAnalytics(fake);
    return handler;
  }

  beforeEach(() => {
    Object.assign(process.env, { CLICKHOUSE_URL: 'https://ch.example.com:8443', CLICKHOUSE_DATABASE: 'crm' });
    delete process.env.ANALYTICS_MODE;
  });
  afterEach(() => {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  });

  it('Create on an empty database: creates the ledger, runs every migration statement in order, records each migration', async () => {
    expect(migrations.map((m) => m.version)[0]).toBe(1);
    const fake = new RecordingAnalytics();
    const handler = await handlerWith(fake);

    expect(await handler(create)).toEqual({ PhysicalResourceId: 'clickhouse-schema', Data: { Applied: everyVersion, Configured: 'true' } });
    expect(fake.commands()).toEqual([LEDGER, ...everyStatement]);
    expect(fake.calls.filter((c) => c.op === 'insert')).toEqual(everyRecord);
  });

  it('Update with every migration applied: keeps its physical id and runs no migration statement', async () => {
    const fake = new RecordingAnalytics({ exists: true, versions: migrations.map((m) => m.version) });
    const handler = await handlerWith(fake);

    expect(await handler(update)).toEqual({ PhysicalResourceId: 'clickhouse-schema', Data: { Applied: '', Configured: 'true' } });
    // Only the ledger's own CREATE … IF NOT EXISTS (idempotent); nothing inserted.
    expect(fake.commands()).toEqual([LEDGER]);
    expect(fake.calls.filter((c) => c.op === 'insert')).toEqual([]);
  });

  it('Update against a new endpoint (an empty database): applies everything there', async () => {
    const fake = new RecordingAnalytics();
    const handler = await handlerWith(fake);
    expect(await handler(update)).toEqual({ PhysicalResourceId: 'clickhouse-schema', Data: { Applied: everyVersion, Configured: 'true' } });
    expect(fake.commands()).toEqual([LEDGER, ...everyStatement]);
    expect(fake.calls.filter((c) => c.op === 'insert')).toEqual(everyRecord);
  });

  it('Delete: touches nothing and answers with the id it was given', async () => {
    const fake = new RecordingAnalytics({ exists: true, versions: [1] });
    const handler = await handlerWith(fake);
    expect(await handler(remove)).toEqual({ PhysicalResourceId: 'clickhouse-schema' });
    expect(fake.calls).toEqual([]);
  });

  it('fails the request when a migration statement fails, recording nothing for that migration', async () => {
    const fake = new RecordingAnalytics();
    fake.failOn = /CREATE TABLE IF NOT EXISTS (?!schema_migrations)/;
    const handler = await handlerWith(fake);
    await expect(handler(create)).rejects.toThrow('Not enough privileges');
    expect(fake.calls.filter((c) => c.op === 'insert')).toEqual([]);
  });

  it.each([
    ['Create', create],
    ['Update', update],
  ])('%s with no endpoint configured yet (ClickHouseUrl empty): succeeds without a call', async (_, event) => {
    process.env.CLICKHOUSE_URL = '';
    const fake = new RecordingAnalytics();
    const handler = await handlerWith(fake);
    expect(await handler(event)).toEqual({ PhysicalResourceId: 'clickhouse-schema', Data: { Applied: '', Configured: 'false' } });
    expect(fake.calls).toEqual([]);
  });
});
