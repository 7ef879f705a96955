import { authorize } from '../../../domain/access/policy';
import type { Client } from '../../../domain/clients/client';
import { invalid, invalidField, type FieldError } from '../../../domain/errors';
import type { Channel } from '../../../domain/messages/message';
import { parseTemplate, renderTemplate, validateTemplate, type RenderedMessage, type TemplateInput } from '../../../domain/messages/templates';
import type { Opportunity } from '../../../domain/pipeline/opportunity';
import { visibleClient } from './clients';
import { allInOrder, assertVersion, auditOf, tenantConfig, type UseCaseContext } from './context';
import { visibleOpportunity } from './opportunities';
import type { Versioned } from './ports';

/**
 * The tenant's message templates (#14 item 6, DESIGN §11): one configuration document, replaced
 * whole by a tenant admin (If-Match, audited as a config update), previewed by whoever may send,
 * and rendered by a send that names one (send-message.ts). The rules of a template itself live in
 * domain/messages/templates.ts; here: names unique in the tenant, the document's size, and the
 * context a template is rendered with — the same for a preview and a send.
 */

/** At most this many templates a tenant. */
export const TEMPLATES_MAX = 200;
/**
 * The most the templates may take together, as JSON in UTF-8: the document, and its audit entry
 * holding it twice (before and after), must each fit in one DynamoDB item (400 KB). Over HTTP the
 * body limit (MAX_BODY_BYTES, 64 KB) refuses more first; this holds whatever the way in.
 */
export const TEMPLATES_MAX_BYTES = 150_000;

export async function getTemplates(ctx: UseCaseContext): Promise<Versioned<TemplateInput[]>> {
  authorize(ctx.actor, 'config:read');
  const [, templates] = await allInOrder([tenantConfig(ctx), ctx.services.tenants.templates(ctx.actor.tenantId)]);
  return templates;
}

/** Replaces the templates if the caller read their current version: every template valid, names unique, the whole within TEMPLATES_MAX_BYTES. */
export async function putTemplates(ctx: UseCaseContext, templates: TemplateInput[], expectedVersion: number): Promise<Versioned<TemplateInput[]>> {
  authorize(ctx.actor, 'config:write');
  const [, current] = await allInOrder([tenantConfig(ctx), ctx.services.tenants.templates(ctx.actor.tenantId)]);
  assertVersion(current.version, expectedVersion, 'message templates');
  const errors: FieldError[] = [];
  const seen = new Map<string, number>();
  templates.forEach((t, i) => {
    errors.push(...validateTemplate(t, `body.templates.${i}`));
    const first = seen.get(t.name);
    if (first === undefined) seen.set(t.name, i);
    else errors.push({ field: `body.templates.${i}.name`, code: 'duplicate', message: `${t.name} is the name of templates.${first} too: names are unique` });
  });
  const bytes = Buffer.byteLength(JSON.stringify(templates));
  if (bytes > TEMPLATES_MAX_BYTES) errors.push({ field: 'body.templates', code: 'too_big', message: `take ${bytes} bytes together (as JSON); at most ${TEMPLATES_MAX_BYTES}: shorten or remove some` });
  if (errors.length > 0) throw invalid(errors);
  const version = await ctx.services.tenants.putConfig(ctx.actor.tenantId, 'TEMPLATES', templates, current.version, auditOf(ctx, 'config', 'templates', 'updated', current.value, templates));
  return { value: templates, version };
}

/** What a template makes for one client: what a send of it would carry. */
export interface TemplatePreview {
  channel: Channel;
  subject?: string;
  text: string;
  html?: string;
  /** The Meta-approved template sent outside WhatsApp's 24-hour window, its parameters rendered. */
  whatsapp?: { templateName: string; language: string; parameters: string[] };
}

export interface PreviewRequest {
  /** A saved template's name, or a template not saved yet (checked as PUT checks one). */
  template: string | Record<string, unknown>;
  clientId: string;
  opportunityId?: string | undefined;
}

/**
 * A template rendered for a client (and a deal of theirs) as the caller's send would render it.
 * Whoever may send messages may preview; the client and the deal must be ones they may message
 * (404 otherwise). A variable without a value is a 422 naming it, as at send time.
 */
export async function previewTemplate(ctx: UseCaseContext, request: PreviewRequest): Promise<TemplatePreview> {
  authorize(ctx.actor, 'event:create');
  const inline = typeof request.template === 'string' ? undefined : parseTemplate(request.template, 'body.template');
  const [, stored, opportunity] = await allInOrder([
    tenantConfig(ctx),
    visibleClient(ctx, request.clientId, 'client:read'),
    request.opportunityId ? visibleOpportunity(ctx, request.opportunityId, 'event:create') : Promise.resolve(undefined),
  ]);
  assertDealOf(stored.client, opportunity);
  const template = inline ?? (await savedTemplate(ctx, request.template as string));
  const rendered = await renderFor(ctx, template, stored.client, opportunity);
  return {
    channel: template.channel,
    ...(rendered.subject !== undefined && { subject: rendered.subject }),
    text: rendered.text,
    ...(rendered.html !== undefined && { html: rendered.html }),
    ...(template.whatsapp && { whatsapp: { templateName: template.whatsapp.templateName, language: template.whatsapp.language, parameters: rendered.whatsappParameters ?? [] } }),
  };
}

/** A deal named for a message must be the client's own. */
export function assertDealOf(client: Client, opportunity: Opportunity | undefined): void {
  if (opportunity && opportunity.clientId !== client.id) throw invalidField('body.opportunityId', 'other_client', 'is a deal of another client');
}

/** The tenant's template of that name (422 `unknown_template` on `body.template` when there is none). */
async function savedTemplate(ctx: UseCaseContext, name: string): Promise<TemplateInput> {
  const { value } = await ctx.services.tenants.templates(ctx.actor.tenantId);
  const template = value.find((t) => t.name === name);
  if (!template) throw invalidField('body.template', 'unknown_template', `names no template of this tenant (GET /v1/config/templates lists them): ${name}`);
  return template;
}

/** The saved template a send names: known, and of the send's channel (422 `channel_mismatch` otherwise). */
export async function templateForSend(ctx: UseCaseContext, name: string, channel: Channel): Promise<TemplateInput> {
  const template = await savedTemplate(ctx, name);
  if (template.channel !== channel) throw invalidField('body.template', 'channel_mismatch', `is ${template.channel === 'email' ? 'an email' : 'a WhatsApp'} template, and this is ${channel === 'email' ? 'an email' : 'a WhatsApp message'}`);
  return template;
}

/**
 * A template rendered with the client, the deal (and its catalogue product) and the caller as the
 * sender — the one context both a preview and a send use, so what the preview shows is what goes.
 */
export async function renderFor(ctx: UseCaseContext, template: TemplateInput, client: Client, opportunity: Opportunity | undefined): Promise<RenderedMessage> {
  const [config, sender] = await Promise.all([tenantConfig(ctx), ctx.services.staff.get(ctx.actor.tenantId, ctx.actor.staffId)]);
  return renderTemplate(template, {
    client,
    opportunity,
    product: opportunity && config.products.value.find((p) => p.id === opportunity.productId),
    // Staff records carry no phone number yet: a template using {{staff.phone}} says so (missing_value).
    staff: { name: sender?.name ?? ctx.actor.staffId },
  });
}
