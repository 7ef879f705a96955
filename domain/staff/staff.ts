import { z } from 'zod';
import { Role, Slug } from '../access/roles';
import { text } from '../shared/schemas';

/** A member of a tenant's staff; `managerId` builds the reporting hierarchy (DESIGN §4). */
export const StaffInput = z.strictObject({
  staffId: Slug,
  name: text({ max: 200 }),
  email: z.email().max(254),
  role: Role.exclude(['platform_admin']),
  managerId: Slug.optional(),
  partnerCompanyId: Slug.optional(),
});
export type StaffInput = z.infer<typeof StaffInput>;

/** A staff member as stored and shown. */
export const Staff = z
  .object({
    staffId: z.string(),
    name: z.string(),
    email: z.string(),
    role: Role,
    managerId: z.string().optional(),
    partnerCompanyId: z.string().optional(),
    /** Ancestors from the root down, then the staff id: `admin/manager/tse-1`. */
    path: z.string(),
    active: z.boolean(),
    /** The Cognito username of the staff member's sign-in account (AWS only; absent on records made before it was kept). */
    signInUsername: z.string().optional(),
    createdAt: z.string(),
    /** Who made the last change (absent only on data written before it was recorded). */
    updatedBy: z.string().optional(),
    updatedAt: z.string().optional(),
    version: z.number().int().positive(),
  })
  .meta({ id: 'Staff' });
export type Staff = z.infer<typeof Staff>;

/** The reporting path of a new staff member, from their manager's path. */
export const reportingPath = (staffId: string, managerPath?: string) => (managerPath ? `${managerPath}/${staffId}` : staffId);
