import { z } from 'zod';
import { text, safeRecord } from '../../shared/schemas';
import { LeadData, MappingError, type CanonicalInput, type FetchRef, type ParsedDelivery } from '../canonical';

/**
 * Facebook Lead Ads (DESIGN §9), pure. Meta's Page webhook is thin: a `leadgen` change names the
 * lead (`leadgen_id`), its Page and form; the adapter (functions/lib/integrations/providers/
 * facebook_lead_ads.ts) then reads the lead from the Graph API and `mapLead` makes it a
 * `lead.received` record. Names follow Meta's words: leadgen, field_data, form_id, created_time.
 *
 * Sources: https://developers.facebook.com/docs/graph-api/webhooks/getting-started/webhooks-for-leadgen
 * and https://developers.facebook.com/docs/marketing-api/guides/lead-ads/retrieving (fixtures/README.md).
 */

// ── settings ──────────────────────────────────────────────────────────────────────────────────

/** The client fields a form's answer can fill. */
export const LeadField = z.enum(['companyName', 'ownerName', 'mobile', 'email', 'city', 'pincode']);
export type LeadField = z.infer<typeof LeadField>;

/** A Graph object id: Meta's ids are decimal digits. */
const GraphId = z.string().regex(/^\d{1,32}$/, 'must be a Graph id (digits)');
const ProductId = text({ max: 64 });

/**
 * A form question's key as it comes back in `field_data[].name`: Meta derives custom keys from
 * the question's label, so they may hold brackets, dots or `?` (`phone_number_(eg.65xxxxxxxx)`).
 */
const MetaFieldName = text({ max: 100 }).refine((n) => n !== '__proto__', { message: 'is a reserved name' });

export const FacebookLeadAdsForm = z.strictObject({
  /** Every lead from this form is a Lead opportunity for this product. */
  productId: ProductId,
  /** The form's own question keys → client fields, over the defaults for Meta's standard questions. */
  fields: safeRecord(MetaFieldName, LeadField).optional(),
});

export const FacebookLeadAdsSettings = z.strictObject({
  /** Lead Ads form id → what its leads are. */
  forms: safeRecord(GraphId, FacebookLeadAdsForm)
    .refine((forms) => Object.keys(forms).length <= 200, { message: 'must name at most 200 forms' })
    .default({}),
  /** The product of a lead from a form not listed in `forms` (without it, such a lead fails as `unmapped_form`). */
  defaultProductId: ProductId.optional(),
});
export type FacebookLeadAdsSettings = z.infer<typeof FacebookLeadAdsSettings>;

/**
 * Meta's standard (prefill) questions and the `field_data` keys they answer under: FULL_NAME →
 * `full_name`, PHONE → `phone_number`, EMAIL → `email`, COMPANY_NAME → `company_name`, CITY →
 * `city`, ZIP → `zip_code`, POST_CODE → `post_code`. Work email and phone are the fallbacks a
 * B2B form asks instead.
 */
export const DEFAULT_FIELDS: Readonly<Record<string, LeadField>> = {
  full_name: 'ownerName',
  phone_number: 'mobile',
  work_phone_number: 'mobile',
  email: 'email',
  work_email: 'email',
  company_name: 'companyName',
  city: 'city',
  zip_code: 'pincode',
  post_code: 'pincode',
};

// ── the webhook ───────────────────────────────────────────────────────────────────────────────

/** Keys whose values are Graph ids: older notifications send them as JSON numbers. */
const ID_KEYS = new Set(['id', 'leadgen_id', 'page_id', 'form_id', 'ad_id', 'adgroup_id']);

/**
 * JSON.parse, keeping every numeric Graph id as the digits that were sent: `55459717045641545`
 * (a real sample's leadgen_id) is above 2^53, and as a double it would name another lead. Uses the
 * reviver's source text (ES2025 JSON.parse source access, in Node 22+).
 */
export function parseGraphJson(body: string): unknown {
  const reviver = (key: string, value: unknown, context?: { source?: string }) =>
    typeof value === 'number' && ID_KEYS.has(key) && context?.source !== undefined ? context.source : value;
  return JSON.parse(body, reviver as (key: string, value: unknown) => unknown);
}

const IdValue = z.union([GraphId, z.number().int().nonnegative().transform(String).pipe(GraphId)]);

const LeadgenValue = z.looseObject({
  leadgen_id: IdValue,
  page_id: IdValue.optional(),
  form_id: IdValue.optional(),
  ad_id: IdValue.optional(),
  adgroup_id: IdValue.optional(),
  /** Unix seconds. */
  created_time: z.union([z.number(), z.string()]).optional(),
});

