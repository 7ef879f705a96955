import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AuditEntry } from '../../../domain/audit/audit';
import type { Product } from '../../../domain/catalogue/products';
import { conflict, DomainError } from '../../../domain/errors';
import { seedStages, type StagesConfig } from '../../../domain/pipeline/stages';
import type { Staff } from '../../../domain/staff/staff';
import type { TenantSettings } from '../../../domain/tenants/tenant';
import type { TenantConfig, TenantsStore } from '../use-cases/ports';
import { actorGuard, auditItem, staffItem, toItem, transact } from './items';
import { keys, type ConfigName } from './keys';

/** Tenant settings, catalogue and stage configuration, and the provisioning of a new tenant. */
export class TenantsRepository implements TenantsStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Settings, products and stages of a tenant in one BatchGetItem; undefined when the tenant was never provisioned. */
  async config(tenantId: string): Promise<TenantConfig | undefined> {
    const names = ['TENANT', 'PRODUCTS', 'STAGES'] as const;
    const { Responses } = await this.db.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: names.map((n) => keys.config(tenantId, n)), ConsistentRead: true } } }));
    const found = Responses?.[this.tableName] ?? [];
    const item = (name: (typeof names)[number]) => found.find((i) => i.sk === keys.config(tenantId, name).sk);
    const tenant = item('TENANT');
    if (!tenant) return undefined;
    const products = item('PRODUCTS');
    const stages = item('STAGES');
    return {
      settings: tenant.settings as TenantSettings,
      products: { value: (products?.products as Product[]) ?? [], version: (products?.version as number) ?? 0 },
      // A tenant that never edited its stages uses the seed multipliers (version 0).
      stages: { value: (stages?.stages as StagesConfig) ?? seedStages, version: (stages?.version as number) ?? 0 },
    };
  }

  /** Replaces a configuration document if unchanged since `expectedVersion`. */
  async putConfig(tenantId: string, name: Extract<ConfigName, 'PRODUCTS' | 'STAGES'>, value: unknown, expectedVersion: number, audit: AuditEntry): Promise<number> {
    const field = name === 'PRODUCTS' ? 'products' : 'stages';
    const version = expectedVersion + 1;
    await transact(
      this.db,
      [
        {
          item: {
            Put: {
              TableName: this.tableName,
              Item: toItem('config', tenantId, keys.config(tenantId, name), { [field]: value, version, updatedBy: audit.actor, updatedAt: audit.at }),
              ...(expectedVersion === 0
                ? { ConditionExpression: 'attribute_not_exists(pk)' }
                : { ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': expectedVersion } }),
            },
          },
        },
        { item: auditItem(this.tableName, tenantId, keys.configAudit(tenantId, name, audit.at, audit.id), name, audit) },
        ...actorGuard(this.tableName, tenantId, audit),
      ],
    );
    return version;
  }

  /**
   * Creates a tenant with its catalogue and first staff in one transaction.
   * Returns false (and writes nothing) when the tenant already exists, so provisioning is repeatable.
   */
  async provision(settings: TenantSettings, products: readonly Product[], staff: readonly Staff[], audit: AuditEntry): Promise<boolean> {
    const tenantId = settings.tenantId;
    const put = (Item: Record<string, unknown>) => ({ item: { Put: { TableName: this.tableName, Item, ConditionExpression: 'attribute_not_exists(pk)' } } });
    try {
      await transact(this.db, [
        { ...put(toItem('tenant', tenantId, keys.config(tenantId, 'TENANT'), { settings, createdAt: audit.at, updatedBy: audit.actor, updatedAt: audit.at, version: 1 })), onConditionFailed: () => conflict('tenant_exists', `Tenant ${tenantId} exists.`) },
        put(toItem('config', tenantId, keys.config(tenantId, 'PRODUCTS'), { products, version: 1, updatedBy: audit.actor, updatedAt: audit.at })),
        ...staff.map((s) => put(staffItem(tenantId, s))),
        { item: auditItem(this.tableName, tenantId, keys.configAudit(tenantId, 'TENANT', audit.at, audit.id), 'TENANT', audit) },
      ]);
      return true;
    } catch (error) {
      if (error instanceof DomainError && error.code === 'tenant_exists') return false;
      throw error;
    }
  }
}
