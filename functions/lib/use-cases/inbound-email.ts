import { createHash } from 'node:crypto';
import { authorize } from '../../../domain/access/policy';
import { conflict, DomainError, invalid, notFound } from '../../../domain/errors';
import { deliveriesByTenant, inboundAttachmentKey, recipientOf, type AttachInboxMailInput, type InboxMail, type Recipient } from '../../../domain/messages/inbox';
import type { Message } from '../../../domain/messages/message';
import { matchInbound, MAX_REFERENCES, type InboundLookups } from '../../../domain/messages/threads';
import { ids } from '../ids';
import { logger } from '../logger';
import { parseInbound, sanitizeEmailHtml, type InboundMail } from '../mail/inbound-mail';
import { visibleClient } from './clients';
import { contextOf, tenantConfig, type UseCaseContext } from './context';
import { visibleOpportunity } from './opportunities';
import { noteInbound, responsibleFor } from './unread';
import { completeRepliedFollowUp, dealOfReply } from './auto-tracking';
import type { Page, PageRequest, Services } from './ports';

/**
 * Inbound email (#14 item 2, DESIGN §11): what SES receiving (functions/mail/inbound.ts) and the
 * local SMTP listener (scripts/local/smtp.ts) deliver, parsed once (HTML sanitised, attachments
 * to the media bucket) and delivered to each tenant its recipients name — the tenant comes from
 * the recipient address alone (domain/messages/inbox.ts), never from what the mail says. A thread
 * address joins its thread; the tenant's inbox address is matched by In-Reply-To/References, then
 * the sender's email; what matches nothing waits in the unassigned inbox until someone attaches
 * it. The same Message-ID twice is one message.
 */
export interface InboundMailDeps {
  services: Services;
  /** Where replies arrive: `reply+…` and `inbox+…` addresses at this domain. */
  replyDomain: string;
  /** The thread-address key, and the previous one while a rotation's replies still arrive. */
  threadSecrets: readonly Buffer[];
  now: Date;
}

export interface MailEnvelope {
  /** The SMTP envelope's recipients (SES `receipt.recipients`): who the mail was delivered to, whatever its headers say. */
  recipients: readonly string[];
  /**
   * False when the receiving MTA found the sender's domain failing authentication (SES: an SPF,
   * DKIM or DMARC verdict of FAIL): a forged From then matches no client by email.
   */
  senderVerified?: boolean;
}

export type MailDelivery = { recipient: string; tenantId: string } & (
  | { outcome: 'created'; rule: 'thread_address' | 'in_reply_to' | 'references' | 'sender'; clientId: string; messageId: string }
  | { outcome: 'unassigned'; reason: InboxMail['reason']; inboxId: string }
  | { outcome: 'unchanged'; why: 'duplicate_message' }
);

export interface ReceivedMail {
  deliveries: MailDelivery[];
  /** Recipients that are neither a valid thread address nor a provisioned tenant's inbox. */
  refused: string[];
}

/**
 * What the body parts may take of an item (DynamoDB's limit is 400 KB, with the addresses and
 * headers beside them): more is cut there and kept whole as a file.
 */
export const MAX_TEXT_BYTES = 64 * 1024;
export const MAX_HTML_BYTES = 160 * 1024;
const MAX_ADDRESSES = 100;
/** RFC 5322's line limit: a header longer than this was not written to be read. */
const MAX_HEADER_CHARS = 998;
const SYSTEM = 'system';

/** The actor inbound mail is stored as: the system, acting in the recipient's tenant. */
const systemContext = (services: Services, tenantId: string, now: Date): UseCaseContext => contextOf({ tenantId, staffId: SYSTEM, role: 'tenant_admin' }, now, services);

/**
 * What a recipient address names, if the mail may be delivered there: a thread address that
 * verifies, or a provisioned tenant's inbox (the local SMTP listener asks this at RCPT time and
 * answers 550 otherwise).
 */
