import { httpRoute } from '../../lib/http/route';
import { getTemplates } from '../../lib/use-cases/templates';
import { TemplatesDocument } from './template-schemas';

/** GET /v1/config/templates */
export const handler = httpRoute({ summary: 'The message templates', description: 'Email and WhatsApp templates of the tenant; none (version 0) until an admin saves some.', response: { status: 200, schema: TemplatesDocument } }, async ({ ctx }) => {
  const templates = await getTemplates(ctx);
  return { body: { templates: templates.value }, version: templates.version };
});
