import type { Readable } from 'node:stream';
import { simpleParser, type AddressObject } from 'mailparser';
import sanitizeHtml from 'sanitize-html';

/**
 * An arriving email read into what the communication hub stores (issue #14, DESIGN §11): the
 * thread headers that match it to its thread (Message-ID, In-Reply-To, References), the
 * addresses, the text, the HTML — sanitised here, so nothing downstream ever holds what arrived as
 * is — and the attachments' bytes. The same function reads SES's S3 objects in AWS and the local
 * SMTP listener's messages (scripts/local/smtp.ts).
 */
export interface InboundMail {
  /** As written, with angle brackets: `<id@domain>`. */
  messageId?: string;
  inReplyTo?: string;
  /** Oldest first, as the sender listed them. */
  references: string[];
  /** Addresses lower-cased (they are matched against clients' emails); groups flattened. */
  from: { address: string; name?: string };
  to: string[];
  cc: string[];
  subject: string;
  date?: Date;
  /** The plain-text part, or the text mailparser derives from the HTML when there is none. */
  text: string;
  /** Sanitised (sanitizeEmailHtml). */
  html?: string;
  attachments: InboundAttachment[];
}

export interface InboundAttachment {
  filename: string;
  contentType: string;
  size: number;
  content: Buffer;
  /** Without angle brackets, as `cid:` URLs in the HTML name it. */
  contentId?: string;
}

export interface InboundLimits {
  maxBytes: number;
  maxAttachments: number;
}

/** SES receiving accepts more; 25 MB is what the common providers let anyone send. */
export const MAX_INBOUND_BYTES = 25 * 1024 * 1024;
export const MAX_INBOUND_ATTACHMENTS = 20;
const DEFAULT_LIMITS: InboundLimits = { maxBytes: MAX_INBOUND_BYTES, maxAttachments: MAX_INBOUND_ATTACHMENTS };
// past this, mailparser leaves the HTML without a derived text rather than spend seconds on it
const MAX_HTML_TO_TEXT_CHARS = 2_000_000;

export type InboundMailErrorCode = 'message_too_large' | 'too_many_attachments' | 'no_sender';

/** Why an arriving message is refused as a whole: the message is for the logs and the bounce. */
export class InboundMailError extends Error {
  override readonly name = 'InboundMailError';
  constructor(
    readonly code: InboundMailErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * What may be rendered of an email's HTML: formatting, lists, tables, links (http, https, mailto;
 * opened in a new tab without a referrer) and images (https, or `cid:` for the message's own
 * attachments). Everything else goes: scripts, <style> and style attributes (CSS can load URLs and
 * overlay the CRM's own UI), event handlers, ids and classes (they could clobber the page's),
 * iframes, forms, SVG and MathML (whole subtrees: they carry scripts of their own), and any URL
 * without an allowed scheme — relative ones too, which would resolve against the CRM's origin.
 */
const SANITIZE: sanitizeHtml.IOptions = {
  allowedTags: [
    'a', 'abbr', 'b', 'blockquote', 'br', 'caption', 'code', 'col', 'colgroup', 'dd', 'del', 'div', 'dl', 'dt', 'em',
    'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'i', 'img', 'ins', 'li', 'ol', 'p', 'pre', 'q', 's', 'small', 'span',
    'strike', 'strong', 'sub', 'sup', 'table', 'tbody', 'td', 'tfoot', 'th', 'thead', 'tr', 'u', 'ul',
  ],
  allowedAttributes: {
    a: ['href', 'title', 'target', 'rel'],
    img: ['src', 'alt', 'title', 'width', 'height'],
    td: ['colspan', 'rowspan', 'align', 'valign'],
    th: ['colspan', 'rowspan', 'align', 'valign'],
    ol: ['start'],
  },
  allowedSchemes: [],
  allowedSchemesByTag: { a: ['http', 'https', 'mailto'], img: ['https', 'cid'] },
  allowedSchemesAppliedToAttributes: ['href', 'src', 'cite'],
  allowProtocolRelative: false,
  // these lose their content with the tag, not just the tag
  nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'title', 'head', 'svg', 'math', 'iframe', 'object', 'template', 'select', 'button'],
  transformTags: {
    // sanitize-html lets scheme-less URLs through: only absolute ones with an allowed scheme stay
    a: (tagName, attribs) => {
      const { href, title } = attribs;
      return {
        tagName,
        attribs: {
          ...(href !== undefined && /^(https?:|mailto:)/i.test(href.trim()) && { href: href.trim(), target: '_blank', rel: 'noopener noreferrer nofollow' }),
          ...(title !== undefined && { title }),
        },
      };
    },
    img: (tagName, attribs) => {
      const { src, ...rest } = attribs;
      return { tagName, attribs: { ...rest, ...(src !== undefined && /^(https:|cid:)/i.test(src.trim()) && { src: src.trim() }) } };
    },
  },
  // an image with nothing to show is dropped rather than left as a broken box
  exclusiveFilter: (frame) => frame.tag === 'img' && !frame.attribs.src,
};

