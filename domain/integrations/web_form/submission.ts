import { createHash } from 'node:crypto';
import { z } from 'zod';
import { Pincode } from '../../clients/gstin';
import type { FieldError } from '../../errors';
import { text, safeRecord } from '../../shared/schemas';
import type { CanonicalInput } from '../canonical';

/**
 * Web forms (DESIGN §9: `POST /forms/{formKey}`), pure: a browser's submission → a lead, or the
 * field errors the page shows its visitor. The route around it caps the body's bytes, answers CORS
 * with `originAllowed`, applies the rate limits and stores nothing for a honeypot hit.
 *
 * Decisions:
 * - Bodies are `application/json` (an object of strings) or `application/x-www-form-urlencoded`.
 *   `multipart/form-data` is not taken: a lead form has no files, and a plain `<form>` posts
 *   urlencoded by default.
 * - A name given twice in a urlencoded body is an error (`repeated_field`), not "the first wins":
 *   none of our fields holds several values, so a repeat means a form built wrong (two inputs
 *   named `email`), and guessing which one the visitor meant would store the wrong contact.
 * - A blank input is an absent one: forms post every input, filled or not.
 * - Field errors name the form's own input (`body.<name>`), so the page can mark it.
 */

// ── settings ──────────────────────────────────────────────────────────────────────────────────

/** What a form's input can fill: the client's contact fields, and a message kept with the lead. */
export const WebFormField = z.enum(['companyName', 'ownerName', 'mobile', 'email', 'city', 'pincode', 'message']);
export type WebFormField = z.infer<typeof WebFormField>;
const CONTACT_FIELDS = ['companyName', 'ownerName', 'mobile', 'email', 'city', 'pincode'] as const;

/** An HTML input's name as we take it: a letter first (so never `__proto__`), then a safe set. */
const FormFieldName = z.string().regex(/^[A-Za-z][A-Za-z0-9_.:[\]-]{0,63}$/, 'must be a form field name: a letter, then letters, digits or _ . : - [ ], up to 64');

/** The name a caller may give its own id for the submission under (a double-submit is then deduped exactly). */
export const SUBMISSION_ID_FIELD = 'submissionId';

/**
 * An allowed origin: `scheme://host[:port]` as a browser sends it in `Origin`, https only — except
 * http on localhost and 127.0.0.1, for a developer's page. Stored as the URL standard serialises it
 * (lower-case host, no default port, no trailing slash), which is what `originAllowed` compares.
 */
export const FormOrigin = z
  .string()
  .max(200)
  .transform((raw, ctx) => {
    const origin = originOf(raw);
    if (origin === undefined) {
      ctx.addIssue({ code: 'custom', params: { code: 'invalid_origin' }, message: 'must be an origin: https://host[:port] (http only for localhost or 127.0.0.1), with no path, query or credentials' });
      return z.NEVER;
    }
    return origin;
  });

/** A page to send the visitor to after a plain (non-script) form post: same rule as origins, with any path. */
const RedirectUrl = z
  .string()
  .max(500)
  .refine((raw) => {
    const url = urlOf(raw);
    return url !== undefined && originOf(url.origin) !== undefined && url.username === '' && url.password === '';
  }, { message: 'must be an https URL (http only for localhost or 127.0.0.1)' });

export const WebFormSettings = z
  .strictObject({
    /** Every submission is a Lead opportunity for this product. */
    productId: text({ max: 64 }),
    /** Browsers may post from these origins only (CORS). */
    allowedOrigins: z.array(FormOrigin).min(1, 'must list at least one origin').max(10, 'must list at most 10 origins'),
    /** An input people never see (hidden by CSS): a bot that fills it is answered as if accepted, and nothing is stored. */
    honeypotField: FormFieldName.default('website'),
    /** The form's input names → our fields, for a form whose names differ (`{"your-phone": "mobile"}`); our own names are always taken. */
    fields: safeRecord(FormFieldName, WebFormField).optional(),
    /**
     * At least one of these must be given: a lead nobody can contact is not one. A mobile by
     * default: every client of this CRM has one (DESIGN §3), so a lead without it could not become one.
     */
    requireOneOf: z.array(z.enum(CONTACT_FIELDS)).min(1).max(6).default(['mobile']),
    successRedirect: RedirectUrl.optional(),
    /** Submissions per minute, per IP address and for the whole form (the route enforces them). */
    perIpPerMinute: z.int().min(1).max(600).default(5),
    perFormPerMinute: z.int().min(1).max(10_000).default(120),
  })
  .superRefine((s, ctx) => {
    const taken = new Set<string>([...WebFormField.options, SUBMISSION_ID_FIELD, ...Object.keys(s.fields ?? {})]);
    if (taken.has(s.honeypotField)) ctx.addIssue({ code: 'custom', path: ['honeypotField'], params: { code: 'honeypot_collision' }, message: 'must not be a field the form fills' });
    if (s.fields && Object.hasOwn(s.fields, SUBMISSION_ID_FIELD)) ctx.addIssue({ code: 'custom', path: ['fields', SUBMISSION_ID_FIELD], message: 'is a reserved name' });
  });
