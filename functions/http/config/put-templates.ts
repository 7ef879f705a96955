import { templateVariables } from '../../../domain/messages/templates';
import { httpRoute } from '../../lib/http/route';
import { putTemplates } from '../../lib/use-cases/templates';
import { TemplatesDocument } from './template-schemas';

/** PUT /v1/config/templates */
export const handler = httpRoute(
  {
    summary: 'Replace the message templates',
    description: `tenant_admin. Each template has a unique \`name\` (a send names it as \`template\`), a \`channel\` and a \`text\`; email ones a \`subject\` and optionally \`html\`; WhatsApp ones optionally \`whatsapp\`: the Meta-approved template (\`templateName\`, \`language\`, \`parameters\` for its {{1}}, {{2}}…) sent outside the 24-hour window. Variables: ${templateVariables.map((v) => `\`{{${v}}}\``).join(', ')}; any other \`{{…}}\` is refused. Send If-Match \`"0"\` the first time.`,
    body: TemplatesDocument,
    ifMatch: 'required',
    response: { status: 200, schema: TemplatesDocument },
  },
  async ({ ctx, body, expectedVersion }) => {
    const templates = await putTemplates(ctx, body.templates, expectedVersion);
    return { body: { templates: templates.value }, version: templates.version };
  },
);
