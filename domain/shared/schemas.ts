import { z } from 'zod';

/**
 * The shared boundary schemas: every text, date, time and amount that enters the system through
 * any path (API, import, integration, script) is read by one of these, so a rule about text or
 * time holds everywhere at once.
 */

// ── text ──────────────────────────────────────────────────────────────────────────────────────

/**
 * Refused anywhere: C0/C1 control characters (tab, line feed and carriage return only in
 * multi-line text), the bidirectional embedding, override and isolate controls (U+202A–U+202E,
 * U+2066–U+2069: "Trojan Source" spoofing), and the non-characters U+FFFE/U+FFFF.
 */
const CONTROL_SINGLE_LINE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\ufffe\uffff]/u;
const CONTROL_MULTI_LINE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\ufffe\uffff]/u;
/** What renders as nothing: white space, default-ignorable code points (U+200B, U+2060, U+3164, U+FEFF, …) and controls. */
const INVISIBLE = /[\p{White_Space}\p{Default_Ignorable_Code_Point}\p{Cc}]/gu;

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
      if (control.test(ctx.value)) {
        ctx.issues.push({ code: 'invalid_format', format: 'text', input: ctx.value, message: multiline ? 'must not contain control characters' : 'must not contain control characters or line breaks', continue: false });
      } else if (!(allowEmpty && ctx.value === '') && !isVisible(ctx.value)) {
        ctx.issues.push({ code: 'too_small', origin: 'string', minimum: 1, inclusive: true, input: ctx.value, message: emptyMessage, continue: false });
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

// ── money ─────────────────────────────────────────────────────────────────────────────────────

/** An amount in minor units (paise): a whole number, 0 or more, below ₹10 lakh crore. */
export const Money = z.number().int('must be whole paise').nonnegative('must be 0 or more').max(1e13, 'must be at most 10,000,000,000,000 paise');
