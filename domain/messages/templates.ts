import { z } from 'zod';
import type { Product } from '../catalogue/products';
import type { Client } from '../clients/client';
import { invalid, type FieldError } from '../errors';
import { formatInr } from '../pipeline/money';
import type { Opportunity } from '../pipeline/opportunity';
import { isVisible, text } from '../shared/schemas';
import { parseOrThrow } from '../validation';

/**
 * Per-tenant message templates (#14 item 6, DESIGN §11): an email or WhatsApp message written
 * once with variables (`Dear {{client.ownerName}}`), validated when it is saved, previewed and
 * rendered before every send. Pure: the client, opportunity, product and sender are arguments.
 *
 * Syntax: `{{name}}`, spaces inside the braces allowed (`{{ client.city }}`). There is no escape
 * for a literal `{{`: every `{{` opens a variable, so a saved template holds no stray braces and a
 * rendered message never shows one. Single braces are ordinary text.
 */

/** The variables a template may use; anything else is refused when the template is saved. */
export const templateVariables = [
  'client.ownerName',
  'client.companyName',
  'client.city',
  /** The opportunity's product, by its catalogue name (`Website`). */
  'opportunity.product',
  /** The deal value in rupees, Indian grouping (`₹15,000`). */
  'opportunity.value',
  /** The sender. */
  'staff.name',
  /** The sender's phone; staff records may not have one, so a template using it fails on those. */
  'staff.phone',
] as const;
export type TemplateVariable = (typeof templateVariables)[number];

const isTemplateVariable = (name: string): name is TemplateVariable => (templateVariables as readonly string[]).includes(name);

/** The same name rule as `SendMessageInput.template` (domain/messages/message.ts), so a saved template can be named in a send. */
export const TemplateName = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must be a template name: lower-case letters, digits, - or _, up to 64');

/** Meta's template names: lower-case letters, digits and underscores, at most 512 characters. */
const MetaTemplateName = z.string().regex(/^[a-z0-9_]{1,512}$/, 'must be the approved template name as Meta shows it: lower-case letters, digits and _');

/** Meta's language codes: a language (`en`, `ml`, `fil`) and optionally a region (`en_US`, `pt_BR`). */
const MetaLanguage = z.string().regex(/^[a-z]{2,3}(_[A-Z]{2})?$/, 'must be a language code as Meta writes it, like en, en_US or ml');

/** Meta refuses a free-form text message longer than 4096 characters. */
export const WHATSAPP_TEXT_MAX = 4096;

export const TemplateInput = z.strictObject({
  name: TemplateName,
  channel: z.enum(['email', 'whatsapp']),
  /** Email only, and required there. Single-line text: a header never carries a line break. */
  subject: text({ max: 200 }).optional(),
  /** The plain-text body: an email's text part, or a WhatsApp free-form message (within the 24-hour window). */
  text: text({ max: 20_000, multiline: true }),
  /** Email only: the HTML part, beside `text`. */
  html: text({ max: 200_000, multiline: true }).optional(),
  /**
   * WhatsApp only: the Meta-approved template sent outside the 24-hour window. `parameters[i]`
   * fills the approved body's `{{i+1}}` and may use our variables (`{{client.ownerName}}`).
   */
  whatsapp: z
    .strictObject({
      templateName: MetaTemplateName,
      language: MetaLanguage,
      parameters: z.array(text({ max: 1024 })).max(32).default([]),
    })
    .optional(),
});
export type TemplateInput = z.infer<typeof TemplateInput>;

// ── parsing the variables ──────────────────────────────────────────────────────────────────────

export type Segment = { kind: 'literal'; text: string } | { kind: 'variable'; name: TemplateVariable };
interface TemplateSyntaxError {
  code: 'malformed_variable' | 'unknown_variable';
  message: string;
}

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
const allowed = templateVariables.map((v) => `{{${v}}}`).join(', ');