export async function acceptedRecipient(deps: Pick<InboundMailDeps, 'services' | 'replyDomain' | 'threadSecrets'>, address: string): Promise<Recipient | undefined> {
  const recipient = recipientOf(address, { secrets: deps.threadSecrets, domain: deps.replyDomain });
  if (!recipient) return undefined;
  return (await deps.services.tenants.config(recipient.tenantId)) ? recipient : undefined;
}

/** A mail's provider id: its Message-ID, or (none given) a digest of its bytes, so a redelivery is still the same mail. */
export const providerIdOf = (mail: Pick<InboundMail, 'messageId'>, raw: Buffer) => mail.messageId?.slice(0, MAX_HEADER_CHARS) ?? `<sha256.${createHash('sha256').update(raw).digest('hex').slice(0, 40)}@message-id.invalid>`;

/**
 * Receives one email. Throws InboundMailError when the mail as a whole is refused (too large,
 * too many attachments, no sender): nothing is stored then.
 */
export async function receiveMail(deps: InboundMailDeps, raw: Buffer, envelope: MailEnvelope): Promise<ReceivedMail> {
  const resolved = await Promise.all(envelope.recipients.map(async (address) => ({ address, recipient: await acceptedRecipient(deps, address) })));
  const refused = resolved.filter((r) => !r.recipient).map((r) => r.address);
  const targets = deliveriesByTenant(resolved.flatMap((r) => (r.recipient ? [r.recipient] : [])));
  if (targets.length === 0) return { deliveries: [], refused };
  const mail = await parseInbound(raw);
  const providerMessageId = providerIdOf(mail, raw);
  const deliveries: MailDelivery[] = [];
  // One tenant after another: a mail names one or two (a thread address and a Cc'd inbox are one tenant's one copy).
  for (const target of targets) deliveries.push(await deliver(deps, mail, providerMessageId, target, envelope.senderVerified ?? true));
  for (const d of deliveries) logger.info('inbound email', { ...d, providerMessageId });
  for (const address of refused) logger.warn('inbound email: recipient refused', { recipient: address, providerMessageId });
  return { deliveries, refused };
}

async function deliver(deps: InboundMailDeps, mail: InboundMail, providerMessageId: string, target: Recipient, senderVerified: boolean): Promise<MailDelivery> {
  const { services, now } = deps;
  const { tenantId } = target;
  const base = { recipient: target.address, tenantId };
  const duplicate = { ...base, outcome: 'unchanged' as const, why: 'duplicate_message' as const };
  // Delivered before (a retry, a second recipient of ours): it is stored already.
  if (await services.messages.byProviderId(tenantId, providerMessageId)) return duplicate;

  const found = await findThread(deps, mail, target, senderVerified);
  if (found.kind === 'unassigned') {
    const id = `im_${ids.audit()}`;
    const inbox: InboxMail = {
      id,
      recipient: target.address,
      reason: found.reason,
      ...envelopeOf(mail),
      ...(await bodiesOf(services, mail, attachmentPlace(tenantId, 'unassigned', id))),
      providerMessageId,
      ...(mail.inReplyTo && { inReplyTo: mail.inReplyTo.slice(0, MAX_HEADER_CHARS) }),
      references: mail.references.slice(-MAX_REFERENCES).map((r) => r.slice(0, MAX_HEADER_CHARS)),
      receivedAt: now.toISOString(),
      status: 'unassigned',
      version: 1,
    };
    try {
      await services.inbox.create(tenantId, inbox);
    } catch (error) {
      if (error instanceof DomainError && error.code === 'duplicate_message') return duplicate;
      throw error;
    }
    return { ...base, outcome: 'unassigned', reason: found.reason, inboxId: id };
  }

  const at = now.toISOString();
  const id = ids.message(found.clientId);
  const { from, to, subject } = envelopeOf(mail);
  const ctx = systemContext(services, tenantId, now);
  // The deal it answers: the replied-to message's; else, when it came to the thread's own address
  // (a mail client that drops In-Reply-To), the last email we sent them about one. Mail matched by
  // its sender alone is a new conversation, about no deal.
  const opportunityId = found.opportunityId ?? (found.rule === 'thread_address' ? await dealOfReply(ctx, found.clientId, 'email', undefined) : undefined);
  const message: Message = {
    id,
    clientId: found.clientId,
    ...(opportunityId && { opportunityId }),
    channel: 'email',
    direction: 'inbound',
    from,
    to,
    subject,
    ...(await bodiesOf(services, mail, attachmentPlace(tenantId, { clientId: found.clientId }, id))),
    providerMessageId,
    ...(mail.inReplyTo && { inReplyTo: mail.inReplyTo.slice(0, MAX_HEADER_CHARS) }),
    status: 'received',
    statusAt: at,
    createdBy: SYSTEM,
    createdAt: at,
    version: 1,
  };
  message.countedFor = await responsibleFor(ctx, message);
  try {
    await services.messages.create(tenantId, message);
  } catch (error) {
    // Delivered twice at once (or held by the inbox): the other delivery stored it.
    if (error instanceof DomainError && error.code === 'duplicate_message') return duplicate;
    throw error;
  }
  // Unread counts of whoever answers for the client or the deal, and the deal's due Message follow-up done (auto-tracking).
  await noteInbound(ctx, message);
  await completeRepliedFollowUp(ctx, message);
  return { ...base, outcome: 'created', rule: found.rule, clientId: found.clientId, messageId: id };
}

