import { z } from 'zod';
import { invalid, type FieldError } from '../errors';
import { hiddenCharacter, text } from '../shared/schemas';

/**
 * Messages of the communication hub (#14, DESIGN §11): email and WhatsApp, per client, one thread
 * per client and channel. A message lives in its client's partition (like events: its id names
 * the partition), so a client's messages are one Query and its timeline merges them with its
 * events and stage changes. Outbound ones move queued → sent → delivered → read (or failed with
 * the provider's code); inbound ones are `received`.
 */
export const Channel = z.enum(['email', 'whatsapp']);
export type Channel = z.infer<typeof Channel>;

export const MessageStatus = z.enum(['queued', 'sent', 'delivered', 'read', 'failed', 'received']);
export type MessageStatus = z.infer<typeof MessageStatus>;

/** Where a status may go next: a late `delivered` after `read` changes nothing (Meta's statuses arrive out of order). */
const statusRank: Record<MessageStatus, number> = { queued: 0, sent: 1, delivered: 2, read: 3, failed: 4, received: 0 };

export const Attachment = z.object({
  /** Where its bytes are (the media bucket: messages/{tenant}/{client}/{message}/{n}). */
  key: z.string(),
  filename: z.string(),
  contentType: z.string(),
  size: z.number().int().nonnegative(),
});

export const Message = z
  .object({
    id: z.string(),
    clientId: z.string(),
    /** The deal it was sent for (auto-tracked as a completed Message event there). */
    opportunityId: z.string().optional(),
    channel: Channel,
    direction: z.enum(['outbound', 'inbound']),
    from: z.string(),
    to: z.array(z.string()),
    subject: z.string().optional(),
    text: z.string(),
    /** Inbound HTML is sanitised before it is stored: nothing renders what arrived as is. */
    html: z.string().optional(),
    attachments: z.array(Attachment),
    /** The email Message-ID or the WhatsApp wamid: how replies and status updates find it. */
    providerMessageId: z.string(),
    inReplyTo: z.string().optional(),
    template: z.string().optional(),
    status: MessageStatus,
    statusAt: z.string(),
    /** A failed send's reason, with the provider's code (Meta's 131047, an SES bounce). */
    error: z.object({ code: z.string(), message: z.string() }).optional(),
    /** Who sent it (outbound), or `system` for what arrived. */
    createdBy: z.string(),
    /**
     * What arrived (inbound): the staff it is counted for — the deal's assignee, else the client's
     * owner, else the assignees of the client's open deals — when it arrived; unread counts and the
     * reports' message facts (#16) credit them. Absent on messages stored before it was kept.
     */
    countedFor: z.array(z.string()).optional(),
    createdAt: z.string(),
    version: z.number().int().positive(),
  })
  .meta({ id: 'Message' });
export type Message = z.infer<typeof Message>;

/** POST /v1/clients/{id}/messages (DESIGN §11). */
export const SendMessageInput = z
  .strictObject({
    channel: Channel,
    opportunityId: z.string().min(1).max(60).optional(),
    /** Default: the client's email (email) or WhatsApp number, else mobile (whatsapp). */
    to: z.string().min(3).max(254).optional(),
    subject: text({ max: 200 }).optional(),
    text: text({ max: 20_000, multiline: true }).optional(),
    html: z.string().max(200_000).optional(),
    /** A tenant template by name, with the values it needs (domain/messages/templates.ts). */
    template: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must be a template name').optional(),
    /** Files already uploaded to the media bucket (their keys). */
    attachments: z.array(z.string().min(1).max(500)).max(10).default([]),
  })
  .superRefine((m, ctx) => {
    for (const issue of sendProblems(m)) ctx.addIssue({ code: 'custom', path: issue.field.split('.').slice(1), message: issue.message, params: { code: issue.code } });
  });
export type SendMessageInput = z.input<typeof SendMessageInput>;

/** What a send must say: something to send, a subject for an email, no attachments on WhatsApp (media messages come later). */
export function sendProblems(m: { channel: Channel; subject?: string | undefined; text?: string | undefined; html?: string | undefined; template?: string | undefined; attachments?: readonly string[] | undefined }): FieldError[] {
  const errors: FieldError[] = [];
  if (!m.template && !m.text && !m.html) errors.push({ field: 'body.text', code: 'required', message: 'is required (or html, or a template)' });
  if (m.channel === 'email' && !m.template && !m.subject) errors.push({ field: 'body.subject', code: 'required', message: 'is required for an email (or a template that has one)' });
  if (m.channel === 'whatsapp' && (m.attachments?.length ?? 0) > 0) errors.push({ field: 'body.attachments', code: 'not_applicable', message: 'WhatsApp messages carry text or a template here' });
  if (m.channel === 'whatsapp' && m.html) errors.push({ field: 'body.html', code: 'not_applicable', message: 'WhatsApp messages have no HTML' });
  if (m.template && (m.text || m.html || m.subject)) errors.push({ field: 'body.template', code: 'conflict', message: 'comes with neither text, html nor subject (the template has them)' });
  return errors;
}

/**
 * A status update applied to a message: forward only (a `delivered` that arrives after `read`
 * changes nothing), and `failed` only from a state before `read`. Undefined when nothing changes.
 */
export function withStatus(m: Message, status: MessageStatus, at: string, error?: { code: string; message: string }): Message | undefined {
  if (m.direction !== 'outbound' || status === 'received') return undefined;
  if (status === 'failed' ? statusRank[m.status] >= statusRank.read : statusRank[status] <= statusRank[m.status]) return undefined;
  return { ...m, status, statusAt: at, ...(error && { error }), version: m.version + 1 };
}

/**
 * One bare addr-spec, as the mail composer takes it (functions/lib/mail/compose-message.ts): nothing
 * an address parser could read as a second recipient or a display name (`,` `;` `"` `<>` `()`), and
 * no control, format or invisible character (a NUL, a bidi override, a zero-width space).
 */
const EMAIL_RECIPIENT = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:"]+$/;

/** The check a send's recipient passes: an email address, or a phone in E.164. */
export function assertRecipient(channel: Channel, to: string): void {
  const ok = channel === 'email' ? EMAIL_RECIPIENT.test(to) && to.isWellFormed() && hiddenCharacter(to, false) === undefined : /^\+[1-9]\d{6,14}$/.test(to);
  if (!ok) throw invalid([{ field: 'body.to', code: channel === 'email' ? 'invalid_email' : 'invalid_phone', message: channel === 'email' ? 'must be an email address' : 'must be a phone number in E.164 (+919876543210)' }]);
}
