import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { authorize } from '../../../domain/access/policy';
import { conflict, forbidden, invalid } from '../../../domain/errors';
import { mayMessage } from '../../../domain/messages/whatsapp/consent';
import { assertRecipient, type Message, type SendMessageInput } from '../../../domain/messages/message';
import { newMessageId, threadAddress } from '../../../domain/messages/threads';
import { templateMessage, textMessage, type TemplateMessageRequest, type TextMessageRequest } from '../../../domain/messages/whatsapp/outbound';
import { assertCanSend, serviceWindow } from '../../../domain/messages/whatsapp/window';
import type { z } from 'zod';
import { composeMessage } from '../mail/compose-message';
import type { Mailer } from '../mail/mailer';
import { ids } from '../ids';
import { visibleClient } from './clients';
import type { UseCaseContext } from './context';
import { addEvent } from './events';
import { visibleOpportunity } from './opportunities';
import { attachmentContents, checkAttachments, storedAttachments } from './attachments';
import { assertWithin, countInMinute } from './rate-limit';
import { renderFor, templateForSend } from './templates';

/**
 * Sending a message from a client's thread (#14 item 1, DESIGN §11). Email: real MIME (the
 * thread's own Reply-To, so a reply finds its thread; In-Reply-To/References to the last message
 * the client sent), through the mailer (SES v2 in AWS, `.local/outbox/*.eml` locally). WhatsApp:
 * free text only within 24 h of the client's last inbound message (409 `outside_service_window`
 * otherwise, unless a template's Meta-approved part can go), through the WhatsApp port (the Cloud
 * API; `.local/outbox/whatsapp/*.json` locally). A `template` is one of the tenant's
 * (use-cases/templates.ts), rendered for the client, deal and sender. A message sent for a deal is
 * logged there as a completed Message event (auto-tracking).
 *
 * Not yet here (the rest of #14): consent records, the
 * routes, the Cloud API adapter, inbound mail and WhatsApp.
 */
export interface WhatsAppPort {
  /** Sends one Cloud API message (free text, or an approved template); answers its wamid. */
  send(request: TextMessageRequest | TemplateMessageRequest): Promise<{ wamid: string }>;
}

export interface MessagingDeps {
  mailer: Mailer;
  /** The sender's address (a verified SES identity). */
  from: string;
  /** Where replies arrive: thread addresses are `reply+…@<replyDomain>`. */
  replyDomain: string;
  /** Signs thread addresses (domain/messages/threads.ts). */
  threadSecret: Buffer;
  whatsapp: WhatsAppPort;
  /** Messages the tenant may send a minute (MESSAGES_PER_MINUTE; default 60). */
  messagesPerMinute?: number;
}

/** The local WhatsApp port: each request as JSON under the outbox, answered with a made-up wamid. */
export function outboxWhatsApp(dir: string): WhatsAppPort {
  return {
    async send(request) {
      const wamid = `wamid.local.${randomBytes(12).toString('hex')}`;
      await mkdir(join(dir, 'whatsapp'), { recursive: true });
      await writeFile(join(dir, 'whatsapp', `${wamid}.json`), JSON.stringify(request, null, 2));
      return { wamid };
    },
  };
}

