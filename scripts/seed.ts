import type { StaffInput } from '../domain/staff/staff';
import { contextOf } from '../functions/lib/use-cases/context';
import type { Services } from '../functions/lib/use-cases/ports';
import { createStaff } from '../functions/lib/use-cases/staff';
import { provisionTenant } from '../functions/lib/use-cases/tenants';

/** DESIGN §6 local demo data: tenants demo and acme, each with the same five staff. */
export const demoTenants = [
  { tenantId: 'demo', name: 'Demo Traders' },
  { tenantId: 'acme', name: 'Acme Finance' },
] as const;

export const demoStaff: readonly { staffId: string; name: string; role: StaffInput['role']; managerId?: string }[] = [
  { staffId: 'admin', name: 'Asha Admin', role: 'tenant_admin' },
  { staffId: 'manager', name: 'Manoj Manager', role: 'manager', managerId: 'admin' },
  { staffId: 'so-1', name: 'Sona Sales Officer', role: 'sales_officer', managerId: 'manager' },
  { staffId: 'tse-1', name: 'Tara TSE', role: 'tse', managerId: 'manager' },
  { staffId: 'tse-2', name: 'Tomy TSE', role: 'tse', managerId: 'manager' },
];

const emailOf = (tenantId: string, staffId: string) => `${staffId}@${tenantId}.example`;

/**
 * Provisions each demo tenant unless it exists, through the same use cases as the API: the tenant
 * with its first admin (as a platform admin), then the rest of the staff (as that admin). Returns
 * the ids it created.
 */
export async function seedDemo(services: Services, now: Date): Promise<string[]> {
  const created: string[] = [];
  const [admin, ...others] = demoStaff;
  for (const t of demoTenants) {
    const platform = contextOf({ tenantId: t.tenantId, staffId: 'platform', role: 'platform_admin' }, now, services);
    const provisioned = await provisionTenant(platform, {
      settings: { tenantId: t.tenantId, name: t.name },
      admin: { staffId: admin!.staffId, name: admin!.name, email: emailOf(t.tenantId, admin!.staffId) },
    });
    if (!provisioned.created) continue;
    const asAdmin = contextOf({ tenantId: t.tenantId, staffId: admin!.staffId, role: 'tenant_admin' }, now, services);
    for (const s of others) await createStaff(asAdmin, { ...s, email: emailOf(t.tenantId, s.staffId) });
    created.push(t.tenantId);
  }
  return created;
}
