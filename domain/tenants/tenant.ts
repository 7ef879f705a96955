import { z } from 'zod';
import { Slug } from '../access/roles';
import { text } from '../shared/schemas';

/** Tenant settings of DESIGN §3: currency, time zone, week start, grace period, credit split. */
export const TenantSettings = z.strictObject({
  tenantId: Slug,
  name: text({ max: 200 }),
  currency: z.string().regex(/^[A-Z]{3}$/).default('INR'),
  timeZone: z.string().default('Asia/Kolkata'),
  weekStartsOn: z.enum(['monday', 'sunday']).default('monday'),
  /** A Pending event is Missed once its scheduled time plus this grace has passed. */
  missedGraceMinutes: z.number().int().min(0).max(7 * 24 * 60).default(120),
  /** Lead owner's share of a won deal when the closer is someone else (the closer gets the rest). */
  leadOwnerCreditPercent: z.number().int().min(0).max(100).default(50),
  defaultPhoneCountry: z.string().regex(/^[A-Z]{2}$/).default('IN'),
});
export type TenantSettings = z.infer<typeof TenantSettings>;
