import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { invalid, type FieldError } from '../errors';
import { safeRecord, text } from '../shared/schemas';
import { FacebookLeadAdsSettings } from './facebook_lead_ads/mapper';
import { staticUrlProblem } from './outbound-url';
import { WebFormSettings } from './web_form/submission';

/**
 * Connections (DESIGN §9): a tenant admin connects an ERP or a lead source; each connection has
 * its own hook URL, its own secrets (write-only: no read returns them) and a delivery log.
 */
export const providers = ['generic', 'quickbooks', 'zoho_books', 'sap', 'tally', 'facebook_lead_ads', 'web_form', 'whatsapp'] as const;
export const Provider = z.enum(providers);
export type Provider = z.infer<typeof Provider>;

/** Providers that feed ERP records (customers, invoices, payments); the others feed leads. */
export const erpProviders: readonly Provider[] = ['generic', 'quickbooks', 'zoho_books', 'sap', 'tally'];

/**
 * How each provider signs: `standard` — Standard Webhooks with a secret we generate (`whsec_…`,
 * shown once, rotatable); `intuit`, `meta` — with the app's secret from the vendor's console,
 * given in the connection's secrets; `zoho` — Zoho's signing key where configured, else our
 * generated secret in a header; `form` — nothing to sign (a browser posts it): origin, honeypot and rate limits.
 */
export const signingOf = {
  generic: 'standard',
  sap: 'standard',
  tally: 'standard',
  quickbooks: 'intuit',
  zoho_books: 'zoho',
  facebook_lead_ads: 'meta',
  whatsapp: 'meta',
  web_form: 'form',
} as const satisfies Record<Provider, string>;

/** Providers whose signing secret we generate (shown once on creation and rotation). */
export const generatesSecret = (p: Provider) => signingOf[p] === 'standard' || signingOf[p] === 'zoho';

/** The write-only secrets each provider takes (DESIGN §9: Meta's app secrets; the ERPs' OAuth credentials). */
export const secretNames = {
  generic: [],
  sap: ['username', 'password', 'apiKey'],
  tally: [],
  quickbooks: ['verifierToken', 'clientId', 'clientSecret', 'refreshToken'],
  zoho_books: ['signingKey', 'clientId', 'clientSecret', 'refreshToken'],
  facebook_lead_ads: ['appSecret', 'verifyToken', 'accessToken'],
  whatsapp: ['appSecret', 'verifyToken', 'accessToken'],
  web_form: [],
} as const satisfies Record<Provider, readonly string[]>;

/** Secrets a connection cannot work without (a hook that cannot verify a signature accepts nothing). */
const requiredSecrets: Partial<Record<Provider, readonly string[]>> = {
  quickbooks: ['verifierToken'],
  facebook_lead_ads: ['appSecret', 'verifyToken', 'accessToken'],
  whatsapp: ['appSecret', 'verifyToken', 'accessToken'],
};

const SecretValue = z.string().min(1).max(4096).regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');

const ProductRef = z.string().min(1).max(40);
/** ERP item code → product id of the catalogue. */
const ItemMap = safeRecord(text({ max: 128 }), ProductRef).refine((m) => Object.keys(m).length <= 500, { message: 'must map at most 500 items' });

