import { getCountryCallingCode, parsePhoneNumberWithError, type CountryCode } from 'libphonenumber-js/max';
import { z } from 'zod';
import type { FieldError } from '../errors';
import { decimal, text } from '../shared/schemas';
import { Gstin, Pincode } from './gstin';

/** Spec §3 client details. Phones are stored E.164, emails lower-cased (DESIGN §3 Clients). */

export const Geo = z.strictObject({
  /** Degrees, kept to 7 places (about 1 cm). */
  lat: decimal(7, -90, 90),
  lng: decimal(7, -180, 180),
});

/** A system's name: lower case, digits, `-`/`_`, and not a name every object already has (`constructor`). */
const SystemName = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{0,31}$/, 'must be a system name: lower-case letters, digits, - or _, up to 32')
  .refine((name) => !(name in Object.prototype), { message: 'is a reserved name' });

/** A system's name → the client's id there; at most 10. */
export const ExternalRefs = z
  .unknown()
  .superRefine((raw, ctx) => {
    // JSON.parse keeps "__proto__" as an own key, which a record would silently drop: refuse it.
    if (raw !== null && typeof raw === 'object' && Object.hasOwn(raw, '__proto__')) ctx.addIssue({ code: 'custom', path: ['__proto__'], message: 'is a reserved name' });
  })
  .pipe(z.record(SystemName, text({ max: 128 })).refine((refs) => Object.keys(refs).length <= 10, { message: 'must name at most 10 systems' }));

export const ClientInput = z.strictObject({
  companyName: text({ max: 200 }),
  ownerName: text({ max: 200 }),
  mobile: text({ max: 32 }),
  whatsapp: text({ max: 32 }).optional(),
  email: z.email('must be an email address').max(254).optional(),
  address: text({ max: 500, multiline: true }).optional(),
  landmark: text({ max: 200 }).optional(),
  geo: Geo.optional(),
  city: text({ max: 100 }).optional(),
  pincode: Pincode.optional(),
  gstin: Gstin.optional(),
  /** The client's ids in other systems (`{"tally": "LED-0042", "zoho": "4815000000123"}`): imports and integrations match on them. */
  externalRefs: ExternalRefs.optional(),
});
export type ClientInput = z.infer<typeof ClientInput>;

/** PATCH /v1/clients/{id}: any of the client's fields, at least one. */
export const ClientPatch = ClientInput.partial().refine((p) => Object.keys(p).length > 0, { message: 'must change at least one field', when: (ctx) => ctx.issues.length === 0 });

/** A client as stored and shown (DESIGN §6 `client`). */
export const Client = z
  .object({
    id: z.string(),
    companyName: z.string(),
    ownerName: z.string(),
    /** E.164. */
    mobile: z.string(),
    whatsapp: z.string().optional(),
    /** Lower-cased. */
    email: z.string().optional(),
    address: z.string().optional(),
    landmark: z.string().optional(),
    geo: z.object({ lat: z.number(), lng: z.number() }).optional(),
    city: z.string().optional(),
    /** Six digits. */
    pincode: z.string().optional(),
    /** Upper case, check character verified. */
    gstin: z.string().optional(),
    externalRefs: z.record(z.string(), z.string()).optional(),
    /**
     * Fields an integration last set (#13, DESIGN §9 field ownership): the system, and the source's
     * time of that change — a later update from the same system with an older time is ignored.
     */
    fieldSources: z.record(z.string(), z.object({ system: z.string(), at: z.string() })).optional(),
    /** Where the visiting card or signboard image is stored (GET /v1/clients/{id}/image signs a download). */
    imageKey: z.string().optional(),
    createdBy: z.string(),
    createdAt: z.string(),
    /** Who made the last change (absent only on data written before it was recorded). */
    updatedBy: z.string().optional(),
    updatedAt: z.string(),
    version: z.number().int().positive(),
  })
  .meta({ id: 'Client' });
export type Client = z.infer<typeof Client>;

export type NormalisedContact = { ok: true; value: string } | { ok: false; error: FieldError };

/** A phone number in E.164, read in the tenant's default country when it has no +prefix. */
export function normalisePhone(field: string, raw: string, defaultCountry: CountryCode = 'IN'): NormalisedContact {
  try {
    const phone = parsePhoneNumberWithError(raw, defaultCountry);
    if (!phone.isValid()) return { ok: false, error: { field, code: 'invalid_phone', message: 'is not a valid phone number' } };
    return { ok: true, value: phone.number };
  } catch {
    return { ok: false, error: { field, code: 'invalid_phone', message: 'is not a valid phone number' } };
  }
}

export const normaliseEmail = (raw: string) => raw.trim().toLowerCase();

/** The name as searched: lower case, single spaces. */
export const searchableName = (name: string) => name.trim().toLowerCase().replace(/\s+/g, ' ');

/** What a search query looks for: an email, a phone number or a company name. */
export function searchTerm(q: string, defaultCountry: CountryCode = 'IN'): { field: 'name' | 'phone' | 'email'; prefix: string } {
  if (q.includes('@')) return { field: 'email', prefix: normaliseEmail(q) };
  if (/^\+?[\d\s().-]{3,}$/.test(q)) {
    const digits = q.replace(/\D/g, '');
    // A number typed without +country is read in the tenant's country, as stored (E.164).
    const e164 = q.trim().startsWith('+') ? `+${digits}` : `+${getCountryCallingCode(defaultCountry)}${digits.replace(/^0+/, '')}`;
    return { field: 'phone', prefix: e164 };
  }
  return { field: 'name', prefix: searchableName(q) };
}
