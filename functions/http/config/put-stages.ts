import { httpRoute } from '../../lib/http/route';
import { putStages } from '../../lib/use-cases/config';
import { StagesDocument } from './schemas';

/** PUT /v1/config/stages */
export const handler = httpRoute(
  {
    summary: 'Replace the stage multipliers',
    description: 'tenant_admin. Every stage once, in pipeline order, multipliers not growing towards Closed, Closed = 1.',
    body: StagesDocument,
    ifMatch: 'required',
    response: { status: 200, schema: StagesDocument },
  },
  async ({ ctx, body, expectedVersion }) => {
    const stages = await putStages(ctx, body.stages, expectedVersion);
    return { body: { stages: stages.value }, version: stages.version };
  },
);