export type WebFormSettings = z.infer<typeof WebFormSettings>;

// ── origins ───────────────────────────────────────────────────────────────────────────────────

const LOOPBACK = new Set(['localhost', '127.0.0.1']);

function urlOf(raw: string): URL | undefined {
  try {
    return new URL(raw);
  } catch {
    return undefined;
  }
}

/** The origin `raw` is, serialised as the URL standard does, or undefined when it is not an origin we take. */
function originOf(raw: string): string | undefined {
  const url = urlOf(raw);
  if (!url || url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '' || url.pathname !== '/') return undefined;
  // `https://a.com?` and `https://a.com#` serialise to nothing after the host: refuse what was typed, not only what parsed.
  if (/[?#]/.test(raw)) return undefined;
  if (url.protocol === 'https:') return url.origin;
  if (url.protocol === 'http:' && LOOPBACK.has(url.hostname)) return url.origin;
  return undefined;
}

/**
 * Whether a browser's `Origin` header names one of the form's origins: scheme, host and port
 * equal after the URL standard's normalisation (case, default port, trailing slash). No header,
 * and `null` (a sandboxed frame, a `file:` page, a redirect across origins), are refused.
 */
export function originAllowed(origin: string | undefined, settings: Pick<WebFormSettings, 'allowedOrigins'>): boolean {
  if (origin === undefined || origin === 'null') return false;
  const offered = originOf(origin.trim());
  if (offered === undefined) return false;
  return settings.allowedOrigins.some((allowed) => originOf(allowed) === offered);
}

// ── submissions ───────────────────────────────────────────────────────────────────────────────

/** Inputs in one submission, at most (a lead form has a handful; more is a bot or a mistake). */
export const MAX_FIELDS = 30;
/** Characters in one input's value, at most. */
export const MAX_VALUE_LENGTH = 2000;

/** A `lead.received` record (the canonical schema's input). */
export type LeadInput = Extract<CanonicalInput, { type: 'lead.received' }>;

export type SubmissionResult = { ok: true; record: LeadInput; honeypot: false } | { ok: true; honeypot: true } | { ok: false; errors: FieldError[] };

const bodyError = (code: string, message: string): SubmissionResult => ({ ok: false, errors: [{ field: 'body', code, message }] });
const at = (name: string) => `body.${name}`;

/** Each field's rule: the client's own (DESIGN §3), so a lead's contact is as good as a typed-in client's. */
const fieldSchemas: Record<WebFormField, z.ZodType<string, string>> = {
  companyName: text({ max: 200 }),
  ownerName: text({ max: 200 }),
  mobile: text({ max: 32 }).refine((v) => /^\+?[\d\s().-]+$/.test(v) && digits(v).length >= 7 && digits(v).length <= 15, { message: 'must be a phone number', params: { code: 'invalid_phone' } }),
  email: z.string().trim().pipe(z.email('must be an email address').max(254)),
  city: text({ max: 100 }),
  pincode: Pincode,
  message: text({ max: MAX_VALUE_LENGTH, multiline: true }),
};
const digits = (s: string) => s.replace(/\D/g, '');

type Entries = { ok: true; entries: [string, unknown][] } | { ok: false; result: SubmissionResult };

/** The body's name/value pairs as sent, repeats included (values not yet checked to be text). */
function entriesOf(body: string, contentType: string): Entries {
  const mediaType = contentType.split(';')[0]!.trim().toLowerCase();
  if (mediaType === 'application/json') {
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      return { ok: false, result: bodyError('malformed_body', 'is not valid JSON') };
    }
    if (json === null || typeof json !== 'object' || Array.isArray(json)) return { ok: false, result: bodyError('malformed_body', 'must be a JSON object of the form’s fields') };
    return { ok: true, entries: Object.entries(json) };
  }
  if (mediaType === 'application/x-www-form-urlencoded') return { ok: true, entries: [...new URLSearchParams(body)] };
  return { ok: false, result: bodyError('unsupported_media_type', 'must be application/json or application/x-www-form-urlencoded') };
}

/** A value the honeypot counts as filled: anything but absent, null or blank text. */
const filled = (value: unknown) => value !== undefined && value !== null && !(typeof value === 'string' && value.trim() === '');

/**
 * A submission → a `lead.received` record, a honeypot hit, or every field error at once. The
 * honeypot is looked at first, before any rule: a bot must not learn from the answer which of its
 * inputs were wrong.
 *
 * The lead's `externalId` (what dedupes it): the caller's `submissionId` when the page sends one,
 * else `wf_` and a hash of the form, the normalised fields and the UTC day — a double-click or a
 * resubmitted page is one lead; the same person enquiring again next week is a new one.
 */
export function parseSubmission(body: string, contentType: string, settings: WebFormSettings, receivedAt: Date, formKey?: string): SubmissionResult {
  const parsed = entriesOf(body, contentType);
  if (!parsed.ok) return parsed.result;
  const { entries } = parsed;

  if (entries.some(([name, value]) => name === settings.honeypotField && filled(value))) return { ok: true, honeypot: true };
  if (entries.length > MAX_FIELDS) return bodyError('too_many_fields', `must have at most ${MAX_FIELDS} fields`);

  const errors: FieldError[] = [];
  const values = new Map<WebFormField, { name: string; value: string }>();
  const seen = new Set<string>();
  let submissionId: string | undefined;

  for (const [name, raw] of entries) {
    if (name === settings.honeypotField) continue;
    if (seen.has(name)) {
      if (!errors.some((e) => e.field === at(name) && e.code === 'repeated_field')) errors.push({ field: at(name), code: 'repeated_field', message: 'is given more than once' });
      continue;
    }
    seen.add(name);
    if (typeof raw !== 'string') {
      errors.push({ field: at(name), code: 'invalid_type', message: 'must be text' });
      continue;
    }
    if (raw.length > MAX_VALUE_LENGTH) {
      errors.push({ field: at(name), code: 'too_big', message: `must be at most ${MAX_VALUE_LENGTH} characters` });
      continue;
    }
    if (name === SUBMISSION_ID_FIELD) {
      if (/^[A-Za-z0-9_-]{1,64}$/.test(raw)) submissionId = raw;
      else if (raw.trim() !== '') errors.push({ field: at(name), code: 'invalid_submission_id', message: 'must be 1–64 letters, digits, _ or -' });
      continue;
    }
    const field = fieldOf(name, settings);
    if (field === undefined) {
      errors.push({ field: at(name), code: 'unknown_field', message: 'is not a field of this form' });
      continue;
    }
    if (raw.trim() === '') continue;
    if (values.has(field)) {
      errors.push({ field: at(name), code: 'duplicate_field', message: `fills the same field as ${values.get(field)!.name}` });
      continue;
    }
    const checked = fieldSchemas[field].safeParse(raw);
    if (!checked.success) {
      errors.push({ field: at(name), code: issueCode(checked.error), message: checked.error.issues[0]?.message ?? 'is not valid' });
      continue;
    }
    values.set(field, { name, value: checked.data });
  }

  if (!settings.requireOneOf.some((f) => values.has(f))) {
    const names = settings.requireOneOf.map((f) => nameOf(f, settings));
    errors.push({ field: 'body', code: 'contact_required', message: `must give at least one of ${names.join(', ')}` });
  }
  if (errors.length > 0) return { ok: false, errors };

  const contact = Object.fromEntries(CONTACT_FIELDS.flatMap((f) => (values.has(f) ? [[f, values.get(f)!.value]] : [])));
  // A person's enquiry names no company: the client is known by the person's name until a seller learns more (as for Lead Ads).
  if (contact.companyName === undefined && contact.ownerName !== undefined) contact.companyName = contact.ownerName;
  const message = values.get('message')?.value;
  const data = {
    ...contact,
    productId: settings.productId,
    ...(formKey !== undefined && { formId: formKey }),
    receivedAt: receivedAt.toISOString(),
    ...(message !== undefined && { answers: { message } }),
  };
  return { ok: true, honeypot: false, record: { type: 'lead.received', externalId: submissionId ?? derivedId(values, formKey, receivedAt), data } };
}

/** The field an input fills: the form's mapping first, else our own name. */
function fieldOf(name: string, settings: WebFormSettings): WebFormField | undefined {
  if (settings.fields && Object.hasOwn(settings.fields, name)) return settings.fields[name];
  return (WebFormField.options as readonly string[]).includes(name) ? (name as WebFormField) : undefined;
}

/** The input name the form uses for a field (for messages): its mapped name, else ours. */
function nameOf(field: WebFormField, settings: WebFormSettings): string {
  const mapped = Object.entries(settings.fields ?? {}).find(([, f]) => f === field);
  return mapped ? mapped[0] : field;
}

function issueCode(error: z.ZodError): string {
  const issue = error.issues[0];
  if (issue === undefined) return 'invalid';
  return issue.code === 'custom' && typeof issue.params?.code === 'string' ? issue.params.code : issue.code;
}

/**
 * `wf_` + 32 hex of SHA-256 over the form, the UTC day and the fields as compared for duplicates:
 * names and cities case-folded with single spaces, the email lower-cased, the phone's digits.
 */
function derivedId(values: ReadonlyMap<WebFormField, { value: string }>, formKey: string | undefined, receivedAt: Date): string {
  const normalised = WebFormField.options.map((field) => {
    const value = values.get(field)?.value ?? '';
    if (field === 'mobile') return digits(value);
    return value.toLowerCase().replace(/\s+/g, ' ');
  });
  const hash = createHash('sha256')
    .update(JSON.stringify([formKey ?? '', receivedAt.toISOString().slice(0, 10), ...normalised]))
    .digest('hex');
  return `wf_${hash.slice(0, 32)}`;
}
