import { z } from 'zod';
import { MappingError } from '../../integrations/canonical';

/**
 * The WhatsApp Cloud API `messages` webhook (DESIGN §9, §11), pure. One notification
 * (`object: "whatsapp_business_account"`) carries changes per WhatsApp Business Account; a
 * `messages` change's value holds what customers sent (`messages`, with their `contacts`) and
 * what became of what we sent (`statuses`). Names follow Meta's words: wamid, wa_id,
 * phone_number_id, recipient_id, button, interactive, list_reply, button_reply.
 *
 * The signature (`X-Hub-Signature-256`) and the `hub.challenge` handshake are checked before this
 * runs (domain/integrations/signatures.ts `verifyMeta`, `metaHandshake`).
 *
 * Meta delivers at least once and retries what it thinks failed, so the same wamid can arrive in
 * several deliveries: the parser is deterministic (the same body gives the same result) and the
 * store writes a message keyed by its wamid only once; inside one body, a wamid named twice is
 * kept once here.
 *
 * Sources: https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages
 * and its per-type pages (fixtures/README.md).
 */

export const MESSAGE_KINDS = ['text', 'image', 'document', 'audio', 'video', 'location', 'button', 'interactive', 'reaction', 'unsupported'] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];

/** A message a customer sent to one of the tenant's WhatsApp numbers. */
export interface InboundWhatsApp {
  /** Meta's message id (`wamid.…`): the key that makes a redelivery a no-op. */
  waMessageId: string;
  /** The customer's number in E.164 (`+16505551234`), as clients store phones. */
  from: string;
  /** The business number it was sent to: which connection (and tenant) it belongs to. */
  phoneNumberId: string;
  /** When the customer sent it (Meta's Unix seconds), ISO-8601 UTC: the 24-hour service window opens here. */
  at: string;
  /** The customer's WhatsApp profile name, when Meta sent the contact. */
  profileName?: string;
  kind: MessageKind;
  /** What a person reads: a text's body, a button's or list row's title, a reaction's emoji. */
  text?: string;
  /** Image, document, audio, video (and sticker, as `unsupported`): fetched from the Graph API by `id`. */
  media?: { id: string; mimeType: string; sha256?: string; caption?: string; filename?: string };
  location?: { latitude: number; longitude: number; name?: string; address?: string };
  /** A tapped template quick-reply button (`payload`) or interactive reply button / list row (`id`). */
  reply?: { id?: string; title: string; payload?: string };
  /** The message this one answers or reacts to (its wamid). */
  context?: { id: string };
  /** Meta's own `type` when `kind` is `unsupported` (`sticker`, `contacts`, `order`, `unsupported` …): kept so a person can tell what arrived. */
  metaType?: string;
}

export const STATUS_KINDS = ['sent', 'delivered', 'read', 'failed'] as const;
export type StatusKind = (typeof STATUS_KINDS)[number];

/** What became of a message we sent. Meta does not promise order: a `delivered` may arrive after `read`. */
export interface StatusUpdate {
  waMessageId: string;
  status: StatusKind;
  at: string;
  /** The customer's number in E.164 (a group id as Meta sent it). */
  recipient: string;
  /** Meta's error, on `failed`: `131047` is the closed 24-hour window, `131026` an undeliverable number. */
  error?: { code: number; title: string; message?: string };
}

export interface ParsedWhatsAppWebhook {
  inbound: InboundWhatsApp[];
  statuses: StatusUpdate[];
  /** Parts of the notification deliberately not acted on, with why. */
  ignored: { what: string; reason: string }[];
}

// ── Meta's shapes (loose: Meta adds fields, and we keep only what we use) ──────────────────────

const Id = z.string().min(1).max(512);
const Timestamp = z.union([z.string(), z.number()]);

const Media = z.looseObject({
  id: Id,
  mime_type: z.string().min(1).max(255),
  sha256: z.string().optional(),
  caption: z.string().optional(),
  filename: z.string().optional(),
});

const MetaMessage = z.looseObject({
  from: z.string().min(1),
  id: Id,
  timestamp: Timestamp,
  type: z.string().min(1),
  context: z.looseObject({ id: Id.optional(), from: z.string().optional() }).optional(),
});
type MetaMessage = z.infer<typeof MetaMessage>;

const TextBody = z.looseObject({ body: z.string() });
const Location = z.looseObject({
  latitude: z.number().min(-90).max(90),
  longitude: z.number().min(-180).max(180),
  name: z.string().optional(),
  address: z.string().optional(),
});
const Button = z.looseObject({ text: z.string(), payload: z.string().optional() });
const Interactive = z.looseObject({
  type: z.string(),
  button_reply: z.looseObject({ id: z.string(), title: z.string() }).optional(),
  list_reply: z.looseObject({ id: z.string(), title: z.string(), description: z.string().optional() }).optional(),
});
const Reaction = z.looseObject({ message_id: Id, emoji: z.string().optional() });

