import { z } from 'zod';
import { Channel } from '../../../domain/messages/message';
import { TemplateInput, TemplateName } from '../../../domain/messages/templates';
import { idPatterns } from '../../lib/ids';
import { TEMPLATES_MAX } from '../../lib/use-cases/templates';

/** One message template (domain/messages/templates.ts): its variables are checked when the templates are saved. */
export const MessageTemplate = TemplateInput.meta({ id: 'MessageTemplate' });

/** The tenant's email and WhatsApp templates (#14): GET shows them, PUT replaces them all. */
export const TemplatesDocument = z.strictObject({ templates: z.array(MessageTemplate).max(TEMPLATES_MAX) }).meta({ id: 'TemplatesDocument' });

export const TemplatePreviewRequest = z.strictObject({
  /**
   * A saved template's name, or a template not saved yet. The template is checked by the use case
   * (as PUT checks one), so its errors carry their own paths (`body.template.channel`) instead of
   * a union's "invalid input".
   */
  template: z.union([TemplateName, z.looseObject({}).meta({ description: 'An unsaved template, shaped as one of PUT /v1/config/templates (MessageTemplate) and checked the same way' })]),
  clientId: z.string().regex(idPatterns.client, 'is not a client id'),
  opportunityId: z.string().regex(idPatterns.opportunity, 'is not an opportunity id').optional(),
});

/** What the template makes for that client: what a send of it would carry. */
export const TemplatePreview = z
  .object({
    channel: Channel,
    subject: z.string().optional(),
    text: z.string(),
    html: z.string().optional(),
    /** Outside WhatsApp's 24-hour window this approved template goes instead of `text`, with these parameters for its {{1}}, {{2}}… */
    whatsapp: z.object({ templateName: z.string(), language: z.string(), parameters: z.array(z.string()) }).optional(),
  })
  .meta({ id: 'TemplatePreview' });
