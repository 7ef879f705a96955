import { BatchGetCommand, GetCommand, QueryCommand, type BatchGetCommandInput, type BatchGetCommandOutput, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AuditEntry } from '../../../domain/audit/audit';
import type { Product } from '../../../domain/catalogue/products';
import { conflict, DomainError } from '../../../domain/errors';
import { DedupRules, seedDedupRules } from '../../../domain/clients/dedup';
import { AssignmentConfig } from '../../../domain/integrations/assignment';
import { TemplateInput } from '../../../domain/messages/templates';
import { seedStages, type StagesConfig } from '../../../domain/pipeline/stages';
import type { Staff } from '../../../domain/staff/staff';
import { seedTargets, type StaffTargetsVersion, type TargetsVersion } from '../../../domain/targets/targets';
import { storedSettings, type TenantSettings } from '../../../domain/tenants/tenant';
import type { TenantConfig, TenantsStore, Versioned } from '../use-cases/ports';
import { actorGuard, auditItem, staffItem, staffUnchanged, toItem, transact, type Write } from './items';
import { keys, type ConfigName, type Key } from './keys';

/** Tenant settings, catalogue and stage configuration, and the provisioning of a new tenant. */
/**
 * How long a container reuses a tenant's configuration on the hot paths (README, "Capacity"):
 * every opportunity write reads it, and one document item takes at most 3,000 consistent reads a
 * second. A change made in this container is seen at once; one made in another within this long.
 */
export const CONFIG_MAX_AGE_MS = 10_000;

export class TenantsRepository implements TenantsStore {
  private readonly cached = new Map<string, { readAt: number; config: TenantConfig }>();

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /**
   * Settings, products, stages and targets of a tenant; undefined when the tenant was never
   * provisioned (never cached). `fresh` reads the table (routes that show or replace a document
   * and its version); otherwise a read of the last CONFIG_MAX_AGE_MS is reused.
   */
  async config(tenantId: string, opts: { fresh?: boolean } = {}): Promise<TenantConfig | undefined> {
    const hit = this.cached.get(tenantId);
    if (!opts.fresh && hit && this.now() - hit.readAt < CONFIG_MAX_AGE_MS) return hit.config;
    const readAt = this.now();
    const config = await this.readConfig(tenantId);
    if (config) this.cached.set(tenantId, { readAt, config });
    else this.cached.delete(tenantId);
    return config;
  }

