import { z } from 'zod';

/**
 * The shared boundary schemas: every text, date, time and amount that enters the system through
 * any path (API, import, integration, script) is read by one of these, so a rule about text or
 * time holds everywhere at once.
 */

// ── text ──────────────────────────────────────────────────────────────────────────────────────

/**
 * Refused anywhere: C0/C1 control characters (tab, line feed and carriage return only in
 * multi-line text; U+2028/U+2029 line and paragraph separators likewise), format characters
 * (\p{Cf}: zero-width spaces, word joiners, byte-order marks, bidi marks, embeddings, overrides
 * and isolates — "Trojan Source" spoofing — Arabic and Syriac marks, interlinear annotation,
 * Egyptian format controls) except the zero-width joiner and non-joiner that Malayalam, Hindi and
 * emoji need (U+200C, U+200D) and emoji tag characters (U+E0020–U+E007F), and the non-characters
 * U+FFFE/U+FFFF. Zero-width characters inside a name would make two names that look alike differ
 * in search and duplicate checks.
 */
const FORMAT = String.raw`\p{Cf}--[\u200c\u200d\u{e0020}-\u{e007f}]`;
const CONTROL_SINGLE_LINE = new RegExp(String.raw`[\p{Cc}\u2028\u2029\ufffe\uffff[${FORMAT}]]`, 'v');
const CONTROL_MULTI_LINE = new RegExp(String.raw`[[\p{Cc}--[\t\n\r]]\ufffe\uffff[${FORMAT}]]`, 'v');
/**
 * What renders as nothing: white space, default-ignorable code points (U+3164, U+115F, …),
 * controls, format characters, combining marks on their own, and the blank braille pattern U+2800.
 */
const INVISIBLE = /[\p{White_Space}\p{Default_Ignorable_Code_Point}\p{Cc}\p{Cf}\p{M}\u2800]/gu;

/** Whether a string shows at least one visible character. */
export const isVisible = (s: string) => s.replace(INVISIBLE, '').length > 0;

export interface TextOptions {
  max: number;
  /** Notes, remarks and addresses may hold line breaks and tabs; names may not. */
  multiline?: boolean;
  /** The message when the text is empty or invisible (default "must not be empty"). */
  emptyMessage?: string;
  /** The message when the field is absent (default "is required"). */
  requiredMessage?: string;
  /** Allow '' (after trimming) — optional free text such as remarks. Invisible-only text is still refused. */
  allowEmpty?: boolean;
}

/**
 * Text as people type it: Unicode-normalised (NFC) and trimmed, refused when it holds control or
 * bidi-override characters, when it shows nothing (an invisible character is not a value), or when
 * it is longer than `max` characters.
 */
export function text(opts: TextOptions) {
  const { max, multiline = false, emptyMessage = 'must not be empty', requiredMessage = 'is required', allowEmpty = false } = opts;
  const control = multiline ? CONTROL_MULTI_LINE : CONTROL_SINGLE_LINE;
  return z
    .string({ error: (issue) => (issue.input === undefined ? requiredMessage : 'must be text') })
    .check((ctx) => {
      if (!ctx.value.isWellFormed()) ctx.issues.push({ code: 'invalid_format', format: 'unicode', input: ctx.value, message: 'must be well-formed Unicode text', continue: false });
    })
    .normalize('NFC')
    .trim()
    .check((ctx) => {
      // Nothing to see is "empty" (the clearer message), whatever it is made of; else no hidden characters.
      if (!(allowEmpty && ctx.value === '') && !isVisible(ctx.value)) {
        ctx.issues.push({ code: 'too_small', origin: 'string', minimum: 1, inclusive: true, input: ctx.value, message: emptyMessage, continue: false });
      } else if (control.test(ctx.value)) {
        ctx.issues.push({ code: 'invalid_format', format: 'text', input: ctx.value, message: multiline ? 'must not contain control or invisible formatting characters' : 'must not contain control, invisible formatting or line-break characters', continue: false });
      }
    })
    .max(max, `must be at most ${max} characters`);
}

// ── time ──────────────────────────────────────────────────────────────────────────────────────

/**
 * Every date and time the system accepts lies in 2000–2100. Wider years would be stored in
 * ISO-8601's expanded form (`+010000-…`), which breaks every string-sorted key and range query.
 */
export const EARLIEST = '2000-01-01T00:00:00.000Z';
export const LATEST = '2100-12-31T23:59:59.999Z';
const windowMessage = 'must lie between the years 2000 and 2100';
/** An issue when the instant `ms` lies outside the window. */
const inWindow = (toMs: (s: string) => number) => (ctx: { value: string; issues: unknown[] }) => {
  const ms = toMs(ctx.value);
  if (ms < Date.parse(EARLIEST)) ctx.issues.push({ code: 'too_small', origin: 'date', minimum: Date.parse(EARLIEST), inclusive: true, input: ctx.value, message: windowMessage, continue: false });
  else if (ms > Date.parse(LATEST)) ctx.issues.push({ code: 'too_big', origin: 'date', maximum: Date.parse(LATEST), inclusive: true, input: ctx.value, message: windowMessage, continue: false });
};

/** An ISO-8601 date-time with a zone (Z or ±hh:mm), read as UTC: `2026-12-01T10:00:00+05:30` → `2026-12-01T04:30:00.000Z`. */
export const IsoDateTime = z
  .iso.datetime({ offset: true, error: 'must be an ISO-8601 date-time with a time zone, like 2026-12-01T10:00:00+05:30' })
  .check(inWindow(Date.parse))
  .transform((s) => new Date(s).toISOString());

/** A calendar date, `YYYY-MM-DD`, in 2000–2100. */
export const IsoDate = z.iso
  .date('must be a date (YYYY-MM-DD)')
  .check(inWindow((s) => Date.parse(`${s}T00:00:00.000Z`)));

// ── decimals ──────────────────────────────────────────────────────────────────────────────────

/**
 * A decimal kept to `places` places: 1e-300 is 0, not a number DynamoDB cannot store (it keeps
 * 38 digits between 1e-130 and 1e126) nor a precision nobody meant.
 */
export const decimal = (places: number, min: number, max: number) =>
  z
    .number()
    .min(min)
    .max(max)
    .transform((n) => {
      const rounded = Math.round(n * 10 ** places) / 10 ** places;
      return Object.is(rounded, -0) ? 0 : rounded;
    });

// ── money ─────────────────────────────────────────────────────────────────────────────────────

/** An amount in minor units (paise): a whole number, 0 or more, below ₹10 lakh crore. */
export const Money = z.number().int('must be whole paise').nonnegative('must be 0 or more').max(1e13, 'must be at most 10,000,000,000,000 paise');