export function sanitizeEmailHtml(html: string): string {
  return sanitizeHtml(html, SANITIZE);
}

export async function parseInbound(raw: Buffer | Readable, limits: InboundLimits = DEFAULT_LIMITS): Promise<InboundMail> {
  const bytes = await readCapped(raw, limits.maxBytes);
  const mail = await simpleParser(bytes, {
    // keep `cid:` URLs (the default turns them into data: URIs, which the sanitiser drops)
    keepCidLinks: true,
    skipTextToHtml: true,
    skipTextLinks: true,
    maxHtmlLengthToParse: MAX_HTML_TO_TEXT_CHARS,
  });
  if (mail.attachments.length > limits.maxAttachments) {
    throw new InboundMailError('too_many_attachments', `The message has ${mail.attachments.length} attachments; at most ${limits.maxAttachments} are accepted.`);
  }
  const sender = addresses(mail.from)[0];
  if (!sender?.address) throw new InboundMailError('no_sender', 'The message has no From address.');
  const references = typeof mail.references === 'string' ? [mail.references] : (mail.references ?? []);
  return {
    ...(mail.messageId && { messageId: mail.messageId }),
    ...(mail.inReplyTo && { inReplyTo: mail.inReplyTo }),
    references,
    from: { address: sender.address, ...(sender.name && { name: sender.name }) },
    to: addresses(mail.to).map((a) => a.address),
    cc: addresses(mail.cc).map((a) => a.address),
    subject: mail.subject ?? '',
    ...(mail.date && { date: mail.date }),
    text: mail.text ?? '',
    ...(typeof mail.html === 'string' && { html: sanitizeEmailHtml(mail.html) }),
    attachments: mail.attachments.map((a, i) => ({
      filename: a.filename ?? `attachment-${i + 1}`,
      contentType: a.contentType,
      size: a.size,
      content: a.content,
      ...(a.cid && { contentId: a.cid }),
    })),
  };
}

/** Every mailbox of an address header, groups flattened; entries without an address (a bare group name) left out. */
function addresses(header: AddressObject | AddressObject[] | undefined): { address: string; name: string }[] {
  const objects = header === undefined ? [] : Array.isArray(header) ? header : [header];
  const flat = objects.flatMap((o) => o.value).flatMap((e) => (e.group ? e.group : [e]));
  return flat.filter((e) => !!e.address).map((e) => ({ address: e.address!.toLowerCase(), name: e.name }));
}

async function readCapped(raw: Buffer | Readable, maxBytes: number): Promise<Buffer> {
  const tooLarge = (n: string) => new InboundMailError('message_too_large', `The message is ${n} bytes; at most ${maxBytes} are accepted.`);
  if (Buffer.isBuffer(raw)) {
    if (raw.length > maxBytes) throw tooLarge(String(raw.length));
    return raw;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of raw) {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    size += b.length;
    // leaving the loop destroys the stream: the rest is never read
    if (size > maxBytes) throw tooLarge(`more than ${maxBytes}`);
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}
