import { invalid, type FieldError } from '../../errors';

/**
 * The request bodies of the Cloud API's `POST /{phone-number-id}/messages` (DESIGN §11), pure:
 * free text (inside the customer-service window, window.ts) and approved templates with their
 * parameters. The adapter posts them to the Graph API, or locally writes them to
 * `.local/outbox/whatsapp/` as they are, so what the outbox shows is what Meta would get.
 * Keys and their order follow Meta's request syntax.
 *
 * Sources: https://developers.facebook.com/documentation/business-messaging/whatsapp/messages/text-messages,
 * https://developers.facebook.com/documentation/business-messaging/whatsapp/messages/contextual-replies and, for
 * a template's components, Meta's WhatsApp Node.js SDK's Template Object
 * (https://whatsapp.github.io/WhatsApp-Nodejs-SDK/api-reference/types/TemplateObject) — fixtures/README.md.
 */

/** Meta's limit on a text message's body. */
export const MAX_TEXT_LENGTH = 4096;

const INVALID_PHONE: FieldError = { field: 'body.to', code: 'invalid_phone', message: 'must be a phone number in E.164 (+919876543210)' };

/** A WhatsApp user's number as `to` takes it: E.164 digits, without `+`, spaces or dashes. Undefined when it is not one. */
export function waRecipient(to: string): string | undefined {
  const digits = to.replace(/[\s().-]/g, '').replace(/^\+/, '');
  return /^[1-9]\d{6,14}$/.test(digits) ? digits : undefined;
}

/** The recipient, or '' with the field error noted (every field's error is reported at once). */
function recipientOf(to: string, errors: FieldError[]): string {
  const recipient = waRecipient(to);
  if (recipient === undefined) errors.push(INVALID_PHONE);
  return recipient ?? '';
}

export interface TextMessageRequest {
  messaging_product: 'whatsapp';
  recipient_type: 'individual';
  to: string;
  /** A contextual reply: the customer sees the message we answer quoted above ours. */
  context?: { message_id: string };
  type: 'text';
  text: { preview_url?: boolean; body: string };
}

/**
 * A free-text message. `previewUrl` asks WhatsApp to render a link preview of the first URL;
 * `replyTo` (a wamid) makes it a contextual reply. The body is up to 4096 characters (counted as
 * JavaScript counts them, UTF-16 units, which is never fewer than Meta's count).
 */
export function textMessage(to: string, body: string, opts: { previewUrl?: boolean; replyTo?: string } = {}): TextMessageRequest {
  const errors: FieldError[] = [];
  const recipient = recipientOf(to, errors);
  if (body.trim() === '') errors.push({ field: 'body.text', code: 'required', message: 'is required' });
  else if (body.length > MAX_TEXT_LENGTH) errors.push({ field: 'body.text', code: 'too_long', message: `must be at most ${MAX_TEXT_LENGTH} characters on WhatsApp (it has ${body.length})` });
  if (errors.length > 0) throw invalid(errors);
  return {
    messaging_product: 'whatsapp',
    recipient_type: 'individual',
    to: recipient,
    ...(opts.replyTo !== undefined && { context: { message_id: opts.replyTo } }),
    type: 'text',
    text: { ...(opts.previewUrl !== undefined && { preview_url: opts.previewUrl }), body },
  };
}

/** A template button that takes a parameter, by its position in the approved template (0-based). */
export type TemplateButton =
  /** A quick-reply button: the payload comes back in the `button` webhook when the customer taps it. */
  | { type: 'quick_reply'; index: number; payload: string }
  /** A URL button with a variable: the text is appended to the template's URL. */
  | { type: 'url'; index: number; text: string };

export interface TemplateInput {
  /** The approved template's name (lower case, digits, underscores). */
  name: string;
  /** The language it was approved in: `en`, `en_US`, `hi`. */
  language: string;
  /** `{{1}}`, `{{2}}` … of the body, in order. */
  bodyParameters: readonly string[];
  buttons?: readonly TemplateButton[];
}

type TextParameter = { type: 'text'; text: string };
type PayloadParameter = { type: 'payload'; payload: string };
export type TemplateComponent =
  | { type: 'body'; parameters: TextParameter[] }
  | { type: 'button'; sub_type: 'quick_reply'; index: string; parameters: [PayloadParameter] }
  | { type: 'button'; sub_type: 'url'; index: string; parameters: [TextParameter] };

export interface TemplateMessageRequest {
  messaging_product: 'whatsapp';
  recipient_type: 'individual';
  to: string;
  type: 'template';
  template: { name: string; language: { code: string }; components?: TemplateComponent[] };
}

/**
 * Meta refuses a template parameter holding a new line or tab, or more than four spaces in a row
 * (the template's own text may have them; the values may not).
 */
const BAD_PARAMETER = /[\n\t]| {5,}/;

/** An approved template with its parameters: the only message allowed outside the service window. */
export function templateMessage(to: string, template: TemplateInput): TemplateMessageRequest {
  const errors: FieldError[] = [];
  const recipient = recipientOf(to, errors);
  if (!/^[a-z0-9_]{1,512}$/.test(template.name)) errors.push({ field: 'body.template.name', code: 'invalid_template_name', message: 'must be an approved template name (lower case letters, digits and _)' });
  if (!/^[a-z]{2,3}(_[A-Z]{2})?$/.test(template.language)) errors.push({ field: 'body.template.language', code: 'invalid_language', message: 'must be a template language code such as en, en_US or hi' });
  template.bodyParameters.forEach((p, i) => {
    const problem = parameterProblem(p);
    if (problem) errors.push({ field: `body.template.bodyParameters.${i}`, code: 'invalid_parameter', message: problem });
  });
  const indexes = new Set<number>();
  (template.buttons ?? []).forEach((b, i) => {
    const value = b.type === 'quick_reply' ? b.payload : b.text;
    if (!Number.isInteger(b.index) || b.index < 0 || b.index > 9) errors.push({ field: `body.template.buttons.${i}.index`, code: 'invalid_index', message: 'must be the button’s position in the template, 0 to 9' });
    else if (indexes.has(b.index)) errors.push({ field: `body.template.buttons.${i}.index`, code: 'duplicate_index', message: `names button ${b.index} twice` });
    indexes.add(b.index);
    const problem = parameterProblem(value);
    if (problem) errors.push({ field: `body.template.buttons.${i}.${b.type === 'quick_reply' ? 'payload' : 'text'}`, code: 'invalid_parameter', message: problem });
  });
  if (errors.length > 0) throw invalid(errors);

  const components: TemplateComponent[] = [];
  if (template.bodyParameters.length > 0) components.push({ type: 'body', parameters: template.bodyParameters.map((text) => ({ type: 'text', text })) });
  for (const b of template.buttons ?? []) {
    components.push(
      b.type === 'quick_reply'
        ? { type: 'button', sub_type: 'quick_reply', index: String(b.index), parameters: [{ type: 'payload', payload: b.payload }] }
        : { type: 'button', sub_type: 'url', index: String(b.index), parameters: [{ type: 'text', text: b.text }] },
    );
  }
  return {
    messaging_product: 'whatsapp',
    recipient_type: 'individual',
    to: recipient,
    type: 'template',
    // A template without variables is sent without components, as Meta's examples do.
    template: { name: template.name, language: { code: template.language }, ...(components.length > 0 && { components }) },
  };
}

function parameterProblem(value: string): string | undefined {
  if (value.trim() === '') return 'must not be empty';
  if (BAD_PARAMETER.test(value)) return 'must not contain new lines, tabs or more than four spaces in a row (WhatsApp refuses them in template parameters)';
  return undefined;
}
