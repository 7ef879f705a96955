import { z } from 'zod';
import { Slug } from '../access/roles';
import { text } from '../shared/schemas';

/** Tenant settings of DESIGN §3: currency, time zone, week start, grace period, credit split. */
export const TenantSettings = z.strictObject({
  tenantId: Slug,
  name: text({ max: 200 }),
  currency: z.string().regex(/^[A-Z]{3}$/).default('INR'),
  timeZone: z
    .string()
    .refine((tz) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    }, 'must be an IANA time zone, like Asia/Kolkata')
    .default('Asia/Kolkata'),
  weekStartsOn: z.enum(['monday', 'sunday']).default('monday'),
  /** A Pending event is Missed once its scheduled time plus this grace has passed. */
  missedGraceMinutes: z.number().int().min(0).max(7 * 24 * 60).default(120),
  /** Lead owner's share of a won deal when the closer is someone else (the closer gets the rest). */
  leadOwnerCreditPercent: z.number().int().min(0).max(100).default(50),
  defaultPhoneCountry: z.string().regex(/^[A-Z]{2}$/).default('IN'),
  /** DESIGN §3 Products: a deal of at least this value (paise) is high-value. */
  highValueThreshold: z.number().int().min(0).default(50_000 * 100),
  /** An alert when low-ticket deals make more than this share (%) of revenue. */
  lowTicketShareLimit: z.number().min(0).max(100).default(70),
  /** A conversion is low when it falls this many percentage points below the seed's assumption. */
  conversionMarginPoints: z.number().min(0).max(100).default(10),
  /** Gap analysis (domain/gap): leads worth less than this share (%) of the required lead pipeline are a lead generation issue. */
  gapLeadCoveragePercent: z.number().min(0).max(1000).default(80),
  /** Gap analysis: the fewest leads, and demos, a week needs before filtering, and closing, are judged. */
  gapMinimumLeads: z.number().int().min(1).max(10_000).default(10),
  gapMinimumDemos: z.number().int().min(1).max(10_000).default(3),
  /** An alert unresolved this many hours after it was raised is escalated to the staff member's manager (and on up). */
  alertEscalationHours: z.number().int().min(1).max(24 * 30).default(24),
  /** This many follow-ups missed in a row escalate to the manager at once. */
  missedInARowLimit: z.number().int().min(2).max(50).default(3),
  /** A conversion step is judged for a low-conversion alert from at least this many entering it. */
  lowConversionMinimumSample: z.number().int().min(1).max(10_000).default(5),
  /** An open deal this many days in one stage is stale (pipeline health). */
  staleStageDays: z.number().int().min(1).max(365).default(14),
});
export type TenantSettings = z.infer<typeof TenantSettings>;

const DEFAULTS = TenantSettings.parse({ tenantId: 'defaults', name: 'defaults' });

/**
 * Settings as stored, with defaults for fields added since they were written. Stored settings were
 * valid when written; read back, a value the rules have since tightened is kept as it was rather
 * than refused.
 */
export function storedSettings(raw: Record<string, unknown>): TenantSettings {
  const parsed = TenantSettings.safeParse(raw);
  return parsed.success ? parsed.data : ({ ...DEFAULTS, ...raw } as TenantSettings);
}