  /** Settings, products and stages of a tenant in one BatchGetItem. */
  private async readConfig(tenantId: string): Promise<TenantConfig | undefined> {
    const names = ['TENANT', 'PRODUCTS', 'STAGES', 'TARGETS', 'DEDUP', 'ASSIGNMENT'] as const;
    const { Responses } = await this.db.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: names.map((n) => keys.config(tenantId, n)), ConsistentRead: true } } }));
    const found = Responses?.[this.tableName] ?? [];
    const item = (name: (typeof names)[number]) => found.find((i) => i.sk === keys.config(tenantId, name).sk);
    const tenant = item('TENANT');
    if (!tenant) return undefined;
    const products = item('PRODUCTS');
    const stages = item('STAGES');
    const targets = item('TARGETS');
    const dedup = item('DEDUP');
    const assignment = item('ASSIGNMENT');
    return {
      // Settings read through their schema: fields added later get their defaults.
      settings: storedSettings(tenant.settings as Record<string, unknown>),
      products: { value: (products?.products as Product[]) ?? [], version: (products?.version as number) ?? 0 },
      // A tenant that never edited its stages uses the seed multipliers (version 0).
      stages: { value: (stages?.stages as StagesConfig) ?? seedStages, version: (stages?.version as number) ?? 0 },
      // Until an admin sets targets the seed's are in force, from the beginning (version 0).
      targets: { value: (targets?.targets as TargetsVersion[]) ?? [seedTargets], version: (targets?.version as number) ?? 0 },
      // Read through the schema, so a field added later gets its default.
      dedup: { value: DedupRules.parse(dedup?.dedup ?? seedDedupRules), version: (dedup?.version as number) ?? 0 },
      // No rules until an admin sets them (#13): leads then go to the tenant's first seller (use-cases/leads.ts).
      assignment: { value: assignment ? AssignmentConfig.parse(assignment.assignment) : undefined, version: (assignment?.version as number) ?? 0 },
    };
  }

  /**
   * The message templates, one consistent GetItem. Not in `config`'s batch: every opportunity
   * write reads that, and templates (up to TEMPLATES_MAX_BYTES) would multiply its read units.
   */
  async templates(tenantId: string): Promise<Versioned<TemplateInput[]>> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.config(tenantId, 'TEMPLATES'), ConsistentRead: true }));
    // Read through the schema, so a field added later gets its default.
    return { value: Item ? TemplateInput.array().parse(Item.templates) : [], version: (Item?.version as number | undefined) ?? 0 };
  }

  /** Replaces a configuration document if unchanged since `expectedVersion`. */
  async putConfig(tenantId: string, name: ConfigName, value: unknown, expectedVersion: number, audit: AuditEntry): Promise<number> {
    return this.putDocument(tenantId, keys.config(tenantId, name), name.toLowerCase(), value, expectedVersion, audit, []);
  }

  async staffTargets(tenantId: string, staffIds: readonly string[]): Promise<Map<string, Versioned<StaffTargetsVersion[]>>> {
    const unique = [...new Set(staffIds)];
    const out = new Map<string, Versioned<StaffTargetsVersion[]>>();
    // BatchGetItem takes 100 keys a call; keys it leaves unprocessed are asked for again.
    for (let i = 0; i < unique.length; i += 100) {
      let request: BatchGetCommandInput['RequestItems'] = { [this.tableName]: { Keys: unique.slice(i, i + 100).map((id) => keys.staffTargets(tenantId, id)), ConsistentRead: true } };
      while (request && Object.keys(request).length > 0) {
        const res: BatchGetCommandOutput = await this.db.send(new BatchGetCommand({ RequestItems: request }));
        for (const item of res.Responses?.[this.tableName] ?? []) out.set(String(item.staffId), { value: item.targets as StaffTargetsVersion[], version: item.version as number });
        request = res.UnprocessedKeys;
      }
    }
    return out;
  }

  async putStaffTargets(tenantId: string, staff: Staff, versions: readonly StaffTargetsVersion[], expectedVersion: number, audit: AuditEntry): Promise<number> {
    const key = { ...keys.staffTargets(tenantId, staff.staffId), staffId: staff.staffId };
    return this.putDocument(tenantId, key, 'targets', versions, expectedVersion, audit, [staffUnchanged(this.tableName, tenantId, staff)], 'TARGETS');
  }

  /** Replaces a configuration document if unchanged since `expectedVersion` (0: it must not exist), with its audit entry. */
  private async putDocument(tenantId: string, key: Key & Record<string, unknown>, field: string, value: unknown, expectedVersion: number, audit: AuditEntry, checks: Write[], auditName: ConfigName = String(key.sk) as ConfigName): Promise<number> {
    // This container sees its own change at once (and a read racing the write is dropped too).
    try {
      return await this.writeDocument(tenantId, key, field, value, expectedVersion, audit, checks, auditName);
    } finally {
      this.cached.delete(tenantId);
    }
  }

  private async writeDocument(tenantId: string, key: Key & Record<string, unknown>, field: string, value: unknown, expectedVersion: number, audit: AuditEntry, checks: Write[], auditName: ConfigName): Promise<number> {
    const version = expectedVersion + 1;
    await transact(this.db, [
      {
        item: {
          Put: {
            TableName: this.tableName,
            Item: toItem('config', tenantId, key, { [field]: value, version, updatedBy: audit.actor, updatedAt: audit.at }),
            ...(expectedVersion === 0
              ? { ConditionExpression: 'attribute_not_exists(pk)' }
              : { ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': expectedVersion } }),
          },
        },
      },
      { item: auditItem(this.tableName, tenantId, keys.configAudit(tenantId, auditName, audit.at, audit.id), auditName, audit) },
      ...checks,
      ...actorGuard(this.tableName, tenantId, audit),
    ]);
    return version;
  }

  /** Every provisioned tenant, for the scheduled jobs' fan-out. */
  async list(): Promise<string[]> {
    const out: string[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(new QueryCommand({ TableName: this.tableName, ...keys.query.tenants(), ExclusiveStartKey: start }));
      for (const item of page.Items ?? []) out.push(String(item.tenantId));
      start = page.LastEvaluatedKey;
    } while (start);
    return out;
  }

  /**
   * Creates a tenant with its catalogue and first staff in one transaction.
   * Returns false (and writes nothing) when the tenant already exists, so provisioning is repeatable.
   */
  async provision(settings: TenantSettings, products: readonly Product[], staff: readonly Staff[], audit: AuditEntry): Promise<boolean> {
    this.cached.delete(settings.tenantId);
    const tenantId = settings.tenantId;
    const put = (Item: Record<string, unknown>) => ({ item: { Put: { TableName: this.tableName, Item, ConditionExpression: 'attribute_not_exists(pk)' } } });
    try {
      await transact(this.db, [
        { ...put(toItem('tenant', tenantId, keys.config(tenantId, 'TENANT'), { settings, createdAt: audit.at, updatedBy: audit.actor, updatedAt: audit.at, version: 1 })), onConditionFailed: () => conflict('tenant_exists', `Tenant ${tenantId} exists.`) },
        put(toItem('config', tenantId, keys.config(tenantId, 'PRODUCTS'), { products, version: 1, updatedBy: audit.actor, updatedAt: audit.at })),
        ...staff.map((s) => put(staffItem(tenantId, s))),
        put(toItem('tenant_registry', tenantId, keys.tenantRegistry(tenantId), { timeZone: settings.timeZone, createdAt: audit.at })),
        { item: auditItem(this.tableName, tenantId, keys.configAudit(tenantId, 'TENANT', audit.at, audit.id), 'TENANT', audit) },
      ]);
      return true;
    } catch (error) {
      if (error instanceof DomainError && error.code === 'tenant_exists') return false;
      throw error;
    }
  }
}
