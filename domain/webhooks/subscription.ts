import { isIP } from 'node:net';
import { z } from 'zod';
import { invalid, type FieldError } from '../errors';
import { hostOf, isLocalName, isLoopbackAddress, isPrivateAddress } from '../integrations/outbound-url';
import { fieldErrorsOf } from '../validation';
import { text } from '../shared/schemas';

/**
 * Outbound webhook subscriptions (DESIGN §12, issue #15): a tenant admin names an https URL and
 * the catalogue events it receives, by name (`opportunity.stage_changed`), by entity
 * (`opportunity.*`) or all of them (`*`). What can be told without DNS is checked here; the send
 * time guard resolves the host and checks every address again (DNS can change after this).
 */

export const MAX_URL_LENGTH = 2048;
export const MAX_PATTERNS = 50;

/** `*`, `<entity>.*` or `<entity>.<what happened>`, in the catalogue's snake case. */
export const EventPattern = z
  .string()
  .max(100, 'must be at most 100 characters')
  .regex(/^(?:\*|[a-z][a-z0-9_]*\.(?:\*|[a-z][a-z0-9_]*))$/, 'must be an event name (opportunity.stage_changed), an entity wildcard (opportunity.*) or *');

const Description = text({ max: 500, multiline: true, allowEmpty: true });

export const WebhookInput = z.strictObject({
  /** Checked further by `urlProblems` (the scheme allowed depends on where we run). */
  url: z.string().max(MAX_URL_LENGTH, `must be at most ${MAX_URL_LENGTH} characters`),
  events: z.array(EventPattern).min(1, 'must name at least one event').max(MAX_PATTERNS, `must name at most ${MAX_PATTERNS} events`),
  description: Description.default(''),
  enabled: z.boolean().default(true),
});
export type WebhookInput = z.infer<typeof WebhookInput>;

/** A change to a subscription: any of its fields; enabling one again clears why it was disabled. */
export const WebhookPatch = z
  .strictObject({
    url: WebhookInput.shape.url,
    events: WebhookInput.shape.events,
    description: Description,
    enabled: z.boolean(),
  })
  .partial()
  .refine((p) => Object.keys(p).length > 0, { message: 'must change at least one field', when: (ctx) => ctx.issues.length === 0 });
export type WebhookPatch = z.infer<typeof WebhookPatch>;

export interface UrlOptions {
  /** `npm start` only: http (and https) to loopback, so a developer can receive on their machine. */
  allowLoopbackHttp: boolean;
}

/**
 * What is wrong with a webhook URL as written, as field errors (none when fine). Private,
 * link-local, unique-local, CGNAT and other non-public addresses are `unsafe_url` everywhere;
 * loopback is allowed only with `allowLoopbackHttp`, and then over http too.
 */
export function urlProblems(raw: string, { allowLoopbackHttp }: UrlOptions, field = 'body.url'): FieldError[] {
  const problem = (code: string, message: string): FieldError[] => [{ field, code, message }];
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return problem('invalid_url', 'is not a URL');
  }
  const host = hostOf(url);
  const loopback = isIP(host) !== 0 ? isLoopbackAddress(host) : host === 'localhost' || host.endsWith('.localhost');
  const local = allowLoopbackHttp && loopback;
  if (url.protocol !== 'https:' && !(local && url.protocol === 'http:')) {
    return problem('https_required', allowLoopbackHttp ? 'must be an https URL (or http to loopback)' : 'must be an https URL');
  }
  if (url.username || url.password) return problem('credentials_in_url', 'must not carry credentials: receivers verify the webhook-signature header instead');
  if (url.hash) return problem('invalid_url', 'must have no fragment (#…)');
  // Nothing listens on port 0: refused as a typo, not retried for a day per event (found by a probe).
  if (url.port === '0') return problem('invalid_url', 'must not name port 0');
  if (local) return [];
  if (isIP(host) !== 0 && isPrivateAddress(host)) return problem('unsafe_url', 'must not name a private, loopback, link-local or otherwise non-public address');
  if (isIP(host) === 0 && isLocalName(host)) return problem('unsafe_url', 'must name a public host');
  return [];
}

/** Whether one pattern takes an event of this name. */
export const patternMatches = (pattern: string, eventName: string) =>
  pattern === '*' || pattern === eventName || (pattern.endsWith('.*') && eventName.startsWith(pattern.slice(0, -1)));

/** Whether a subscription to these patterns receives an event of this name. */
export const matches = (patterns: readonly string[], eventName: string) => patterns.some((p) => patternMatches(p, eventName));

/**
 * Patterns checked against the catalogue's event names: each must take at least one event
 * (`unknown_event`, so a typo is refused, not silently never delivered) and appear once (`duplicate`).
 */
