import { z } from 'zod';

/**
 * The shared boundary schemas: every text, date, time and amount that enters the system through
 * any path (API, import, integration, script) is read by one of these, so a rule about text or
 * time holds everywhere at once.
 */

// ── text ──────────────────────────────────────────────────────────────────────────────────────

/**
 * Characters a reader cannot see but a computer compares: refused anywhere, because two names
 * that look alike would differ in search and duplicate checks, and hidden text can spoof
 * ("Trojan Source"). That is control characters (tab, line feed and carriage return only in
 * multi-line text), format characters (zero-width spaces, word joiners, byte-order marks, bidi
 * marks, embeddings, overrides and isolates, interlinear annotation, Arabic and Syriac marks),
 * default-ignorable code points (Hangul fillers, the combining grapheme joiner, Mongolian and
 * Khmer invisibles), private-use characters, non-characters, U+FFFC/U+FFFD, the blank braille
 * pattern, and a combining mark with nothing to sit on (at the start, or after a space).
 *
 * Kept because scripts need them: the zero-width joiner and non-joiner after a letter of an
 * Indic script (Malayalam chillu, Hindi half forms) or in an emoji sequence; variation selectors
 * after an emoji; the tag characters of a flag such as 🏴󠁧󠁢󠁳󠁣󠁴󠁿.
 */
const JOINER_AFTER = /[\p{Script=Devanagari}\p{Script=Bengali}\p{Script=Gurmukhi}\p{Script=Gujarati}\p{Script=Oriya}\p{Script=Tamil}\p{Script=Telugu}\p{Script=Kannada}\p{Script=Malayalam}\p{Script=Sinhala}\p{Extended_Pictographic}\u{1F3FB}-\u{1F3FF}\uFE0F]/u;
const FLAG_TAGS = /\u{1F3F4}[\u{E0020}-\u{E007E}]+\u{E007F}/gu;
const HIDDEN = /[\p{Cc}\p{Cf}\p{Co}\p{Default_Ignorable_Code_Point}\u{FDD0}-\u{FDEF}\uFFFC\uFFFD\u2800\u2028\u2029]/u;
const NON_CHARACTER = (cp: number) => (cp & 0xfffe) === 0xfffe;

/** The first character of `s` a reader would not see, or undefined when there is none. */
export function hiddenCharacter(s: string, multiline: boolean): string | undefined {
  const chars = [...s.replace(FLAG_TAGS, '🏴')];
  for (const [i, c] of chars.entries()) {
    const before = chars[i - 1];
    if (c === '\n' || c === '\t' || c === '\r') {
      if (!multiline) return c;
    } else if (c === '\u200C' || c === '\u200D') {
      if (!before || !JOINER_AFTER.test(before)) return c;
    } else if (/[\uFE00-\uFE0F]/u.test(c)) {
      if (!before || !/\p{Emoji}/u.test(before)) return c;
    } else if (HIDDEN.test(c) || NON_CHARACTER(c.codePointAt(0)!)) {
      return c;
    } else if (/\p{M}/u.test(c) && (!before || /\s/u.test(before))) {
      return c;
    }
  }
  return undefined;
}

/** What renders as nothing: white space, invisible code points, marks alone, the blank braille pattern. */
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
  return z
    .string({ error: (issue) => (issue.input === undefined ? requiredMessage : 'must be text') })
    .check((ctx) => {
      if (!ctx.value.isWellFormed()) ctx.issues.push({ code: 'invalid_format', format: 'unicode', input: ctx.value, message: 'must be well-formed Unicode text', continue: false });
      // Far too long before normalising (NFC composes at most a few code units into one): refused
      // at once, not after normalising and scanning 64 KB of it (an import row, found by a probe).
      else if (ctx.value.length > max * 4 + 64) ctx.issues.push({ code: 'too_big', origin: 'string', maximum: max, inclusive: true, input: ctx.value, message: `must be at most ${max} characters`, continue: false });
    })
    .normalize('NFC')
    // Line and paragraph separators are line breaks: stored as one.
    .overwrite((v) => (multiline ? v.replace(/\r\n|[\u2028\u2029]/g, '\n') : v))
    .trim()
    .check((ctx) => {
      // Nothing to see is "empty" (the clearer message), whatever it is made of; else no hidden characters.
      if (!(allowEmpty && ctx.value === '') && !isVisible(ctx.value)) {
        ctx.issues.push({ code: 'too_small', origin: 'string', minimum: 1, inclusive: true, input: ctx.value, message: emptyMessage, continue: false });
      } else if (hiddenCharacter(ctx.value, multiline) !== undefined) {
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

// ── records ───────────────────────────────────────────────────────────────────────────────────

/**
 * A record (an object of caller-chosen keys) whose keys are safe to keep: none that every object
 * already has (`constructor`, `toString` — the DynamoDB marshaller takes an object with an own
 * `constructor` for a class instance and fails), and not `__proto__`, which JSON.parse keeps as an
 * own key and a plain record would silently drop. Refused with a field error instead.
 */
export const safeRecord = <K extends z.ZodType<string, string>, V extends z.ZodType>(key: K, value: V) =>
  z
    .unknown()
    .superRefine((raw, ctx) => {
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return;
      for (const k of Object.keys(raw)) if (k in Object.prototype) ctx.addIssue({ code: 'custom', path: [k], message: 'is a reserved name' });
    })
    .pipe(z.record(key, value));
