import { seedProducts } from '../domain/catalogue/products';
import { reportingPath, type Staff, type StaffInput } from '../domain/staff/staff';
import { TenantSettings } from '../domain/tenants/tenant';
import type { TenantsRepository } from '../functions/lib/store/tenants.dynamodb';

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

function staffOf(tenantId: string, now: Date): Staff[] {
  const paths = new Map<string, string>();
  return demoStaff.map((s) => {
    const path = reportingPath(s.staffId, s.managerId ? paths.get(s.managerId) : undefined);
    paths.set(s.staffId, path);
    return { ...s, email: `${s.staffId}@${tenantId}.example`, path, active: true, createdAt: now.toISOString(), version: 1 };
  });
}

/** Provisions each demo tenant unless it exists; returns the ids it created. */
export async function seedDemo(tenants: TenantsRepository, now: Date): Promise<string[]> {
  const created: string[] = [];
  for (const t of demoTenants) {
    const settings = TenantSettings.parse({ tenantId: t.tenantId, name: t.name });
    if (await tenants.provision(settings, seedProducts, staffOf(t.tenantId, now), now)) created.push(t.tenantId);
  }
  return created;
}
