import { authorize } from '../../../domain/access/policy';
import { newTenant, ProvisionTenantInput } from '../../../domain/tenants/provisioning';
import type { TenantSettings } from '../../../domain/tenants/tenant';
import { parseOrThrow } from '../../../domain/validation';
import { auditOf, type UseCaseContext } from './context';

/**
 * Provisions a tenant: settings, seed catalogue and first admin in one transaction, the admin's
 * sign-in account first (idempotent, like createStaff). Repeatable: a tenant that exists is left
 * as it is (`created: false`). The platform admin's token names no tenant of its own; the tenant
 * provisioned is the one in the input.
 */
export async function provisionTenant(ctx: UseCaseContext, input: ProvisionTenantInput): Promise<{ created: boolean; settings: TenantSettings }> {
  authorize(ctx.actor, 'tenant:provision');
  const tenant = newTenant(parseOrThrow(ProvisionTenantInput, input, 'body'), ctx.now, ctx.actor.staffId);
  const tenantId = tenant.settings.tenantId;
  if (await ctx.services.tenants.config(tenantId)) return { created: false, settings: tenant.settings };
  await ctx.services.identity.createUser({ tenantId, staffId: tenant.admin.staffId, email: tenant.admin.email, name: tenant.admin.name, role: 'tenant_admin' });
  const audit = auditOf(ctx, 'tenant', tenantId, 'provisioned', undefined, { settings: tenant.settings, admin: tenant.admin.staffId });
  const created = await ctx.services.tenants.provision(tenant.settings, tenant.products, [tenant.admin], audit);
  return { created, settings: tenant.settings };
}
