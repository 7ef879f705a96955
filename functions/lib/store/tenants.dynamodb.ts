import { GetCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Product } from '../../../domain/catalogue/products';
import type { Staff } from '../../../domain/staff/staff';
import type { TenantSettings } from '../../../domain/tenants/tenant';
import { failedConditions } from './errors';
import { keys } from './keys';

/** Tenant settings, its catalogue and its staff: what a tenant is born with. */
export class TenantsRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async settings(tenantId: string): Promise<TenantSettings | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.config(tenantId, 'TENANT') }));
    return Item?.settings as TenantSettings | undefined;
  }

  /**
   * Creates a tenant with its catalogue and first staff in one transaction.
   * Returns false (and writes nothing) when the tenant already exists, so seeding is repeatable.
   */
  async provision(settings: TenantSettings, products: readonly Product[], staff: readonly Staff[], now: Date): Promise<boolean> {
    const tenantId = settings.tenantId;
    const put = (Item: Record<string, unknown>, condition = true) => ({
      Put: { TableName: this.tableName, Item, ...(condition && { ConditionExpression: 'attribute_not_exists(pk)' }) },
    });
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            put({ ...keys.config(tenantId, 'TENANT'), entity: 'tenant', tenantId, settings, createdAt: now.toISOString(), version: 1 }),
            put({ ...keys.config(tenantId, 'PRODUCTS'), entity: 'config', tenantId, products, version: 1 }),
            ...staff.map((s) => put({ ...keys.staff(tenantId, s.staffId), entity: 'staff', tenantId, ...s })),
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