/** A part of a template split into literal text and variables, with every syntax error found on the way. */
export function segmentsOf(source: string): { segments: Segment[]; errors: TemplateSyntaxError[] } {
  const segments: Segment[] = [];
  const errors: TemplateSyntaxError[] = [];
  let literal = '';
  let i = 0;
  while (i < source.length) {
    const open = source.indexOf('{{', i);
    const close = source.indexOf('}}', i);
    if (close !== -1 && (open === -1 || close < open)) {
      errors.push({ code: 'malformed_variable', message: `has "}}" with no "{{" before it (at character ${close + 1})` });
      literal += source.slice(i, close + 2);
      i = close + 2;
      continue;
    }
    if (open === -1) {
      literal += source.slice(i);
      break;
    }
    literal += source.slice(i, open);
    const end = source.indexOf('}}', open + 2);
    const reopen = source.indexOf('{{', open + 2);
    if (end === -1 || (reopen !== -1 && reopen < end)) {
      errors.push({ code: 'malformed_variable', message: `has "{{" with no "}}" after it (at character ${open + 1})` });
      literal += '{{';
      i = open + 2;
      continue;
    }
    const name = source.slice(open + 2, end).trim();
    if (/^\d+$/.test(name)) {
      // Meta's numbered placeholders belong to the approved template, not to ours.
      errors.push({ code: 'malformed_variable', message: `has {{${name}}}, a placeholder of Meta's approved template: name one of our variables here (${allowed}) and fill Meta's {{${name}}} through whatsapp.parameters` });
    } else if (!VARIABLE_NAME.test(name)) {
      errors.push({ code: 'malformed_variable', message: `has "${source.slice(open, end + 2)}", which is not a variable: write one of ${allowed}` });
    } else if (!isTemplateVariable(name)) {
      errors.push({ code: 'unknown_variable', message: `has {{${name}}}, which is not a template variable: use one of ${allowed}` });
    } else {
      if (literal) segments.push({ kind: 'literal', text: literal });
      literal = '';
      segments.push({ kind: 'variable', name });
    }
    i = end + 2;
  }
  if (literal) segments.push({ kind: 'literal', text: literal });
  return { segments, errors };
}

/** Every part of a template that may hold variables, with its field path. */
function partsOf(t: TemplateInput): { field: string; source: string }[] {
  return [
    ...(t.subject === undefined ? [] : [{ field: 'subject', source: t.subject }]),
    { field: 'text', source: t.text },
    ...(t.html === undefined ? [] : [{ field: 'html', source: t.html }]),
    ...(t.whatsapp?.parameters ?? []).map((source, i) => ({ field: `whatsapp.parameters.${i}`, source })),
  ];
}

/** The variables a template uses, each once, in order of first use (a send needs an opportunity when `opportunity.*` is among them). */
export function variablesOf(t: TemplateInput): TemplateVariable[] {
  const names = partsOf(t).flatMap(({ source }) => segmentsOf(source).segments.flatMap((s) => (s.kind === 'variable' ? [s.name] : [])));
  return [...new Set(names)];
}

// ── validating ────────────────────────────────────────────────────────────────────────────────