const PageNotification = z.looseObject({
  object: z.string(),
  entry: z.array(
    z.looseObject({
      id: IdValue.optional(),
      time: z.number().optional(),
      changes: z.array(z.looseObject({ field: z.string(), value: z.unknown() })).default([]),
    }),
  ),
});

const malformed = (why: string) => new MappingError('malformed_payload', `The Lead Ads notification ${why}.`);

/**
 * A Page webhook's body → a fetch per new lead. Other objects (a WhatsApp or Instagram
 * notification sent to this hook) and other Page fields (feed, messages) are ignored with why; a
 * body that is not a Page notification at all is `malformed_payload`.
 */
export function parseDelivery(body: string): ParsedDelivery {
  let json: unknown;
  try {
    json = parseGraphJson(body);
  } catch {
    throw malformed('is not JSON');
  }
  const parsed = PageNotification.safeParse(json);
  if (!parsed.success) throw malformed('is not a webhook notification ({object, entry:[…]})');
  const { object, entry } = parsed.data;
  if (object !== 'page') return { records: [], fetches: [], ignored: [{ what: `object ${object}`, reason: 'not a Page notification' }] };

  const fetches: FetchRef[] = [];
  const ignored: { what: string; reason: string }[] = [];
  const seen = new Set<string>();
  for (const e of entry) {
    for (const change of e.changes) {
      if (change.field !== 'leadgen') {
        ignored.push({ what: `page ${e.id ?? '?'} ${change.field}`, reason: 'only leadgen changes are acted on' });
        continue;
      }
      const value = LeadgenValue.safeParse(change.value);
      if (!value.success) throw malformed('has a leadgen change without a leadgen_id');
      const { leadgen_id, page_id, form_id, ad_id, created_time } = value.data;
      // Meta retries a notification it thinks failed, and one body may name a lead twice: fetch it once.
      if (seen.has(leadgen_id)) continue;
      seen.add(leadgen_id);
      const account = page_id ?? e.id;
      const at = created_time === undefined ? undefined : instantOf(created_time);
      fetches.push({
        entity: 'lead',
        id: leadgen_id,
        ...(account !== undefined && { account }),
        ...(at !== undefined && { at }),
        hints: { ...(form_id !== undefined && { formId: form_id }), ...(ad_id !== undefined && { adId: ad_id }) },
      });
    }
  }
  return { records: [], fetches, ...(ignored.length > 0 && { ignored }) };
}

// ── time ──────────────────────────────────────────────────────────────────────────────────────

/**
 * Meta's instants as ISO-8601 UTC: a webhook's Unix seconds (`1440120384`), or the Graph API's
 * `2026-11-30T10:00:00+0000` (an offset without the colon, which ISO-8601's extended form and
 * zod's datetime refuse). Undefined when it is neither.
 */
export function instantOf(time: number | string): string | undefined {
  if (typeof time === 'number' || /^\d{9,11}$/.test(time)) {
    const ms = Number(time) * 1000;
    // Beyond ±8.64e15 ms a Date is invalid (and toISOString throws).
    return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : undefined;
  }
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?)(Z|[+-]\d{2}:?\d{2})$/.exec(time);
  if (!m) return undefined;
  const zone = m[2] === 'Z' ? 'Z' : `${m[2]!.slice(0, 3)}:${m[2]!.slice(-2)}`;
  const ms = Date.parse(`${m[1]}${zone}`);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

// ── the lead ──────────────────────────────────────────────────────────────────────────────────

/** A `lead.received` record as mappers make it (the canonical schema's input). */
export type LeadInput = Extract<CanonicalInput, { type: 'lead.received' }>;

/** A lead as the Graph API answers `GET /{lead-id}?fields=id,created_time,ad_id,form_id,field_data`. */
export const GraphLead = z.looseObject({
  id: GraphId,
  created_time: z.string(),
  ad_id: GraphId.optional(),
  form_id: GraphId.optional(),
  field_data: z.array(z.looseObject({ name: z.string(), values: z.array(z.string()).default([]) })).default([]),
});
export type GraphLead = z.input<typeof GraphLead>;

/** A multiple-choice answer may hold several values: kept as one text, as a person would read it. */
const answerOf = (values: readonly string[]) => values.map((v) => v.trim()).filter(Boolean).join(', ');

const AnswerKey = LeadData.shape.answers.unwrap().keyType;
const AnswerValue = LeadData.shape.answers.unwrap().valueType;

