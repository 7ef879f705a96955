import type { Readable } from 'node:stream';
// @ts-expect-error html-to-text ships no types (it comes with mailparser); the one function used is typed below
import { convert } from 'html-to-text';
import MailComposer from 'nodemailer/lib/mail-composer';

/**
 * A communication-hub email as bytes (issue #14, DESIGN §11): a real MIME document built by
 * nodemailer's MailComposer — multipart/alternative (text, then HTML), inside multipart/mixed when
 * there are attachments — with the Message-ID the thread records, In-Reply-To/References on a
 * reply, and the per-thread Reply-To address that routes the answer back to its thread. The
 * Mailer port (mailer.ts) only delivers these bytes.
 *
 * Every value that becomes a header is checked first: a CR, LF or NUL in one is refused with a
 * MailComposeError (header injection), never folded or stripped, so what the caller asked for is
 * either sent as it is or not at all.
 */
export interface ComposeMessageInput {
  from: { name: string; address: string };
  to: readonly string[];
  cc?: readonly string[];
  /** The thread's own address (replies to it find their thread). */
  replyTo: string;
  subject: string;
  /** The plain-text part; generated from `html` when only that is given. */
  text?: string;
  html?: string;
  attachments?: readonly { filename: string; contentType: string; content: Buffer | Readable }[];
  /** `<id@domain>` (the angle brackets are added when missing). */
  messageId: string;
  /** The Message-ID answered, on a reply. */
  inReplyTo?: string;
  /** The thread's Message-IDs, oldest first, on a reply. */
  references?: readonly string[];
  /** Extra headers (`X-CRM-Thread`); none may replace one this module sets. */
  headers?: Readonly<Record<string, string>>;
  /** The Date header; the current time when not given. */
  date?: Date;
}

export type MailComposeErrorCode = 'header_injection' | 'invalid_address' | 'invalid_message_id' | 'invalid_header' | 'no_body' | 'no_recipients';

export class MailComposeError extends Error {
  override readonly name = 'MailComposeError';
  constructor(
    readonly code: MailComposeErrorCode,
    /** The input field at fault: `subject`, `to[1]`, `headers.X-Thread`. */
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** Headers this module writes itself: a caller's `headers` may not name them (a second From or Bcc). */
const OWN_HEADERS = new Set(
  ['from', 'sender', 'to', 'cc', 'bcc', 'reply-to', 'subject', 'message-id', 'in-reply-to', 'references', 'date', 'mime-version', 'content-type', 'content-transfer-encoding', 'content-disposition'],
);
/** RFC 5322 field-name: printable ASCII except the colon. */
const HEADER_NAME = /^[!-9;-~]+$/;
/** One bare addr-spec, nothing that an address parser could read as a second recipient or a display name. */
const ADDRESS = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:"]+$/;
const MESSAGE_ID = /^<?[^\s<>]+@[^\s<>]+>?$/;
// CR and LF end a header line; NUL ends a C string in some MTAs
const LINE_BREAK = /[\r\n\0]/;

const htmlToText = convert as (html: string, options?: object) => string;

function headerSafe(field: string, value: string): string {
  if (LINE_BREAK.test(value)) throw new MailComposeError('header_injection', field, `${field} contains a line break (CR, LF or NUL); it would start a new header.`);
  return value;
}

function address(field: string, value: string): string {
  headerSafe(field, value);
  if (!ADDRESS.test(value)) throw new MailComposeError('invalid_address', field, `${field} is not one email address: ${JSON.stringify(value)}.`);
  return value;
}

function messageIdOf(field: string, value: string): string {
  headerSafe(field, value);
  if (!MESSAGE_ID.test(value)) throw new MailComposeError('invalid_message_id', field, `${field} is not a Message-ID (<id@domain>): ${JSON.stringify(value)}.`);
  return value.startsWith('<') ? value : `<${value}>`;
}

function extraHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  for (const [name, value] of Object.entries(headers)) {
    const field = `headers.${name}`;
    headerSafe(field, name);
    if (!HEADER_NAME.test(name)) throw new MailComposeError('invalid_header', field, `${JSON.stringify(name)} is not a header name.`);
    if (OWN_HEADERS.has(name.toLowerCase())) throw new MailComposeError('invalid_header', field, `${name} is set by the composer and may not be given as an extra header.`);
    headerSafe(field, value);
  }
  return { ...headers };
}

/** The plain-text alternative of an HTML-only message: links kept as `text [url]`, images left out. */
export function textFromHtml(html: string): string {
  return htmlToText(html, { wordwrap: 78, selectors: [{ selector: 'img', format: 'skip' }, { selector: 'a', options: { hideLinkHrefIfSameAsText: true } }] });
}

export async function composeMessage(m: ComposeMessageInput): Promise<Buffer> {
  if (m.to.length === 0) throw new MailComposeError('no_recipients', 'to', 'A message needs at least one To address.');
  if (m.text === undefined && m.html === undefined) throw new MailComposeError('no_body', 'text', 'A message needs a text or an HTML body.');
  const mail = new MailComposer({
    from: { name: headerSafe('from.name', m.from.name), address: address('from.address', m.from.address) },
    to: m.to.map((a, i) => address(`to[${i}]`, a)),
    ...(m.cc?.length && { cc: m.cc.map((a, i) => address(`cc[${i}]`, a)) }),
    replyTo: address('replyTo', m.replyTo),
    subject: headerSafe('subject', m.subject),
    messageId: messageIdOf('messageId', m.messageId),
    ...(m.inReplyTo !== undefined && { inReplyTo: messageIdOf('inReplyTo', m.inReplyTo) }),
    ...(m.references?.length && { references: m.references.map((r, i) => messageIdOf(`references[${i}]`, r)) }),
    ...(m.date && { date: m.date }),
    text: m.text ?? textFromHtml(m.html!),
    ...(m.html !== undefined && { html: m.html }),
    attachments: (m.attachments ?? []).map((a, i) => ({
      filename: headerSafe(`attachments[${i}].filename`, a.filename),
      contentType: headerSafe(`attachments[${i}].contentType`, a.contentType),
      content: a.content,
      contentDisposition: 'attachment',
    })),
    ...(m.headers && { headers: extraHeaders(m.headers) }),
    // the content is what the caller handed over: never a path or URL for the composer to read
    disableFileAccess: true,
    disableUrlAccess: true,
    // RFC 5322 line ends, whatever the text and HTML were written with
    newline: 'win',
  });
  return mail.compile().build();
}