/** HTML that shows nothing: no text once tags, comments and `&nbsp;` are gone, and no image. */
const showsNothing = (html: string) =>
  !/<img\b/i.test(html) &&
  !isVisible(
    html
      .replace(/<!--[\s\S]*?-->/g, '')
      .replace(/<[^>]*>/g, '')
      .replace(/&(nbsp|#160|#xa0|zwnj|zwj|#8203);/gi, ''),
  );

/**
 * The rules a parsed template must also keep, as field errors under `where` (none when it is
 * fine): every variable known and well-formed, an email with a subject, each channel only with
 * its own parts, an HTML part that shows something, a WhatsApp text Meta accepts.
 */
export function validateTemplate(t: TemplateInput, where = 'body'): FieldError[] {
  const at = (field: string) => (where ? `${where}.${field}` : field);
  const errors: FieldError[] = [];
  if (t.channel === 'email') {
    if (t.subject === undefined) errors.push({ field: at('subject'), code: 'required', message: 'is required for an email template' });
    if (t.whatsapp !== undefined) errors.push({ field: at('whatsapp'), code: 'not_applicable', message: 'belongs to a WhatsApp template, not an email one' });
  } else {
    if (t.subject !== undefined) errors.push({ field: at('subject'), code: 'not_applicable', message: 'WhatsApp messages have no subject' });
    if (t.html !== undefined) errors.push({ field: at('html'), code: 'not_applicable', message: 'WhatsApp messages have no HTML' });
    if (t.text.length > WHATSAPP_TEXT_MAX) errors.push({ field: at('text'), code: 'too_big', message: `must be at most ${WHATSAPP_TEXT_MAX} characters for WhatsApp` });
  }
  if (t.html !== undefined && showsNothing(t.html)) errors.push({ field: at('html'), code: 'empty', message: 'shows nothing: no text and no image once the tags are gone' });
  for (const { field, source } of partsOf(t)) {
    for (const e of segmentsOf(source).errors) errors.push({ field: at(field), code: e.code, message: e.message });
  }
  return errors;
}

/** A template from the request body: the schema, then the template's own rules; a 422 listing every offending field. */
export function parseTemplate(raw: unknown, where = 'body'): TemplateInput {
  const template = parseOrThrow(TemplateInput, raw, where);
  const errors = validateTemplate(template, where);
  if (errors.length > 0) throw invalid(errors);
  return template;
}

// ── rendering ─────────────────────────────────────────────────────────────────────────────────

/** What a template is rendered with: the client, the deal it is sent for (if any) with its product, and the sender. */
export interface RenderContext {
  client: Pick<Client, 'ownerName' | 'companyName' | 'city'>;
  opportunity?: Pick<Opportunity, 'productId' | 'dealValue'> | undefined;
  /** The opportunity's product (its name is `opportunity.product`). */
  product?: Pick<Product, 'id' | 'name'> | undefined;
  staff: { name: string; phone?: string | undefined };
}

export interface RenderedMessage {
  subject?: string;
  text: string;
  html?: string;
  /** Meta's `{{1}}`, `{{2}}`… in order, when the template has an approved WhatsApp template. */
  whatsappParameters?: string[];
}

type Lookup = { value: string } | { missing: string };

/** A variable's value, or why there is none (a blank value is none: a message never says "Dear ,"). */
function valueOf(name: TemplateVariable, ctx: RenderContext): Lookup {
  const present = (value: string | undefined, missing: string): Lookup => (value !== undefined && isVisible(value) ? { value } : { missing });
  switch (name) {
    case 'client.ownerName':
      return present(ctx.client.ownerName, "the client has no owner's name");
    case 'client.companyName':
      return present(ctx.client.companyName, 'the client has no company name');
    case 'client.city':
      return present(ctx.client.city, 'the client has no city');
    case 'opportunity.product':
      if (!ctx.opportunity) return { missing: 'the message is not sent for an opportunity' };
      if (!ctx.product || ctx.product.id !== ctx.opportunity.productId) return { missing: "the opportunity's product is not in the catalogue" };
      return present(ctx.product.name, 'the product has no name');
    case 'opportunity.value':
      return ctx.opportunity ? { value: formatInr(ctx.opportunity.dealValue) } : { missing: 'the message is not sent for an opportunity' };
    case 'staff.name':
      return present(ctx.staff.name, 'the sender has no name');
    case 'staff.phone':
      return present(ctx.staff.phone, 'the sender has no phone number');
  }
}

/** Text made safe inside HTML content and quoted attributes; braces too, so no page templating (Angular, Vue) reads a value as code. */
export const escapeHtml = (s: string) =>
  s.replace(/[&<>"'{}]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '{': '&#123;', '}': '&#125;' })[c]!);

/** How a value is written into each part: escaped in HTML only, on one line in a subject, as it is elsewhere. */
const writers = {
  text: (v: string) => v,
  html: escapeHtml,
  // A header never carries a line break (header injection), whatever a value holds.
  subject: (v: string) => v.replace(/[\r\n\u2028\u2029]+/g, ' '),
} as const;

/**
 * The message a template makes for one client: every variable replaced in one pass (a value that
 * itself holds `{{…}}` is not expanded again). Values are HTML-escaped in `html` and written as
 * they are in `text`. A variable without a value is an error naming it (`missing_value`, field =
 * the variable), never an empty string; so is a template that does not parse. A preview is this
 * with the context the caller picks.
 */
export function renderTemplate(t: TemplateInput, ctx: RenderContext): RenderedMessage {
  const syntax: FieldError[] = [];
  const missing = new Map<TemplateVariable, string>();
  const render = (field: string, source: string, write: (v: string) => string) => {
    const { segments, errors } = segmentsOf(source);
    for (const e of errors) syntax.push({ field: `template.${field}`, code: e.code, message: e.message });
    return segments
      .map((s) => {
        if (s.kind === 'literal') return s.text;
        const found = valueOf(s.name, ctx);
        if ('missing' in found) {
          if (!missing.has(s.name)) missing.set(s.name, found.missing);
          return '';
        }
        return write(found.value);
      })
      .join('');
  };
  const message: RenderedMessage = {
    ...(t.subject !== undefined && { subject: render('subject', t.subject, writers.subject) }),
    text: render('text', t.text, writers.text),
    ...(t.html !== undefined && { html: render('html', t.html, writers.html) }),
    ...(t.whatsapp && {
      // Meta refuses a parameter with a line break, a tab or more than four spaces in a row: runs of white space become one space.
      whatsappParameters: t.whatsapp.parameters.map((p, i) => render(`whatsapp.parameters.${i}`, p, writers.text).replace(/\s+/g, ' ').trim()),
    }),
  };
  if (syntax.length > 0) throw invalid(syntax, 'The template does not parse; fix it before sending.');
  if (missing.size > 0) {
    throw invalid(
      [...missing].map(([name, why]) => ({ field: name, code: 'missing_value', message: `{{${name}}} has no value: ${why}` })),
      'The template needs values this message does not have.',
    );
  }
  return message;
}

/** A context for previewing a template before any client is chosen: sample values, every variable filled. */
export const sampleContext: RenderContext = {
  client: { ownerName: 'Anitha Menon', companyName: 'Menon Jewellers', city: 'Thrissur' },
  opportunity: { productId: 'jewellery', dealValue: 3_000_000 },
  product: { id: 'jewellery', name: 'Jewellery' },
  staff: { name: 'Rahul Nair', phone: '+919876543210' },
};
