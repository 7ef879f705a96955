import { z } from 'zod';

/** The nine roles of DESIGN §4. */
export const roles = [
  'platform_admin',
  'tenant_admin',
  'manager',
  'asst_manager',
  'sales_officer',
  'tse',
  'warrior',
  'partner',
  'analyst',
] as const;

export const Role = z.enum(roles);
export type Role = z.infer<typeof Role>;

/** Tenant and staff identifiers: lower-case slugs, safe inside keys and URLs. */
export const Slug = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'must be a lower-case slug of letters, digits, - or _');

/** Who is calling, taken from a verified token and nothing else. */
export interface Principal {
  tenantId: string;
  staffId: string;
  role: Role;
}
