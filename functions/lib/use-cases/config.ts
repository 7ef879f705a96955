import { authorize } from '../../../domain/access/policy';
import type { AuditEntry } from '../../../domain/audit/audit';
import type { Product } from '../../../domain/catalogue/products';
import { invalid } from '../../../domain/errors';
import type { StagesConfig } from '../../../domain/pipeline/stages';
import { assertVersion, auditOf, tenantConfig, type UseCaseContext } from './context';
import type { DedupRules } from '../../../domain/clients/dedup';
import type { TenantConfig, Versioned } from './ports';

const configAudit = (ctx: UseCaseContext, name: string, before: unknown, after: unknown) => auditOf(ctx, 'config', name, 'updated', before, after);

export async function getProducts(ctx: UseCaseContext): Promise<Versioned<Product[]>> {
  authorize(ctx.actor, 'config:read');
  return (await tenantConfig(ctx, { fresh: true })).products;
}

export async function getStages(ctx: UseCaseContext): Promise<Versioned<StagesConfig>> {
  authorize(ctx.actor, 'config:read');
  return (await tenantConfig(ctx, { fresh: true })).stages;
}

/**
 * Replaces the catalogue. Ids are unique; a product already in use cannot be removed, only
 * deactivated (`active: false`), so every opportunity keeps pointing at a real product.
 */
export async function putProducts(ctx: UseCaseContext, products: Product[], expectedVersion: number): Promise<Versioned<Product[]>> {
  authorize(ctx.actor, 'config:write');
  const current = (await tenantConfig(ctx, { fresh: true })).products;
  assertVersion(current.version, expectedVersion, 'product catalogue');
  const seen = new Set<string>();
  const errors = products.flatMap((p, i) => (seen.has(p.id) ? [{ field: `body.products.${i}.id`, code: 'duplicate', message: `${p.id} is listed twice` }] : (seen.add(p.id), [])));
  const dropped = current.value.filter((p) => !seen.has(p.id));
  errors.push(...dropped.map((p) => ({ field: 'body.products', code: 'product_removed', message: `${p.id} cannot be removed; set active: false instead` })));
  if (errors.length) throw invalid(errors);
  const version = await ctx.services.tenants.putConfig(ctx.actor.tenantId, 'PRODUCTS', products, current.version, configAudit(ctx, 'products', current.value, products));
  return { value: products, version };
}

/** The documents a tenant admin replaces whole, by the field of TenantConfig that holds each. */
const documents = {
  stages: { name: 'STAGES', what: 'stage configuration' },
  dedup: { name: 'DEDUP', what: 'duplicate rules' },
} as const;

/** Replaces one configuration document if the caller read its current version (If-Match). */
async function replaceDocument<K extends keyof typeof documents>(ctx: UseCaseContext, field: K, value: TenantConfig[K]['value'], expectedVersion: number): Promise<Versioned<TenantConfig[K]['value']>> {
  authorize(ctx.actor, 'config:write');
  const current = (await tenantConfig(ctx, { fresh: true }))[field];
  assertVersion(current.version, expectedVersion, documents[field].what);
  const version = await ctx.services.tenants.putConfig(ctx.actor.tenantId, documents[field].name, value, current.version, configAudit(ctx, field, current.value, value));
  return { value, version };
}

export const putStages = (ctx: UseCaseContext, stages: StagesConfig, expectedVersion: number) => replaceDocument(ctx, 'stages', stages, expectedVersion);

export async function getDedup(ctx: UseCaseContext): Promise<Versioned<DedupRules>> {
  authorize(ctx.actor, 'config:read');
  return (await tenantConfig(ctx, { fresh: true })).dedup;
}

export const putDedup = (ctx: UseCaseContext, rules: DedupRules, expectedVersion: number) => replaceDocument(ctx, 'dedup', rules, expectedVersion);
