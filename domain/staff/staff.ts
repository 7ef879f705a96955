import { z } from 'zod';
import { Role, Slug } from '../access/roles';

/** A member of a tenant's staff; `managerId` builds the reporting hierarchy (DESIGN §4). */
export const StaffInput = z.strictObject({
  staffId: Slug,
  name: z.string().trim().min(1).max(200),
  email: z.email().max(254),
  role: Role.exclude(['platform_admin']),
  managerId: Slug.optional(),
  partnerCompanyId: Slug.optional(),
});
export type StaffInput = z.infer<typeof StaffInput>;

export interface Staff extends StaffInput {
  /** Ancestors from the root down, then the staff id: `admin/manager/tse-1`. */
  path: string;
  active: boolean;
  createdAt: string;
  version: number;
}

/** The reporting path of a new staff member, from their manager's path. */
export const reportingPath = (staffId: string, managerPath?: string) => (managerPath ? `${managerPath}/${staffId}` : staffId);
