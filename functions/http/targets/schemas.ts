import { z } from 'zod';
import { Role } from '../../../domain/access/roles';
import { ActivityTargets, StaffTargetsVersion, TargetsVersion, Weekday } from '../../../domain/targets/targets';
import { IsoDate, Money } from '../../../domain/shared/schemas';

/** PUT /v1/config/targets: a new version, in force from `effectiveFrom` (today or later; default today). */
export const TargetsInput = TargetsVersion.extend({ effectiveFrom: IsoDate.optional() });
export const TargetsDocument = z.object({ current: TargetsVersion, versions: z.array(TargetsVersion) }).meta({ id: 'Targets' });

/** PUT /v1/staff/{staffId}/targets: their own targets from `effectiveFrom`; a part left out is their role’s. */
export const StaffTargetsInput = StaffTargetsVersion.extend({ effectiveFrom: IsoDate.optional() });
export const StaffTargetsDocument = z
  .object({
    staffId: z.string(),
    role: z.string(),
    effective: z
      .object({
        role: Role,
        activity: ActivityTargets,
        revenueWeekly: Money,
        workingDays: z.array(Weekday).readonly(),
        source: z.object({ activity: z.enum(['role', 'staff']), revenue: z.enum(['role', 'staff']) }),
      })
      .nullable(),
    own: z.array(StaffTargetsVersion),
  })
  .meta({ id: 'StaffTargets' });
