import { z } from 'zod';
import { safeFilename } from './attachments';
import { Attachment } from './message';
import { bareAddress, parseThreadAddress, type ThreadRef } from './threads';

/**
 * Where inbound email may arrive (#14 item 2, DESIGN §11), and the "unassigned" inbox of what no
 * rule matched. The tenant always comes from the address the mail was delivered to — a thread
 * address (tenant, client and thread under the thread key's MAC) or a tenant's inbox address,
 * `inbox+<tenant>@<reply domain>` (staff Bcc or forward clients' mail there) — never from what the
 * mail says about itself. Any other recipient is refused. Pure: secrets and domain are arguments.
 */

const INBOX_PREFIX = 'inbox+';
/** A tenant id (domain/access/roles.ts Slug). */
const TENANT = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** The tenant's inbox address: mail Bcc'd or forwarded here is matched to its thread, or waits in the inbox. */
export function inboxAddress(tenantId: string, domain: string): string {
  if (!TENANT.test(tenantId)) throw new RangeError(`Not a tenant id: ${tenantId}`);
  return `${INBOX_PREFIX}${tenantId}@${domain.toLowerCase()}`;
}

export type Recipient = ({ kind: 'thread'; address: string } & ThreadRef) | { kind: 'inbox'; address: string; tenantId: string };

/**
 * What a recipient address names, or undefined: another domain, another local part, a thread
 * token that does not verify (a forged or damaged one is as unknown as a stranger's address).
 * Case does not matter; a trailing dot on the domain is ignored.
 */
export function recipientOf(address: string, opts: { secrets: Buffer | readonly Buffer[]; domain: string }): Recipient | undefined {
  const bare = bareAddress(address).toLowerCase();
  const thread = parseThreadAddress(opts.secrets, bare, opts.domain);
  if (thread) return { kind: 'thread', address: bare, ...thread };
  const at = bare.lastIndexOf('@');
  if (at === -1 || bare.slice(at + 1).replace(/\.$/, '') !== opts.domain.toLowerCase()) return undefined;
  const local = bare.slice(0, at);
  if (!local.startsWith(INBOX_PREFIX)) return undefined;
  const tenantId = local.slice(INBOX_PREFIX.length);
  return TENANT.test(tenantId) ? { kind: 'inbox', address: bare, tenantId } : undefined;
}

/**
 * The recipient each tenant's copy is delivered through: one copy per tenant (a mail to a thread
 * address that also Cc'd the tenant's inbox is one message), the thread address winning over the
 * inbox address; the first of each kind, in envelope order.
 */
export function deliveriesByTenant(recipients: readonly Recipient[]): Recipient[] {
  const byTenant = new Map<string, Recipient>();
  for (const r of recipients) {
    const held = byTenant.get(r.tenantId);
    if (!held || (held.kind === 'inbox' && r.kind === 'thread')) byTenant.set(r.tenantId, r);
  }
  return [...byTenant.values()];
}

// ── stored files ──────────────────────────────────────────────────────────────────────────────

/**
 * Where the n-th file (1-based) of an inbound message is stored in the media bucket: beside the
 * client's uploads (attachments.ts), in a folder of the message — or of the inbox mail, under
 * `unassigned`, until someone attaches it (the key stays: it is only ever read through its message).
 */
export const inboundAttachmentKey = (tenantId: string, owner: { clientId: string } | 'unassigned', messageId: string, n: number, filename: string) =>
  `messages/${tenantId}/${owner === 'unassigned' ? 'unassigned' : owner.clientId}/${messageId}/${n}-${safeFilename(filename)}`;

// ── the unassigned inbox ──────────────────────────────────────────────────────────────────────

const ULID = '[0-9a-hjkmnp-tv-z]{26}';
export const inboxMailIdPattern = new RegExp(`^im_${ULID}$`);

/** Why a mail waits in the inbox: no rule matched; several clients have the sender's email; the thread address names a client that is gone. */
export const InboxReason = z.enum(['no_match', 'ambiguous_sender', 'unknown_client']);

/** An email no rule matched, as it arrived (HTML sanitised), until someone attaches it to a client's thread. */
export const InboxMail = z
  .object({
    id: z.string(),
    /** The address it was delivered to (the tenant's inbox, or a thread address). */
    recipient: z.string(),
    reason: InboxReason,
    from: z.string(),
    fromName: z.string().optional(),
    to: z.array(z.string()),
    cc: z.array(z.string()),
    subject: z.string(),
    text: z.string(),
    html: z.string().optional(),
    attachments: z.array(Attachment),
    /** Its Message-ID (or a digest of its bytes when it had none): the message it becomes keeps it. */
    providerMessageId: z.string(),
    inReplyTo: z.string().optional(),
    references: z.array(z.string()),
    receivedAt: z.string(),
    status: z.enum(['unassigned', 'attached']),
    /** Set once attached: where it went, who put it there, and when. */
    attachedTo: z.object({ clientId: z.string(), messageId: z.string(), opportunityId: z.string().optional(), by: z.string(), at: z.string() }).optional(),
    version: z.number().int().positive(),
  })
  .meta({ id: 'InboxMail' });
export type InboxMail = z.infer<typeof InboxMail>;

/** POST /v1/inbox/{id}/attach */
export const AttachInboxMailInput = z.strictObject({
  clientId: z.string().regex(/^c_[0-9a-hjkmnp-tv-z]{26}$/, 'is not a client id'),
  opportunityId: z.string().regex(new RegExp(`^o_${ULID}${ULID}$`), 'is not an opportunity id').optional(),
});
export type AttachInboxMailInput = z.infer<typeof AttachInboxMailInput>;