type Found = { kind: 'thread'; rule: 'thread_address' | 'in_reply_to' | 'references' | 'sender'; clientId: string; opportunityId?: string } | { kind: 'unassigned'; reason: InboxMail['reason'] };

/**
 * The client a delivery belongs to. A thread address names it (signed); otherwise the tenant's own
 * messages named by In-Reply-To/References, then the one client of the tenant with the sender's
 * email. A reply to a message about a deal is about that deal too.
 */
async function findThread(deps: InboundMailDeps, mail: InboundMail, target: Recipient, senderVerified: boolean): Promise<Found> {
  const { services, replyDomain } = deps;
  const { tenantId } = target;
  const replied = new Map<string, Message>();
  const lookups: InboundLookups = {
    // Thread addresses count only as the envelope names them (the target): never as the headers do.
    secrets: [],
    domain: replyDomain,
    threadOfMessageId: async (messageId) => {
      const m = await services.messages.byProviderId(tenantId, messageId);
      if (!m) return undefined;
      replied.set(messageId, m);
      return { tenantId, clientId: m.clientId, threadId: m.channel };
    },
    clientsWithEmail: async (email) => {
      if (target.kind === 'thread' || !senderVerified) return [];
      const clientId = await services.clients.lookup(tenantId, { on: 'email', value: email });
      return clientId ? [{ tenantId, clientId }] : [];
    },
  };
  const match = await matchInbound({ to: [], cc: [], inReplyTo: mail.inReplyTo, references: mail.references, from: mail.from.address }, lookups);
  const repliedTo = match.rule === 'in_reply_to' || match.rule === 'references' ? replied.get(match.messageId) : undefined;

  if (target.kind === 'thread') {
    const clientId = await liveClient(services, tenantId, target.clientId);
    if (!clientId) return { kind: 'unassigned', reason: 'unknown_client' };
    // The deal of the message it answers, when that message is this client's.
    const opportunityId = repliedTo?.opportunityId && (await liveClient(services, tenantId, repliedTo.clientId)) === clientId ? repliedTo.opportunityId : undefined;
    return { kind: 'thread', rule: 'thread_address', clientId, ...(opportunityId && { opportunityId }) };
  }
  if (match.rule === 'unassigned') return { kind: 'unassigned', reason: match.reason };
  const clientId = await liveClient(services, tenantId, match.clientId);
  if (!clientId) return { kind: 'unassigned', reason: 'unknown_client' };
  return { kind: 'thread', rule: match.rule, clientId, ...(repliedTo?.opportunityId && { opportunityId: repliedTo.opportunityId }) };
}

