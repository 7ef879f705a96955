import { BatchGetCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AuditEntry } from '../../../domain/audit/audit';
import type { Product } from '../../../domain/catalogue/products';
import { DomainError } from '../../../domain/errors';
import { seedStages, type StagesConfig } from '../../../domain/pipeline/stages';
import type { Staff } from '../../../domain/staff/staff';
import type { TenantSettings } from '../../../domain/tenants/tenant';
import { failedConditions } from './errors';
import { keys } from './keys';
import { staffItem } from './staff.dynamodb';

export interface Versioned<T> {
  value: T;
  version: number;
}

/** What a use case needs to know of its tenant, read in one BatchGetItem. */
export interface TenantConfig {
  settings: TenantSettings;
  products: Versioned<Product[]>;
  stages: Versioned<StagesConfig>;
}

/** Tenant settings, catalogue and stage configuration, and the provisioning of a new tenant. */
export class TenantsRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Settings, products and stages of a tenant; undefined when the tenant was never provisioned. */
  async config(tenantId: string): Promise<TenantConfig | undefined> {
    const wanted = (['TENANT', 'PRODUCTS', 'STAGES'] as const).map((name) => keys.config(tenantId, name));
    const { Responses } = await this.db.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: wanted, ConsistentRead: true } } }));
    const items = new Map((Responses?.[this.tableName] ?? []).map((i) => [i.sk as string, i]));
    const tenant = items.get('TENANT');
    if (!tenant) return undefined;
    const products = items.get('PRODUCTS');
    const stages = items.get('STAGES');
    return {
      settings: tenant.settings as TenantSettings,
      products: { value: (products?.products as Product[]) ?? [], version: (products?.version as number) ?? 0 },
      // A tenant that never edited its stages uses the seed multipliers (version 0).
      stages: { value: (stages?.stages as StagesConfig) ?? seedStages, version: (stages?.version as number) ?? 0 },
    };
  }

  /** Replaces a configuration document if unchanged since `expectedVersion` (412 otherwise). */
  async putConfig(tenantId: string, name: 'PRODUCTS' | 'STAGES', value: unknown, expectedVersion: number, audit: AuditEntry): Promise<number> {
    const field = name === 'PRODUCTS' ? 'products' : 'stages';
    const version = expectedVersion + 1;
    const { entity: subject, ...entry } = audit;
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: { ...keys.config(tenantId, name), entity: 'config', tenantId, [field]: value, version },
                ...(expectedVersion === 0
                  ? { ConditionExpression: 'attribute_not_exists(pk)' }
                  : { ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': expectedVersion } }),
              },
            },
            { Put: { TableName: this.tableName, Item: { ...keys.configAudit(tenantId, name, audit.at, audit.id), entity: 'audit', tenantId, scopeId: name, subject, ...entry } } },
          ],
        }),
      );
      return version;
    } catch (error) {
      if (failedConditions(error)?.some((f) => f.index === 0)) {
        throw new DomainError('precondition_failed', 'stale_version', `The ${field} configuration changed since you read it; read it again and retry.`);
      }
      throw error;
    }
  }

  /**
   * Creates a tenant with its catalogue and first staff in one transaction.
   * Returns false (and writes nothing) when the tenant already exists, so seeding is repeatable.
   */
  async provision(settings: TenantSettings, products: readonly Product[], staff: readonly Staff[], now: Date): Promise<boolean> {
    const tenantId = settings.tenantId;
    const put = (Item: Record<string, unknown>) => ({ Put: { TableName: this.tableName, Item, ConditionExpression: 'attribute_not_exists(pk)' } });
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            put({ ...keys.config(tenantId, 'TENANT'), entity: 'tenant', tenantId, settings, createdAt: now.toISOString(), version: 1 }),
            put({ ...keys.config(tenantId, 'PRODUCTS'), entity: 'config', tenantId, products, version: 1 }),
            ...staff.map((s) => put(staffItem(tenantId, s))),
          ],
        }),
      );
      return true;
    } catch (error) {
      if (failedConditions(error)?.some((f) => f.index === 0)) return false;
      throw error;
    }
  }
}
