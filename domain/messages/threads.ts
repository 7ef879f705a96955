import { createHmac } from 'node:crypto';
import { normaliseEmail } from '../clients/client';
import { safeEqual } from '../integrations/signatures';

/**
 * Threads of the communication hub (#14 items 1–2, DESIGN §11): the per-thread Reply-To address
 * an outbound email carries, and the rules that find the thread of an inbound one. Pure: the
 * secret, the random bytes and the lookups are arguments.
 */

export interface ThreadRef {
  tenantId: string;
  clientId: string;
  threadId: string;
}

// ── base32 ────────────────────────────────────────────────────────────────────────────────────

/**
 * RFC 4648 base32, lower case, no padding. Lower case because mail systems may lower-case a
 * local part (RFC 5321 lets the receiver treat it as case-sensitive; many don't), and a token
 * made of `a–z2–7` reads the same either way.
 */
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

export function toBase32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32[(buffer << (5 - bits)) & 31];
  return out;
}

/**
 * The bytes of a base32 string, or undefined when it is not the canonical encoding of some
 * bytes (a foreign character, an impossible length, unused bits that are not zero): one token,
 * one spelling.
 */
export function fromBase32(s: string): Buffer | undefined {
  if (s.length % 8 === 1 || s.length % 8 === 3 || s.length % 8 === 6) return undefined;
  const out: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const c of s) {
    const v = BASE32.indexOf(c);
    if (v === -1) return undefined;
    buffer = (buffer << 5) | v;
    bits += 5;
    if (bits >= 8) {
      out.push((buffer >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
    buffer &= (1 << bits) - 1;
  }
  return buffer === 0 ? Buffer.from(out) : undefined;
}

// ── the thread address ────────────────────────────────────────────────────────────────────────

/**
 * Token layout, version 1 (pinned by a test: addresses already sent must keep working):
 *
 *   0x01 | tenant | client | thread | HMAC-SHA256(secret, "crm-thread/v1" | 0x00 | all before)[0..10)
 *
 * Each id is either `len` (0x01–0x7f) and that many UTF-8 bytes, or — for ids that end in one to
 * three lower-case ULIDs (`c_01j…`, as functions/lib/ids.ts makes them) — `0x80 | k << 4 | p`,
 * a `p`-byte prefix (`c_`) and the k ULIDs as 16 bytes each: a ULID costs 26 characters either way,
 * which keeps the local part as short as the ids allow. The MAC's 80 bits mean a forged address
 * (into another tenant's or client's thread) is accepted once in 2^80 tries, each one an email.
 */
const VERSION = 1;
const MAC_BYTES = 10;
const MAC_LABEL = Buffer.from('crm-thread/v1\0');
const PREFIX = 'reply+';
const ULID = /^[0-7][0-9a-hjkmnp-tv-z]{25}$/;
const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';

const mac = (secret: Buffer, payload: Buffer) => createHmac('sha256', secret).update(MAC_LABEL).update(payload).digest().subarray(0, MAC_BYTES);

/** A ULID's 128 bits (its 26 characters carry 130, the top two always 0). */
function ulidBytes(ulid: string): Buffer {
  let n = 0n;
  for (const c of ulid) n = (n << 5n) | BigInt(CROCKFORD.indexOf(c));
  return Buffer.from(n.toString(16).padStart(32, '0'), 'hex');
}

function ulidOf(bytes: Uint8Array): string {
  let n = BigInt(`0x${Buffer.from(bytes).toString('hex')}`);
  let out = '';
  for (let i = 0; i < 26; i++) {
    out = CROCKFORD[Number(n & 31n)] + out;
    n >>= 5n;
  }
  return out;
}

function encodeId(id: string): Buffer {
  for (let k = 3; k >= 1; k--) {
    const cut = id.length - 26 * k;
    if (cut < 0) continue;
    const prefix = Buffer.from(id.slice(0, cut), 'utf8');
    const ulids = Array.from({ length: k }, (_, i) => id.slice(cut + 26 * i, cut + 26 * (i + 1)));
    if (prefix.length <= 15 && ulids.every((u) => ULID.test(u))) return Buffer.concat([Buffer.of(0x80 | (k << 4) | prefix.length), prefix, ...ulids.map(ulidBytes)]);
  }
  const raw = Buffer.from(id, 'utf8');
  if (raw.length < 1 || raw.length > 0x7f) throw new RangeError(`A thread address id must be 1–127 bytes of UTF-8 (got ${raw.length})`);
  return Buffer.concat([Buffer.of(raw.length), raw]);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** One id read at `at`: the id and where the next one starts, or undefined when the bytes do not hold one. */
function decodeId(bytes: Buffer, at: number): { id: string; next: number } | undefined {
  const tag = bytes[at];
  if (tag === undefined || tag === 0) return undefined;
  try {
    if (tag < 0x80) {
      if (at + 1 + tag > bytes.length) return undefined;
      return { id: utf8.decode(bytes.subarray(at + 1, at + 1 + tag)), next: at + 1 + tag };
    }
    const k = (tag >> 4) & 7;
    const p = tag & 15;
    const end = at + 1 + p + 16 * k;
    if (k < 1 || k > 3 || end > bytes.length) return undefined;
    let id = utf8.decode(bytes.subarray(at + 1, at + 1 + p));
    for (let i = 0; i < k; i++) id += ulidOf(bytes.subarray(at + 1 + p + 16 * i, at + 1 + p + 16 * (i + 1)));
    return { id, next: end };
  } catch {
    return undefined;
  }
}

const isDomain = (d: string) => /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(d);

/**
 * The Reply-To address of a thread, `reply+<token>@<domain>`: replies to it find their thread
 * whatever the mail client does to In-Reply-To, and nobody can write one into a thread of
 * another tenant or client without the secret. Tenant `demo`, a `c_` client and thread `email`
 * make a 72-character local part; an `m_` message id as the thread, 118. That is above RFC
 * 5321's 64 (as GitHub's reply addresses and SRS rewrites are, which mail systems accept):
 * three ids and 80 bits of MAC do not fit in 64.
 */
export function threadAddress(secret: Buffer, thread: ThreadRef, domain: string): string {
  const d = domain.toLowerCase();
  if (!isDomain(d)) throw new RangeError(`Not a mail domain: ${domain}`);
  const payload = Buffer.concat([Buffer.of(VERSION), encodeId(thread.tenantId), encodeId(thread.clientId), encodeId(thread.threadId)]);
  return `${PREFIX}${toBase32(Buffer.concat([payload, mac(secret, payload)]))}@${d}`;
}

/** The bare address of `Name <a@b>`, `<a@b>` or `a@b`, trimmed. */
export const bareAddress = (raw: string) => {
  const angle = /<([^<>]*)>\s*$/.exec(raw);
  return (angle ? angle[1]! : raw).trim();
};

/**
 * The thread an address names, or undefined: another domain, not a `reply+` address, a token
 * that does not decode, or a MAC that none of `secrets` made (the current secret, and the
 * previous one while a rotation's replies still arrive). Case does not matter; the comparison is
 * constant-time.
 */
export function parseThreadAddress(secrets: Buffer | readonly Buffer[], address: string, domain: string): ThreadRef | undefined {
  const bare = bareAddress(address).toLowerCase();
  const at = bare.lastIndexOf('@');
  if (at === -1 || bare.slice(at + 1).replace(/\.$/, '') !== domain.toLowerCase()) return undefined;
  const local = bare.slice(0, at);
  if (!local.startsWith(PREFIX)) return undefined;
  const bytes = fromBase32(local.slice(PREFIX.length));
  if (!bytes || bytes.length <= MAC_BYTES + 1 || bytes[0] !== VERSION) return undefined;
  const payload = bytes.subarray(0, bytes.length - MAC_BYTES);
  const offered = bytes.subarray(bytes.length - MAC_BYTES);
  const keys = Buffer.isBuffer(secrets) ? [secrets] : secrets;
  // Every key is tried, matched or not: the time taken does not say which one matched.
  const matched = keys.map((key) => safeEqual(offered, mac(key, payload))).includes(true);
  if (!matched) return undefined;
  const tenant = decodeId(payload, 1);
  const client = tenant && decodeId(payload, tenant.next);
  const thread = client && decodeId(payload, client.next);
  if (!tenant || !client || !thread || thread.next !== payload.length) return undefined;
  return { tenantId: tenant.id, clientId: client.id, threadId: thread.id };
}

// ── Message-IDs ───────────────────────────────────────────────────────────────────────────────

/**
 * A Message-ID for a mail we send, `<26 lower-case Crockford characters@domain>`: 128 bits of
 * the caller's randomness written like a ULID (the caller may put a time in the first 48 bits to
 * make them sort), unique without any coordination. The thread records it so a reply's
 * In-Reply-To finds it.
 */
export function newMessageId(domain: string, random: Uint8Array): string {
  const d = domain.toLowerCase();
  if (!isDomain(d)) throw new RangeError(`Not a mail domain: ${domain}`);
  if (random.length < 16) throw new RangeError(`A Message-ID needs 16 random bytes (got ${random.length})`);
  return `<${ulidOf(random.subarray(0, 16))}@${d}>`;
}

/** The Message-IDs a header holds (`<a@b> <c@d>`, or one without brackets), each as `<…>`. */
export function messageIdsIn(header: string): string[] {
  const bracketed = header.match(/<[^<>\s]+@[^<>\s]+>/g);
  if (bracketed) return bracketed;
  const bare = header.trim();
  return /^[^<>\s@]+@[^<>\s@]+$/.test(bare) ? [`<${bare}>`] : [];
}

// ── matching inbound mail ─────────────────────────────────────────────────────────────────────

export interface InboundMail {
  to: readonly string[];
  cc: readonly string[];
  /** The SMTP envelope's recipients (SES `receipt.recipients`): a reply that Bcc'd the thread address is found through them. */
  envelopeTo?: readonly string[];
  inReplyTo?: string | undefined;
  /** The References header, as one string or split; oldest first, as RFC 5322 writes it. */
  references: readonly string[];
  from: string;
}

export interface ClientRef {
  tenantId: string;
  clientId: string;
}

/**
 * What matching reads. The lookups are async (a store read each), and matching stops at the
 * first rule that answers, so a reply to the thread address reads nothing and one with
 * In-Reply-To reads one item. Given the lookups, matching is pure.
 */
export interface InboundLookups {
  /** The secrets and domain of the thread addresses (see parseThreadAddress). */
  secrets: Buffer | readonly Buffer[];
  domain: string;
  /** The thread of a Message-ID the hub sent or received (`<…@…>`, brackets included), if it knows it. */
  threadOfMessageId: (messageId: string) => Promise<ThreadRef | undefined>;
  /** The clients, in any tenant, whose email is this one (lower-cased). */
  clientsWithEmail: (email: string) => Promise<readonly ClientRef[]>;
}

export type InboundMatch =
  | ({ rule: 'thread_address'; address: string } & ThreadRef)
  | ({ rule: 'in_reply_to' | 'references'; messageId: string } & ThreadRef)
  /** A new conversation from a known client: the caller opens (or picks) its thread. */
  | ({ rule: 'sender'; email: string } & ClientRef)
  /** The "unassigned" inbox: `candidates` are the clients the sender's email named when there were several. */
  | { rule: 'unassigned'; reason: 'no_match' | 'ambiguous_sender'; candidates: readonly ClientRef[] };

/** At most this many References are looked up (the newest): a mail with a thousand of them costs twenty reads, not a thousand. */
export const MAX_REFERENCES = 20;

/**
 * The thread or client an inbound email belongs to (#14 item 2): the thread address first (any
 * recipient: To, Cc, then the envelope; the first valid one wins), then In-Reply-To, then
 * References from the newest back, then the sender's email when exactly one client has it; else
 * the unassigned inbox (several clients with that email are as unknown as none: a person must
 * choose).
 */
export async function matchInbound(mail: InboundMail, lookups: InboundLookups): Promise<InboundMatch> {
  for (const address of [...mail.to, ...mail.cc, ...(mail.envelopeTo ?? [])]) {
    const thread = parseThreadAddress(lookups.secrets, address, lookups.domain);
    if (thread) return { rule: 'thread_address', address: bareAddress(address).toLowerCase(), ...thread };
  }
  for (const messageId of mail.inReplyTo === undefined ? [] : messageIdsIn(mail.inReplyTo)) {
    const thread = await lookups.threadOfMessageId(messageId);
    if (thread) return { rule: 'in_reply_to', messageId, ...thread };
  }
  const references = [...new Set(mail.references.flatMap(messageIdsIn))].reverse().slice(0, MAX_REFERENCES);
  for (const messageId of references) {
    const thread = await lookups.threadOfMessageId(messageId);
    if (thread) return { rule: 'references', messageId, ...thread };
  }
  const email = normaliseEmail(bareAddress(mail.from));
  if (!/^[^\s@]+@[^\s@]+$/.test(email)) return { rule: 'unassigned', reason: 'no_match', candidates: [] };
  const clients = await lookups.clientsWithEmail(email);
  if (clients.length === 1) return { rule: 'sender', email, ...clients[0]! };
  return clients.length === 0 ? { rule: 'unassigned', reason: 'no_match', candidates: [] } : { rule: 'unassigned', reason: 'ambiguous_sender', candidates: clients };
}