const MetaError = z.looseObject({
  code: z.number().int(),
  title: z.string().optional(),
  message: z.string().optional(),
  error_data: z.looseObject({ details: z.string().optional() }).optional(),
});

const MetaStatus = z.looseObject({
  id: Id,
  status: z.string().min(1),
  timestamp: Timestamp,
  recipient_id: z.string().min(1),
  errors: z.array(MetaError).optional(),
});

const MessagesValue = z.looseObject({
  messaging_product: z.literal('whatsapp'),
  metadata: z.looseObject({ display_phone_number: z.string().optional(), phone_number_id: z.string().min(1) }),
  contacts: z.array(z.looseObject({ wa_id: z.string().optional(), profile: z.looseObject({ name: z.string().optional() }).optional() })).optional(),
  messages: z.array(z.unknown()).optional(),
  statuses: z.array(z.unknown()).optional(),
  errors: z.array(MetaError).optional(),
});

const Notification = z.looseObject({
  object: z.string(),
  entry: z.array(
    z.looseObject({
      id: z.string().optional(),
      changes: z.array(z.looseObject({ field: z.string(), value: z.unknown() })),
    }),
  ),
});

const malformed = (why: string) => new MappingError('malformed_payload', `The WhatsApp notification ${why}.`);

// ── parsing ───────────────────────────────────────────────────────────────────────────────────

/**
 * A webhook body → the customers' messages, our messages' statuses, and what was left alone.
 * Another object (a Page notification sent to this hook) or another field (`message_template_status_update`,
 * `account_update`) is ignored with why; a body that is not a WhatsApp notification, or a message
 * or status without the fields Meta always sends, is `malformed_payload`.
 */
export function parseWhatsAppWebhook(body: string): ParsedWhatsAppWebhook {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw malformed('is not JSON');
  }
  const parsed = Notification.safeParse(json);
  if (!parsed.success) throw malformed('is not a webhook notification ({object, entry:[{changes:[…]}]})');
  const result: ParsedWhatsAppWebhook = { inbound: [], statuses: [], ignored: [] };
  if (parsed.data.object !== 'whatsapp_business_account') {
    result.ignored.push({ what: `object ${parsed.data.object}`, reason: 'not a WhatsApp Business Account notification' });
    return result;
  }

  const seenMessages = new Set<string>();
  const seenStatuses = new Set<string>();
  for (const entry of parsed.data.entry) {
    const account = entry.id ?? '?';
    for (const change of entry.changes) {
      if (change.field !== 'messages') {
        result.ignored.push({ what: `account ${account} ${change.field}`, reason: 'only messages changes are acted on' });
        continue;
      }
      const value = MessagesValue.safeParse(change.value);
      if (!value.success) throw malformed('has a messages change without messaging_product "whatsapp" and metadata.phone_number_id');
      const { metadata, contacts = [], messages = [], statuses = [], errors = [] } = value.data;
      const phoneNumberId = metadata.phone_number_id;
      const names = new Map(contacts.flatMap((c) => (c.wa_id !== undefined && c.profile?.name ? [[c.wa_id, c.profile.name] as const] : [])));

      for (const raw of messages) {
        const message = MetaMessage.safeParse(raw);
        if (!message.success) throw malformed('has a message without from, id, timestamp or type');
        const m = message.data;
        // Meta's retries may batch a message with itself: one message per wamid.
        if (seenMessages.has(m.id)) {
          result.ignored.push({ what: `message ${m.id}`, reason: 'named twice in this delivery' });
          continue;
        }
        seenMessages.add(m.id);
        const inbound = inboundOf(m, raw, phoneNumberId, names.get(m.from));
        if ('ignored' in inbound) result.ignored.push(inbound.ignored);
        else result.inbound.push(inbound);
      }

      for (const raw of statuses) {
        const status = MetaStatus.safeParse(raw);
        if (!status.success) throw malformed('has a status without id, status, timestamp or recipient_id');
        const s = status.data;
        if (!isStatusKind(s.status)) {
          // `deleted` (On-Premises), `warning` (a catalogue item), `played` (voice): no status of ours.
          result.ignored.push({ what: `status ${s.status} of ${s.id}`, reason: 'not a sent, delivered, read or failed status' });
          continue;
        }
        const key = `${s.id} ${s.status}`;
        if (seenStatuses.has(key)) continue;
        seenStatuses.add(key);
        result.statuses.push(statusOf(s, s.status));
      }

      // A value-level error is Meta telling us something went wrong on its side (e.g. 131000): nothing to apply.
      for (const e of errors) {
        result.ignored.push({ what: `error ${e.code} on ${phoneNumberId}`, reason: `Meta reported ${e.title ?? e.message ?? 'an error'}` });
      }
    }
  }
  return result;
}

const isStatusKind = (s: string): s is StatusKind => (STATUS_KINDS as readonly string[]).includes(s);

/** Meta sends numbers as digits without `+` (`wa_id`, `from`, `recipient_id`); clients store E.164. */
function e164(waId: string): string | undefined {
  return /^[1-9]\d{5,14}$/.test(waId) ? `+${waId}` : undefined;
}