/** The client an id names now: itself, or the survivor it was merged into (#12); undefined when there is none. */
async function liveClient(services: Services, tenantId: string, clientId: string): Promise<string | undefined> {
  let stored = await services.clients.get(tenantId, clientId);
  for (let hop = 0; stored?.mergedInto && hop < 5; hop++) stored = await services.clients.get(tenantId, stored.mergedInto);
  return stored && !stored.mergedInto ? stored.client.id : undefined;
}

/** An address longer than this is none (RFC 5321 allows 254 characters): left out, not cut into another. */
const MAX_ADDRESS_CHARS = 320;
/** What each of To and Cc may take of the item, in UTF-8: a hundred ordinary addresses fit many times over. */
const MAX_ADDRESS_LIST_BYTES = 16 * 1024;

/** The first addresses of a header that fit: at most MAX_ADDRESSES, none over MAX_ADDRESS_CHARS, MAX_ADDRESS_LIST_BYTES together. */
function boundedAddresses(list: readonly string[]): string[] {
  const kept: string[] = [];
  let bytes = 0;
  for (const address of list) {
    if (address.length > MAX_ADDRESS_CHARS) continue;
    bytes += Buffer.byteLength(address);
    if (kept.length === MAX_ADDRESSES || bytes > MAX_ADDRESS_LIST_BYTES) break;
    kept.push(address);
  }
  return kept;
}

/** Addresses and subject as stored: bounded, whatever the mail carried. */
function envelopeOf(mail: InboundMail) {
  return {
    from: mail.from.address.slice(0, 320),
    ...(mail.from.name && { fromName: mail.from.name.slice(0, 200) }),
    to: boundedAddresses(mail.to),
    cc: boundedAddresses(mail.cc),
    subject: mail.subject.slice(0, MAX_HEADER_CHARS),
  };
}

const attachmentPlace = (tenantId: string, owner: { clientId: string } | 'unassigned', id: string) => (n: number, filename: string) => inboundAttachmentKey(tenantId, owner, id, n, filename);

/**
 * The text and (sanitised) HTML as stored, and the attachments, each written to the media bucket
 * first. A body part too big for the item is cut there and kept whole as one more file.
 */
async function bodiesOf(services: Services, mail: InboundMail, keyOf: (n: number, filename: string) => string): Promise<Pick<Message, 'text' | 'html' | 'attachments'>> {
  const files = mail.attachments.map((a) => ({ filename: a.filename.slice(0, 255), contentType: a.contentType, content: a.content }));
  const text = cut(mail.text, MAX_TEXT_BYTES);
  if (text !== mail.text) files.push({ filename: 'message.txt', contentType: 'text/plain; charset=utf-8', content: Buffer.from(mail.text) });
  let html = mail.html;
  if (html !== undefined && Buffer.byteLength(html) > MAX_HTML_BYTES) {
    files.push({ filename: 'message.html', contentType: 'text/html; charset=utf-8', content: Buffer.from(html) });
    // Cut tags are closed or dropped by the sanitiser again.
    html = sanitizeEmailHtml(cut(html, MAX_HTML_BYTES - 1024));
  }
  const attachments = await Promise.all(
    files.map(async (f, i) => {
      const key = keyOf(i + 1, f.filename);
      await services.files.write(key, [f.content], f.contentType);
      return { key, filename: f.filename, contentType: f.contentType, size: f.content.length };
    }),
  );
  return { text, ...(html !== undefined && { html }), attachments };
}

/** At most `maxBytes` of UTF-8, cut on a character boundary. */
function cut(s: string, maxBytes: number): string {
  const bytes = Buffer.from(s);
  if (bytes.length <= maxBytes) return s;
  let end = maxBytes;
  // back to the start of the character the cut falls in (continuation bytes are 10xxxxxx)
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8');
}

// ── the unassigned inbox ──────────────────────────────────────────────────────────────────────

/** GET /v1/inbox: the mail no rule matched, newest first. */
export async function listInbox(ctx: UseCaseContext, page: PageRequest): Promise<Page<InboxMail>> {
  authorize(ctx.actor, 'inbox:manage');
  await tenantConfig(ctx);
  return ctx.services.inbox.list(ctx.actor.tenantId, page);
}

