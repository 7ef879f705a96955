import type { CountryCode } from 'libphonenumber-js/max';
import { invalid, type FieldError } from '../errors';
import { normaliseEmail, normalisePhone, type Client, type ClientInput } from './client';

/** A new client from validated input: contacts normalised, version 1. */
export function newClient(input: ClientInput, ctx: { id: string; staffId: string; now: Date; defaultCountry?: CountryCode }): Client {
  const errors: FieldError[] = [];
  const mobile = normalisePhone('body.mobile', input.mobile, ctx.defaultCountry);
  if (!mobile.ok) errors.push(mobile.error);
  const whatsapp = input.whatsapp === undefined ? undefined : normalisePhone('body.whatsapp', input.whatsapp, ctx.defaultCountry);
  if (whatsapp && !whatsapp.ok) errors.push(whatsapp.error);
  if (errors.length > 0 || !mobile.ok) throw invalid(errors);
  const at = ctx.now.toISOString();
  return {
    id: ctx.id,
    companyName: input.companyName,
    ownerName: input.ownerName,
    mobile: mobile.value,
    ...(whatsapp?.ok && { whatsapp: whatsapp.value }),
    ...(input.email !== undefined && { email: normaliseEmail(input.email) }),
    ...(input.address !== undefined && { address: input.address }),
    ...(input.landmark !== undefined && { landmark: input.landmark }),
    ...(input.geo !== undefined && { geo: input.geo }),
    ...(input.city !== undefined && { city: input.city }),
    ...(input.pincode !== undefined && { pincode: input.pincode }),
    ...(input.gstin !== undefined && { gstin: input.gstin }),
    ...(input.externalRefs !== undefined && Object.keys(input.externalRefs).length > 0 && { externalRefs: input.externalRefs }),
    createdBy: ctx.staffId,
    createdAt: at,
    updatedBy: ctx.staffId,
    updatedAt: at,
    version: 1,
  };
}