/** Meta's Unix seconds (a string in this webhook) as ISO-8601 UTC. */
export function instantOfUnix(timestamp: string | number): string | undefined {
  const s = String(timestamp);
  if (!/^\d{1,11}$/.test(s)) return undefined;
  return new Date(Number(s) * 1000).toISOString();
}

const MEDIA_KINDS = new Set(['image', 'document', 'audio', 'video']);

/** The part of a message named after its type (`message.image`, `message.text` …). */
function partOf<S extends z.ZodType>(schema: S, raw: unknown, type: string, id: string): z.infer<S> {
  const part = schema.safeParse(typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>)[type] : undefined);
  if (!part.success) throw malformed(`has a ${type} message (${id}) without its ${type} object in the shape Meta documents`);
  return part.data;
}

function inboundOf(m: MetaMessage, raw: unknown, phoneNumberId: string, profileName: string | undefined): InboundWhatsApp | { ignored: { what: string; reason: string } } {
  // `system` messages (a customer changed number) are WhatsApp speaking, not the customer.
  if (m.type === 'system') return { ignored: { what: `message ${m.id}`, reason: 'a system message, not one the customer wrote' } };
  const from = e164(m.from);
  if (from === undefined) throw malformed(`has a message (${m.id}) from ${m.from.slice(0, 20)}, which is not a phone number`);
  const at = instantOfUnix(m.timestamp);
  if (at === undefined) throw malformed(`has a message (${m.id}) whose timestamp is not Unix seconds`);

  const base = {
    waMessageId: m.id,
    from,
    phoneNumberId,
    at,
    ...(profileName !== undefined && { profileName }),
    ...(m.context?.id !== undefined && { context: { id: m.context.id } }),
  };

  if (m.type === 'text') return { ...base, kind: 'text', text: partOf(TextBody, raw, 'text', m.id).body };
  if (MEDIA_KINDS.has(m.type)) {
    const media = partOf(Media, raw, m.type, m.id);
    return {
      ...base,
      kind: m.type as 'image' | 'document' | 'audio' | 'video',
      media: {
        id: media.id,
        mimeType: media.mime_type,
        ...(media.sha256 !== undefined && { sha256: media.sha256 }),
        ...(media.caption !== undefined && { caption: media.caption }),
        ...(media.filename !== undefined && { filename: media.filename }),
      },
    };
  }
  if (m.type === 'location') {
    const l = partOf(Location, raw, 'location', m.id);
    return {
      ...base,
      kind: 'location',
      location: { latitude: l.latitude, longitude: l.longitude, ...(l.name !== undefined && { name: l.name }), ...(l.address !== undefined && { address: l.address }) },
    };
  }
  if (m.type === 'button') {
    // A quick-reply button of a template we sent: the payload is the one we set when sending.
    const b = partOf(Button, raw, 'button', m.id);
    return { ...base, kind: 'button', text: b.text, reply: { title: b.text, ...(b.payload !== undefined && { payload: b.payload }) } };
  }
  if (m.type === 'interactive') {
    const i = partOf(Interactive, raw, 'interactive', m.id);
    const choice = i.type === 'button_reply' ? i.button_reply : i.type === 'list_reply' ? i.list_reply : undefined;
    if (choice === undefined) return { ...base, kind: 'unsupported', metaType: `interactive.${i.type}` };
    return { ...base, kind: 'interactive', text: choice.title, reply: { id: choice.id, title: choice.title } };
  }
  if (m.type === 'reaction') {
    // A reaction answers the message it reacts to; an empty emoji takes a reaction back.
    const r = partOf(Reaction, raw, 'reaction', m.id);
    return { ...base, kind: 'reaction', context: { id: r.message_id }, ...(r.emoji ? { text: r.emoji } : {}) };
  }
  // Stickers, contacts, orders and Meta's own `unsupported` still count as the customer writing to us.
  return { ...base, kind: 'unsupported', metaType: m.type };
}

function statusOf(s: z.infer<typeof MetaStatus>, status: StatusKind): StatusUpdate {
  const at = instantOfUnix(s.timestamp);
  if (at === undefined) throw malformed(`has a status of ${s.id} whose timestamp is not Unix seconds`);
  return {
    waMessageId: s.id,
    status,
    at,
    recipient: e164(s.recipient_id) ?? s.recipient_id,
    ...(s.errors?.[0] !== undefined && { error: errorOf(s.errors[0]) }),
  };
}

/** Meta's first error: `error_data.details` says why; `message` is often the title again, and kept only when it says more. */
function errorOf(e: z.infer<typeof MetaError>): NonNullable<StatusUpdate['error']> {
  const title = e.title ?? e.message ?? `Error ${e.code}`;
  const message = e.error_data?.details ?? (e.message !== title ? e.message : undefined);
  return { code: e.code, title, ...(message !== undefined && { message }) };
}