/**
 * GET /v1/inbox/{id}: waiting, or attached (where it went, by whom, when). Once attached it is
 * the client's message: shown only to who may see that client (404 to the others).
 */
export async function getInboxMail(ctx: UseCaseContext, id: string): Promise<InboxMail> {
  authorize(ctx.actor, 'inbox:manage');
  await tenantConfig(ctx);
  const mail = await ctx.services.inbox.get(ctx.actor.tenantId, id);
  if (!mail || (mail.attachedTo && !(await seesClient(ctx, mail.attachedTo.clientId)))) throw notFound('inbox mail', id);
  return mail;
}

/**
 * POST /v1/inbox/{id}/attach: the mail becomes a message in the client's thread (about the deal,
 * if one is named) and leaves the inbox, in one transaction. The caller must see the client (and
 * the deal); a second attach is 409 `already_attached`, naming where it went to who may see it.
 */
export async function attachInboxMail(ctx: UseCaseContext, id: string, input: AttachInboxMailInput): Promise<Message> {
  authorize(ctx.actor, 'inbox:manage');
  await tenantConfig(ctx);
  const mail = await ctx.services.inbox.get(ctx.actor.tenantId, id);
  if (!mail) throw notFound('inbox mail', id);
  if (mail.attachedTo) throw await alreadyAttached(ctx, mail);
  const { client } = await visibleClient(ctx, input.clientId, 'client:read');
  const opportunity = input.opportunityId ? await visibleOpportunity(ctx, input.opportunityId, 'opportunity:read') : undefined;
  if (opportunity && opportunity.clientId !== client.id) throw invalid([{ field: 'body.opportunityId', code: 'other_client', message: 'is a deal of another client' }]);
  const at = ctx.now.toISOString();
  const message: Message = {
    id: ids.message(client.id),
    clientId: client.id,
    ...(opportunity && { opportunityId: opportunity.id }),
    channel: 'email',
    direction: 'inbound',
    from: mail.from,
    to: mail.to,
    subject: mail.subject,
    text: mail.text,
    ...(mail.html !== undefined && { html: mail.html }),
    attachments: mail.attachments,
    providerMessageId: mail.providerMessageId,
    ...(mail.inReplyTo && { inReplyTo: mail.inReplyTo }),
    status: 'received',
    statusAt: mail.receivedAt,
    createdBy: SYSTEM,
    createdAt: mail.receivedAt,
    version: 1,
  };
  const after: InboxMail = {
    ...mail,
    status: 'attached',
    attachedTo: { clientId: client.id, messageId: message.id, ...(opportunity && { opportunityId: opportunity.id }), by: ctx.actor.staffId, at },
    version: mail.version + 1,
  };
  message.countedFor = await responsibleFor(ctx, message);
  try {
    await ctx.services.inbox.attach(ctx.actor.tenantId, mail, after, message, { actor: ctx.actor.staffId, actorRole: ctx.actor.role });
  } catch (error) {
    // Another attach of the same mail won the race.
    if (error instanceof DomainError && error.code === 'already_attached') throw await alreadyAttached(ctx, (await ctx.services.inbox.get(ctx.actor.tenantId, id)) ?? mail);
    throw error;
  }
  await noteInbound(ctx, message);
  return message;
}

async function alreadyAttached(ctx: UseCaseContext, mail: InboxMail): Promise<DomainError> {
  const to = mail.attachedTo;
  const named = to && (await seesClient(ctx, to.clientId)) ? { clientId: to.clientId, messageId: to.messageId } : {};
  return conflict('already_attached', `Mail ${mail.id} is attached to a thread already.`, named);
}

const seesClient = (ctx: UseCaseContext, clientId: string) =>
  visibleClient(ctx, clientId, 'client:read').then(
    () => true,
    (error: unknown) => {
      if (error instanceof DomainError && error.kind === 'not_found') return false;
      throw error;
    },
  );
