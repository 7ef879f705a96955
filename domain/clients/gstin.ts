import { z } from 'zod';

/**
 * GSTIN, India's GST identification number (15 characters): the state code (01–38, 97 other
 * territory, 99 centre jurisdiction), the holder's PAN (5 letters, 4 digits, a letter), the
 * registration's number within the state (1–9, A–Z), `Z`, and a check character — Luhn mod 36
 * over the first 14, weights 1 and 2 alternating from the left.
 */
const CHARS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const SHAPE = /^(0[1-9]|[12][0-9]|3[0-8]|97|99)[A-Z]{5}[0-9]{4}[A-Z][1-9A-Z]Z[0-9A-Z]$/;

/** The check character the first 14 characters call for. */
export function gstinCheckCharacter(first14: string): string {
  let sum = 0;
  for (let i = 0; i < 14; i++) {
    const product = CHARS.indexOf(first14[i]!) * (i % 2 === 0 ? 1 : 2);
    sum += Math.floor(product / 36) + (product % 36);
  }
  return CHARS[(36 - (sum % 36)) % 36]!;
}

export type GstinProblem = 'shape' | 'check';

/** Why a GSTIN (upper-cased, spaces removed) is not one, or undefined when it is. */
export function gstinProblem(gstin: string): GstinProblem | undefined {
  if (!SHAPE.test(gstin)) return 'shape';
  return gstinCheckCharacter(gstin.slice(0, 14)) === gstin[14] ? undefined : 'check';
}

/** As stored: upper case, without the spaces people type; field-level messages for each problem. */
export const Gstin = z
  .string()
  .max(32)
  .transform((raw) => raw.replace(/\s+/g, '').toUpperCase())
  .superRefine((gstin, ctx) => {
    const problem = gstinProblem(gstin);
    if (problem === 'shape') {
      ctx.addIssue({ code: 'custom', params: { code: 'invalid_gstin' }, message: 'must be a GSTIN: 2-digit state code, PAN (AAAAA9999A), registration number, Z, check character — 15 characters' });
    } else if (problem === 'check') {
      ctx.addIssue({ code: 'custom', params: { code: 'gstin_check' }, message: `has a wrong check character (expected ${gstinCheckCharacter(gstin.slice(0, 14))}): a typing error?` });
    }
  });

/** An Indian postal code: six digits, not starting with 0. */
export const Pincode = z
  .string()
  .max(16)
  .transform((raw) => raw.replace(/\s+/g, ''))
  .pipe(z.string().regex(/^[1-9][0-9]{5}$/, 'must be a 6-digit Indian PIN code'));