export async function sendMessage(ctx: UseCaseContext, deps: MessagingDeps, clientId: string, input: z.infer<typeof SendMessageInput>): Promise<Message> {
  authorize(ctx.actor, 'event:create');
  // What goes out cannot be taken back: the sender must be an active staff member in the role their
  // token claims before anything is sent (other writes check this in their transaction; a send's
  // email or WhatsApp message is out before the message is stored).
  const sender = await ctx.services.staff.get(ctx.actor.tenantId, ctx.actor.staffId);
  if (!sender || !sender.active || sender.role !== ctx.actor.role) throw forbidden('staff_inactive', 'Your staff record is missing, deactivated or holds another role.');
  const { client } = await visibleClient(ctx, clientId, 'client:read');
  // A deal named must be one the caller may follow up; warriors and partners send only about what was handed to them.
  const opportunity = input.opportunityId ? await visibleOpportunity(ctx, input.opportunityId, 'event:create') : undefined;
  if (opportunity && opportunity.clientId !== client.id) throw invalid([{ field: 'body.opportunityId', code: 'other_client', message: 'is a deal of another client' }]);
  if (!opportunity && (ctx.actor.role === 'warrior' || ctx.actor.role === 'partner')) throw invalid([{ field: 'body.opportunityId', code: 'required', message: 'is required: you message clients about the deals handed to you' }]);
  // A saved template (#14 item 6) stands for subject, text and HTML, rendered for this client, deal and sender (as its preview is).
  const template = input.template ? await templateForSend(ctx, input.template, input.channel) : undefined;
  const rendered = template ? await renderFor(ctx, template, client, opportunity) : undefined;
  const content = rendered ?? input;
  // Attachments are checked (their keys, what S3 holds) before the limit is taken or anything sent.
  const attachments = await checkAttachments(ctx, client.id, input.attachments);
  // The thread's latest messages, oldest first: the last inbound one opens WhatsApp's window and is what an email replies to.
  const thread = (await ctx.services.messages.latest(ctx.actor.tenantId, client.id, { limit: 50, channel: input.channel })).reverse();
  const at = ctx.now.toISOString();
  const id = ids.message(client.id);
  const base = { id, clientId: client.id, ...(opportunity && { opportunityId: opportunity.id }), channel: input.channel, direction: 'outbound' as const, ...(template && { template: template.name }), attachments: storedAttachments(attachments), createdBy: ctx.actor.staffId, createdAt: at, statusAt: at, version: 1 };

  let message: Message;
  if (input.channel === 'email') {
    const to = input.to ?? client.email;
    if (!to) throw invalid([{ field: 'body.to', code: 'required', message: 'is required: the client has no email address' }]);
    assertRecipient('email', to);
    // A client who marked our email as spam (SES's complaint) gets no more until staff record otherwise.
    if (!mayMessage(await ctx.services.messages.consent(ctx.actor.tenantId, client.id, 'email'))) {
      throw conflict('opted_out', 'The client marked an email from us as spam: no more email goes to them until they agree again.');
    }
    const lastInbound = [...thread].reverse().find((m) => m.direction === 'inbound');
    const messageId = newMessageId(deps.replyDomain, randomBytes(16));
    await takeSendSlot(ctx, deps);
    const raw = await composeMessage({
      // The client reads who wrote: the sender's name over the tenant's sending address.
      from: { name: sender.name, address: deps.from },
      to: [to],
      replyTo: threadAddress(deps.threadSecret, { tenantId: ctx.actor.tenantId, clientId: client.id, threadId: 'email' }, deps.replyDomain),
      subject: content.subject!,
      ...(content.text && { text: content.text }),
      ...(content.html && { html: content.html }),
      messageId,
      ...(lastInbound && { inReplyTo: lastInbound.providerMessageId, references: thread.map((m) => m.providerMessageId).slice(-20) }),
      date: ctx.now,
      ...(attachments.length > 0 && { attachments: await attachmentContents(ctx, attachments) }),
    });
    await deps.mailer.send({ from: deps.from, to: [to], raw, key: id, tenantId: ctx.actor.tenantId });
    message = { ...base, from: deps.from, to: [to], subject: content.subject!, text: content.text ?? '', ...(content.html && { html: content.html }), providerMessageId: messageId, ...(lastInbound && { inReplyTo: lastInbound.providerMessageId }), status: 'sent' };
  } else {
    const to = input.to ?? client.whatsapp ?? client.mobile;
    assertRecipient('whatsapp', to);
    const lastInbound = [...thread].reverse().find((m) => m.direction === 'inbound');
    if (!mayMessage(await ctx.services.messages.consent(ctx.actor.tenantId, client.id, 'whatsapp'))) {
      throw conflict('opted_out', 'The client opted out of WhatsApp messages (they sent STOP); they opt in again by sending START.');
    }
    const window = serviceWindow(lastInbound?.createdAt, ctx.now);
    // Outside the window only the template's Meta-approved part may go; a template without one waits for the client like free text.
    const approved = !window.open ? template?.whatsapp : undefined;
    assertCanSend(approved ? 'template' : 'text', window);
    const request = approved
      ? templateMessage(to, { name: approved.templateName, language: approved.language, bodyParameters: rendered?.whatsappParameters ?? [] })
      : textMessage(to, content.text!);
    await takeSendSlot(ctx, deps);
    const { wamid } = await deps.whatsapp.send(request);
    message = { ...base, from: 'whatsapp', to: [to], text: content.text!, providerMessageId: wamid, status: 'sent' };
  }
  await ctx.services.messages.create(ctx.actor.tenantId, message);
  // Auto-tracking: the deal's activity counts the message (DESIGN §3).
  if (opportunity) {
    await addEvent(ctx, opportunity.id, { type: 'Message', scheduledAt: at, status: 'Completed', remarks: input.channel === 'email' ? `Email: ${content.subject}` : 'WhatsApp message', notes: '' });
  }
  return message;
}

/**
 * One more message of the tenant's this minute (#14 item 1): over the limit is 429 with Retry-After
 * until the minute ends, and nothing is sent. Taken just before the send, once every check has
 * passed; a replay of an Idempotency-Key is answered before the use case runs and takes none.
 */
async function takeSendSlot(ctx: UseCaseContext, deps: MessagingDeps): Promise<void> {
  assertWithin(await countInMinute(ctx.services, ctx.actor.tenantId, 'messages', ctx.now), deps.messagesPerMinute ?? DEFAULT_MESSAGES_PER_MINUTE, 'messages from this tenant');
}

const DEFAULT_MESSAGES_PER_MINUTE = 60;
