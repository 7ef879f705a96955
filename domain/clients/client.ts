import { getCountryCallingCode, parsePhoneNumberWithError, type CountryCode } from 'libphonenumber-js/max';
import { z } from 'zod';
import type { FieldError } from '../errors';

/** Spec §3 client details. Phones are stored E.164, emails lower-cased (DESIGN §3 Clients). */
const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);

export const Geo = z.strictObject({
  lat: z.number().min(-90).max(90),
  lng: z.number().min(-180).max(180),
});

export const ClientInput = z.strictObject({
  companyName: text(200),
  ownerName: text(200),
  mobile: text(32),
  whatsapp: text(32).optional(),
  email: z.email('must be an email address').max(254).optional(),
  address: text(500).optional(),
  landmark: text(200).optional(),
  geo: Geo.optional(),
});
export type ClientInput = z.infer<typeof ClientInput>;

export interface Client {
  id: string;
  companyName: string;
  ownerName: string;
  mobile: string;
  whatsapp?: string;
  email?: string;
  address?: string;
  landmark?: string;
  geo?: { lat: number; lng: number };
  imageKey?: string;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  version: number;
}

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
