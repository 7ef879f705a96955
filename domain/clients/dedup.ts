import { createHash } from 'node:crypto';
import { z } from 'zod';

/**
 * Duplicate detection (#12 item 2), the pure part: what makes two clients "probably the same",
 * as keys that index items can hold, so a check is a few key reads and never a scan of the tenant.
 *
 * - exact: the same phone, email or GSTIN — always refused (409 naming the match);
 * - fuzzy: the same normalised company name in the same city or PIN code, or the same owner
 *   name with the same last 7 digits of the phone — `warn` (201 with possibleDuplicates) or
 *   `block`, as the tenant chooses.
 */

/** Legal forms dropped from the end of a name, longest first (tokens after normalisation). */
const LEGAL_SUFFIXES: readonly (readonly string[])[] = [
  ['private', 'limited'],
  ['pvt', 'ltd'],
  ['pvt', 'limited'],
  ['private', 'ltd'],
  ['p', 'ltd'],
  ['and', 'company'],
  ['and', 'co'],
  ['limited'],
  ['ltd'],
  ['llp'],
  ['pvt'],
  ['private'],
  ['opc'],
  ['inc'],
  ['co'],
];

/** Words spelt many ways in Indian business names, folded to one. */
const WORD_FOLDS: Readonly<Record<string, string>> = {
  sree: 'sri',
  shree: 'sri',
  shri: 'sri',
  sri: 'sri',
  jewellers: 'jewel',
  jewelers: 'jewel',
  jewellery: 'jewel',
  jewelry: 'jewel',
  jewels: 'jewel',
  enterprises: 'enterprise',
  traders: 'trader',
  trading: 'trader',
  textiles: 'textile',
  industries: 'industry',
  agencies: 'agency',
  brothers: 'bros',
  centre: 'center',
};

/** Spelling variants of transliteration (Lakshmi / Laxmi, Krishnan / Krishnen aside): folded inside words. */
const LETTER_FOLDS: readonly [RegExp, string][] = [
  [/ksh/g, 'x'],
  [/ee/g, 'i'],
  [/oo/g, 'u'],
  [/aa/g, 'a'],
  [/([bdgkpt])h/g, '$1'],
  [/w/g, 'v'],
  [/(.)\1+/g, '$1'],
];

/** A company name as compared: folded case and accents, `&` as "and", no punctuation, no legal form, spelling variants folded. */
export function normaliseCompanyName(name: string): string {
  let tokens = name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/\(p\)/g, ' p ')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
    .split(' ')
    .filter(Boolean);
  // Legal forms only at the end, and never the whole name ("Limited" alone stays "limited").
  for (let changed = true; changed; ) {
    changed = false;
    for (const suffix of LEGAL_SUFFIXES) {
      if (tokens.length > suffix.length && suffix.every((t, i) => tokens[tokens.length - suffix.length + i] === t)) {
        tokens = tokens.slice(0, tokens.length - suffix.length);
        changed = true;
        break;
      }
    }
  }
  return tokens.map((t) => LETTER_FOLDS.reduce((word, [pattern, to]) => word.replace(pattern, to), WORD_FOLDS[t] ?? t)).join(' ');
}

/** A person's name as compared: the same folding, no legal forms. */
export const normalisePersonName = (name: string) =>
  name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
    .split(' ')
    .filter(Boolean)
    .map((t) => LETTER_FOLDS.reduce((word, [pattern, to]) => word.replace(pattern, to), t))
    .join(' ');

export const normaliseCity = (city: string) => normalisePersonName(city);

export type FuzzyReason = 'name_and_city' | 'name_and_pincode' | 'owner_and_phone';

/** How sure each kind of fuzzy match is (shown with it, and what cleanup sorts by). */
export const FUZZY_SCORE: Readonly<Record<FuzzyReason, number>> = { name_and_pincode: 0.95, name_and_city: 0.9, owner_and_phone: 0.8 };

/**
 * A key part as stored: itself, or — when its normalised form is long (decomposition can make 200
 * characters into 3,600 bytes, and a sort key holds 1,024) — a digest of it, which matches exactly
 * when the normalised forms do.
 */
export const keyPart = (normalised: string) => (Buffer.byteLength(normalised) <= 160 ? normalised : `~${createHash('sha256').update(normalised).digest('base64url')}`);

/**
 * The fuzzy keys of a client: each is one index item beside the client (written in the same
 * transaction), so a new client's check reads exactly these keys. Each at most ~400 bytes.
 */
export function fuzzyKeys(c: { companyName: string; ownerName: string; mobile: string; city?: string | undefined; pincode?: string | undefined }): { reason: FuzzyReason; key: string }[] {
  const name = keyPart(normaliseCompanyName(c.companyName));
  const keys: { reason: FuzzyReason; key: string }[] = [];
  if (name && c.city) keys.push({ reason: 'name_and_city', key: `NAME#${name}#CITY#${keyPart(normaliseCity(c.city))}` });
  if (name && c.pincode) keys.push({ reason: 'name_and_pincode', key: `NAME#${name}#PIN#${c.pincode}` });
  const digits = c.mobile.replace(/\D/g, '');
  const owner = keyPart(normalisePersonName(c.ownerName));
  if (owner && digits.length >= 7) keys.push({ reason: 'owner_and_phone', key: `OWNER#${owner}#${digits.slice(-7)}` });
  return keys;
}

/** The fuzzy keys an edit gives up and takes (a new name, city, PIN code, owner or phone moves them). */
export function fuzzyKeyChanges(before: Parameters<typeof fuzzyKeys>[0], after: Parameters<typeof fuzzyKeys>[0]): { claimed: string[]; released: string[] } {
  const was = fuzzyKeys(before).map((f) => f.key);
  const now = fuzzyKeys(after).map((f) => f.key);
  return { claimed: now.filter((k) => !was.includes(k)), released: was.filter((k) => !now.includes(k)) };
}

/** Members of one fuzzy key paired with each other in the cleanup list (more is a pattern, not a duplicate). */
export const MAX_PAIRED = 20;

/** A tenant's duplicate rules (GET|PUT /v1/config/dedup): exact matches always block. */
export const DedupRules = z.strictObject({
  /** What a fuzzy match does: answer 201 with `possibleDuplicates`, or refuse with 409. */
  fuzzy: z.enum(['warn', 'block']).default('warn'),
});
export type DedupRules = z.infer<typeof DedupRules>;
export const seedDedupRules: DedupRules = { fuzzy: 'warn' };