/** A tenant's own server (SAP's OData host): public https, no credentials, no query (domain/integrations/outbound-url.ts). */
const HttpsUrl = z
  .url({ protocol: /^https$/, error: 'must be an https URL' })
  .max(500)
  .refine((u) => !/[?#]/.test(u), { message: 'must have no query or fragment' })
  .superRefine((u, ctx) => {
    const problem = staticUrlProblem(u);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .transform((u) => new URL(u).origin + new URL(u).pathname.replace(/\/+$/, ''));


export const ErpSettings = z.strictObject({ itemMap: ItemMap.default({}) });
export const settingsSchemas = {
  generic: ErpSettings,
  tally: ErpSettings.extend({
    currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 currency code').optional(),
    /** Groups whose ledgers are customers (default Sundry Debtors; add its sub-groups). */
    debtorGroups: z.array(text({ max: 100 })).max(20).optional(),
    /** The company's own sales and receipt voucher types (default Sales, Receipt). */
    salesVoucherTypes: z.array(text({ max: 100 })).max(20).optional(),
    receiptVoucherTypes: z.array(text({ max: 100 })).max(20).optional(),
  }),
  quickbooks: ErpSettings.extend({ realmId: z.string().regex(/^\d{1,32}$/, 'must be the company id (digits)').optional() }),
  zoho_books: ErpSettings.extend({ organizationId: z.string().regex(/^\d{1,32}$/, 'must be the organization id (digits)') }),
  sap: ErpSettings.extend({ odataBaseUrl: HttpsUrl.optional(), sapClient: z.string().regex(/^\d{3}$/, 'must be a three-digit SAP client').optional() }),
  facebook_lead_ads: FacebookLeadAdsSettings,
  whatsapp: z.strictObject({
    phoneNumberId: z.string().regex(/^\d{1,32}$/),
    /** The tenant's own opt-out and opt-in words, beside STOP/UNSUBSCRIBE and START (domain/messages/whatsapp/consent.ts). */
    optOutWords: z.array(text({ max: 40 })).max(20).default([]),
    optInWords: z.array(text({ max: 40 })).max(20).default([]),
  }),
  web_form: WebFormSettings,
} as const satisfies Record<Provider, z.ZodType>;

export type ConnectionSettings = Record<string, unknown>;

export const ConnectionInput = z.strictObject({
  provider: Provider,
  name: text({ max: 100 }),
  settings: safeRecord(z.string(), z.unknown()).default({}),
  /** Write-only: stored in the secret store, never returned; the names each provider takes are listed in the API reference. */
  secrets: safeRecord(z.string(), SecretValue).default({}),
});
export type ConnectionInput = z.input<typeof ConnectionInput>;

export const ConnectionPatch = z
  .strictObject({
    name: text({ max: 100 }),
    settings: safeRecord(z.string(), z.unknown()),
    /** Replaces the secrets named (others are kept); `null` removes one. */
    secrets: safeRecord(z.string(), SecretValue.nullable()),
    enabled: z.boolean(),
  })
  .partial()
  .refine((p) => Object.keys(p).length > 0, { message: 'must change at least one field', when: (ctx) => ctx.issues.length === 0 });
export type ConnectionPatch = z.infer<typeof ConnectionPatch>;

/** A connection as stored and shown: never a secret, only which ones are set. */
export const Connection = z
  .object({
    id: z.string(),
    provider: Provider,
    name: z.string(),
    settings: z.record(z.string(), z.unknown()),
    enabled: z.boolean(),
    /** Names of the write-only secrets that are set. */
    secretsSet: z.array(z.string()),
    /** When the signing secret we generated was made (rotation). */
    secretCreatedAt: z.string().optional(),
    /** During a rotation's overlap, the previous signing secret is accepted until then. */
    previousSecretExpiresAt: z.string().optional(),
    /** Reconciliation pulls (QuickBooks CDC, Zoho Books): where the next one starts. */
    reconciledUntil: z.string().optional(),
    createdBy: z.string(),
    createdAt: z.string(),
    updatedBy: z.string(),
    updatedAt: z.string(),
    version: z.number().int().positive(),
  })
  .meta({ id: 'Connection' });
export type Connection = z.infer<typeof Connection>;

/** What the secret store holds for one connection. */
export interface ConnectionSecrets {
  /** The signing secret we generated, and the previous one during a rotation's overlap. */
  signing?: { current: string; previous?: string; previousExpiresAt?: string };
  /** The provider's own secrets (app secret, verifier token, OAuth credentials and tokens). */
  values: Record<string, string>;
}

/** A rotation keeps the previous secret valid this long, so senders can switch without losing a delivery. */
export const ROTATION_OVERLAP_HOURS = 24;

export const newSigningSecret = () => `whsec_${randomBytes(24).toString('base64')}`;

/** The signing secrets a hook accepts now: the current one, and the previous one until its overlap ends. */
export function acceptedSigningSecrets(s: ConnectionSecrets | undefined, now: Date): string[] {
  if (!s?.signing) return [];
  const { current, previous, previousExpiresAt } = s.signing;
  return previous && previousExpiresAt && Date.parse(previousExpiresAt) > now.getTime() ? [current, previous] : [current];
}

export function rotate(s: ConnectionSecrets, now: Date): { secrets: ConnectionSecrets; secret: string; previousExpiresAt: string } {
  const secret = newSigningSecret();
  const previousExpiresAt = new Date(now.getTime() + ROTATION_OVERLAP_HOURS * 3_600_000).toISOString();
  return { secrets: { ...s, signing: { current: secret, ...(s.signing && { previous: s.signing.current, previousExpiresAt }) } }, secret, previousExpiresAt };
}

/**
 * A provider's settings, validated (field errors under `body.settings`), with the products they
 * name checked against the catalogue; and its secrets: only the names it takes, the required ones present.
 */
export function checkSettings(provider: Provider, raw: unknown, productIds: ReadonlySet<string>): ConnectionSettings {
  const parsed = settingsSchemas[provider].safeParse(raw);
  if (!parsed.success) {
    throw invalid(parsed.error.issues.map((i) => ({ field: ['body', 'settings', ...i.path.map(String)].join('.'), code: i.code === 'unrecognized_keys' ? 'unknown_field' : i.code, message: i.message })));
  }
  const settings = parsed.data as ConnectionSettings;
  const errors: FieldError[] = [];
  const named = (field: string, id: unknown) => {
    if (typeof id === 'string' && !productIds.has(id)) errors.push({ field, code: 'unknown_product', message: `${id} is not a product of the catalogue` });
  };
  for (const [code, id] of Object.entries((settings.itemMap as Record<string, string> | undefined) ?? {})) named(`body.settings.itemMap.${code}`, id);
  for (const [form, f] of Object.entries((settings.forms as Record<string, { productId: string }> | undefined) ?? {})) named(`body.settings.forms.${form}.productId`, f.productId);
  named('body.settings.defaultProductId', settings.defaultProductId);
  named('body.settings.productId', settings.productId);
  if (errors.length > 0) throw invalid(errors);
  return settings;
}

export function checkSecrets(provider: Provider, values: Record<string, string | null>, existing: Record<string, string> = {}): Record<string, string> {
  const allowed = secretNames[provider] as readonly string[];
  const errors: FieldError[] = Object.keys(values)
    .filter((k) => !allowed.includes(k))
    .map((k) => ({ field: `body.secrets.${k}`, code: 'unknown_field', message: allowed.length ? `is not a secret of ${provider} (it takes ${allowed.join(', ')})` : `${provider} takes no secrets` }));
  const next: Record<string, string> = { ...existing };
  for (const [k, v] of Object.entries(values)) {
    if (!allowed.includes(k)) continue;
    if (v === null) delete next[k];
    else next[k] = v;
  }
  for (const k of requiredSecrets[provider] ?? []) if (!next[k]) errors.push({ field: `body.secrets.${k}`, code: 'required', message: `is required: ${provider} cannot verify or fetch without it` });
  if (errors.length > 0) throw invalid(errors);
  return next;
}

/**
 * A delivery's id: derived from the provider's own delivery id, so a delivery sent twice is one
 * delivery (DESIGN §9: processed once per provider delivery id), and safe in a key whatever the
 * provider's id looks like.
 */
export const deliveryIdOf = (providerDeliveryId: string) => `dl_${createHash('sha256').update(providerDeliveryId).digest('base64url').slice(0, 26)}`;

export const DeliveryStatus = z.enum(['queued', 'processing', 'processed', 'failed']);
export type DeliveryStatus = z.infer<typeof DeliveryStatus>;

/** What became of one record of a delivery. */
export const RecordOutcome = z.object({
  type: z.string(),
  externalId: z.string(),
  outcome: z.enum(['created', 'updated', 'unchanged', 'ignored', 'failed']),
  clientId: z.string().optional(),
  opportunityId: z.string().optional(),
  message: z.string().optional(),
});
export type RecordOutcome = z.infer<typeof RecordOutcome>;

/** A delivery's record outcomes kept (the counts cover them all). */
export const MAX_OUTCOMES_KEPT = 50;

export const Delivery = z
  .object({
    id: z.string(),
    connectionId: z.string(),
    provider: Provider,
    /** The provider's own id of the delivery (`webhook-id`, a CloudEvent id), or a digest of its body when it has none. */
    providerDeliveryId: z.string(),
    receivedAt: z.string(),
    status: DeliveryStatus,
    /** Processing attempts so far (a replay adds one). */
    attempts: z.number().int().min(0),
    /** Why it failed: a stable code and a message. */
    reason: z.object({ code: z.string(), message: z.string() }).optional(),
    counts: z.object({ created: z.number(), updated: z.number(), unchanged: z.number(), ignored: z.number(), failed: z.number() }).optional(),
    outcomes: z.array(RecordOutcome).optional(),
    processedAt: z.string().optional(),
    /** While `processing`: when a worker took it (a claim left by a worker that died expires). */
    claimedAt: z.string().optional(),
    payload: z.object({ bytes: z.number().int(), contentType: z.string() }),
    /** `reconcile`: records a reconciliation pull fetched (canonical records), not a provider's push. */
    origin: z.literal('reconcile').optional(),
    version: z.number().int().positive(),
  })
  .meta({ id: 'Delivery' });
export type Delivery = z.infer<typeof Delivery>;
