import { z } from 'zod';
import { Slug } from '../access/roles';
import { seedProducts, type Product } from '../catalogue/products';
import { text } from '../shared/schemas';
import { newStaff } from '../staff/hierarchy';
import type { Staff } from '../staff/staff';
import { TenantSettings } from './tenant';

/**
 * A new tenant (DESIGN §4: platform_admin manages tenants): its settings (defaults of DESIGN §3),
 * the seed catalogue, and its first tenant admin, who then adds everyone else through the staff
 * routes like any admin.
 */
export const ProvisionTenantInput = z.strictObject({
  settings: TenantSettings,
  admin: z.strictObject({ staffId: Slug, name: text({ max: 200 }), email: z.email().max(254) }),
});
export type ProvisionTenantInput = z.input<typeof ProvisionTenantInput>;

export interface NewTenant {
  settings: TenantSettings;
  products: readonly Product[];
  admin: Staff;
}

export function newTenant(input: z.output<typeof ProvisionTenantInput>, now: Date, actor: string): NewTenant {
  return { settings: input.settings, products: seedProducts, admin: newStaff({ ...input.admin, role: 'tenant_admin' }, undefined, now, actor) };
}