/** The value as the lead's field takes it, or undefined when it does not fit (it is still kept in answers). */
function fieldValue(field: LeadField, raw: string): string | undefined {
  // People type PIN codes with a space ("560 001"); the field is the six digits.
  const value = field === 'pincode' ? raw.replace(/\s+/g, '') : raw;
  const parsed = LeadData.shape[field].safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/**
 * A Graph API lead → a `lead.received` record. The product comes from the form's settings (or the
 * connection's default); each client field from the form's own mapping first, then Meta's standard
 * question keys; every answer is kept. An answer that does not fit its field (a ZIP+4 as a PIN
 * code, a malformed email) leaves the field empty rather than failing the lead: a person who asked
 * to be called back is still a lead, and the answer stays in `answers`.
 */
export function mapLead(graphLead: unknown, settings: FacebookLeadAdsSettings): LeadInput {
  const parsed = GraphLead.safeParse(graphLead);
  if (!parsed.success) throw new MappingError('malformed_lead', 'The Graph API lead has no id, created_time or field_data in the shape Meta documents.');
  const lead = parsed.data;
  const receivedAt = instantOf(lead.created_time);
  if (receivedAt === undefined) throw new MappingError('malformed_lead', `Lead ${lead.id} has a created_time that is not a time: ${lead.created_time.slice(0, 40)}.`);

  const form = lead.form_id === undefined ? undefined : Object.hasOwn(settings.forms, lead.form_id) ? settings.forms[lead.form_id] : undefined;
  const productId = form?.productId ?? settings.defaultProductId;
  if (productId === undefined) {
    throw new MappingError(
      'unmapped_form',
      `Lead ${lead.id} is from Lead Ads form ${lead.form_id ?? '(none)'}, which the connection does not map to a product: add the form to its settings' forms, or set defaultProductId.`,
    );
  }

  // First answer per key: a key twice is Meta's bug, and the first is what the form showed first.
  const answers = new Map<string, string>();
  for (const { name, values } of lead.field_data) {
    const answer = answerOf(values);
    if (answer !== '' && !answers.has(name)) answers.set(name, answer);
  }

  const explicit = form?.fields ?? {};
  const pick = (field: LeadField): string | undefined => {
    for (const mapping of [explicit, DEFAULT_FIELDS]) {
      for (const [name, answer] of answers) {
        if (Object.hasOwn(mapping, name) && mapping[name] === field) {
          const value = fieldValue(field, answer);
          if (value !== undefined) return value;
        }
      }
    }
    return undefined;
  };

  const ownerName = pick('ownerName') ?? fullNameOf(answers);
  // A person's lead has no company: the client is known by the person's name until a seller learns more.
  const companyName = pick('companyName') ?? ownerName;
  const contact = { companyName, ownerName, mobile: pick('mobile'), email: pick('email'), city: pick('city'), pincode: pick('pincode') };

  return {
    type: 'lead.received',
    externalId: lead.id,
    data: {
      ...Object.fromEntries(Object.entries(contact).filter(([, v]) => v !== undefined)),
      productId,
      ...(lead.form_id !== undefined && { formId: lead.form_id }),
      receivedAt,
      ...keptAnswers(answers),
    },
  };
}

/** FIRST_NAME and LAST_NAME questions, when the form asks those instead of FULL_NAME. */
function fullNameOf(answers: ReadonlyMap<string, string>): string | undefined {
  const joined = [answers.get('first_name'), answers.get('last_name')].filter(Boolean).join(' ');
  return joined === '' ? undefined : fieldValue('ownerName', joined);
}

/**
 * Every answer, as the lead's `answers` take them (keys up to 100 characters, values up to 2000):
 * longer ones are cut rather than failing the lead; one that still cannot be kept (an invisible
 * control character) is left out.
 */
function keptAnswers(answers: ReadonlyMap<string, string>): { answers?: Record<string, string> } {
  const kept: [string, string][] = [];
  for (const [name, answer] of answers) {
    const key = AnswerKey.safeParse(cut(name, 100));
    const value = AnswerValue.safeParse(cut(answer, 2000));
    if (key.success && value.success) kept.push([key.data, value.data]);
  }
  return kept.length > 0 ? { answers: Object.fromEntries(kept) } : {};
}

/** At most `max` UTF-16 units (what a length limit counts), never splitting a character. */
function cut(s: string, max: number): string {
  if (s.length <= max) return s;
  let out = '';
  for (const c of s) {
    if (out.length + c.length > max) break;
    out += c;
  }
  return out;
}