export function eventPatternProblems(patterns: readonly string[], catalogueNames: readonly string[], field = 'body.events'): FieldError[] {
  const errors: FieldError[] = [];
  patterns.forEach((p, i) => {
    const first = patterns.indexOf(p);
    if (first < i) errors.push({ field: `${field}.${i}`, code: 'duplicate', message: `repeats ${field}.${first}` });
    else if (!catalogueNames.some((n) => patternMatches(p, n))) errors.push({ field: `${field}.${i}`, code: 'unknown_event', message: `${p} matches no event of the catalogue` });
  });
  return errors;
}

export interface CheckContext extends UrlOptions {
  /** The names of the catalogue's events (events/catalog.ts), each once. */
  catalogueNames: readonly string[];
}

/** The URL kept: as the URL parser writes it (`HTTPS://Hooks.Example.com` → `https://hooks.example.com/`). */
const normalisedUrl = (raw: string) => new URL(raw).href;

/** A new subscription, every field checked (all the errors at once: a 422 listing each at its path), the URL normalised. */
export function checkWebhookInput(raw: unknown, ctx: CheckContext): WebhookInput {
  const parsed = WebhookInput.safeParse(raw);
  if (!parsed.success) throw invalid(fieldErrorsOf(parsed.error, 'body'));
  const errors = [...urlProblems(parsed.data.url, ctx), ...eventPatternProblems(parsed.data.events, ctx.catalogueNames)];
  if (errors.length > 0) throw invalid(errors);
  return { ...parsed.data, url: normalisedUrl(parsed.data.url) };
}

/** A change to a subscription, checked as a new one is (only the fields it names). */
export function checkWebhookPatch(raw: unknown, ctx: CheckContext): WebhookPatch {
  const parsed = WebhookPatch.safeParse(raw);
  if (!parsed.success) throw invalid(fieldErrorsOf(parsed.error, 'body'));
  const { url, events } = parsed.data;
  const errors = [...(url === undefined ? [] : urlProblems(url, ctx)), ...(events === undefined ? [] : eventPatternProblems(events, ctx.catalogueNames))];
  if (errors.length > 0) throw invalid(errors);
  return url === undefined ? parsed.data : { ...parsed.data, url: normalisedUrl(url) };
}

/**
 * Why a subscription is off: `gone` — the receiver answered 410; `failing` — 3 days of
 * consecutive failures (tenant admins emailed); `admin` — an admin turned it off.
 */
export const DisabledReason = z.enum(['gone', 'failing', 'admin']);
export type DisabledReason = z.infer<typeof DisabledReason>;

/** A subscription as stored and shown: never its secret, only when it was made and whether a previous one still signs. */
export const Webhook = z
  .object({
    id: z.string(),
    url: z.string(),
    events: z.array(z.string()),
    description: z.string(),
    enabled: z.boolean(),
    disabledReason: DisabledReason.optional(),
    disabledAt: z.string().optional(),
    /** The first failed attempt since the last success: 3 days after it, the endpoint is disabled. */
    failingSince: z.string().optional(),
    /** When the current signing secret was made (creation or the last rotation). */
    secretCreatedAt: z.string(),
    /** During a rotation's overlap, the previous secret signs too, until then. */
    previousSecretExpiresAt: z.string().optional(),
    createdBy: z.string(),
    createdAt: z.string(),
    updatedBy: z.string(),
    updatedAt: z.string(),
    version: z.number().int().positive(),
  })
  .meta({ id: 'Webhook' });
export type Webhook = z.infer<typeof Webhook>;

/**
 * A subscription after an admin's change: enabling it again clears why it was off (and the
 * failure streak, so the 3 days start over); disabling it is `admin`'s doing.
 */
export function applyPatch(w: Webhook, patch: WebhookPatch, by: string, now: Date): Webhook {
  const { enabled, ...fields } = patch;
  const next: Webhook = { ...w, ...fields, updatedBy: by, updatedAt: now.toISOString(), version: w.version + 1 };
  if (enabled === true && !w.enabled) {
    const { disabledReason: _r, disabledAt: _a, failingSince: _f, ...on } = next;
    return { ...on, enabled: true };
  }
  if (enabled === false && w.enabled) return { ...next, enabled: false, disabledReason: 'admin', disabledAt: now.toISOString() };
  return next;
}

/** A subscription turned off by its deliveries (`gone`, `failing`) or an admin. Off already: unchanged. */
export function disable(w: Webhook, reason: DisabledReason, by: string, now: Date): Webhook {
  if (!w.enabled) return w;
  return { ...w, enabled: false, disabledReason: reason, disabledAt: now.toISOString(), updatedBy: by, updatedAt: now.toISOString(), version: w.version + 1 };
}
