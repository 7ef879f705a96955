import { httpRoute } from '../../lib/http/route';
import { previewTemplate } from '../../lib/use-cases/templates';
import { TemplatePreview, TemplatePreviewRequest } from './template-schemas';

/** POST /v1/config/templates/preview */
export const handler = httpRoute(
  {
    summary: 'Preview a message template for a client',
    description:
      'Whoever may send messages. `template`: a saved template\'s name, or a template not saved yet. Rendered for `clientId` (and the deal `opportunityId`, for `{{opportunity.*}}`) with the caller as the sender, exactly as a send would render it; values are HTML-escaped in `html`. A client or deal the caller may not message is 404; a variable without a value (a client with no city, no deal named) is 422 `missing_value` naming it.',
    body: TemplatePreviewRequest,
    response: { status: 200, schema: TemplatePreview },
  },
  async ({ ctx, body }) => ({ body: await previewTemplate(ctx, body) }),
);
