import { httpRoute } from '../../lib/http/route';
import { getAssignment } from '../../lib/use-cases/integrations';
import { AssignmentDocument } from './schemas';

/** GET /v1/config/assignment */
export const handler = httpRoute({ summary: 'The lead assignment rules', description: 'Who gets new leads from lead sources, and the first-response time. Before an admin sets them: no rules, no `defaultOwner` (version 0), and leads fail saying so.', response: { status: 200, schema: AssignmentDocument } }, async ({ ctx }) => {
  const { value, version } = await getAssignment(ctx);
  return { body: value ?? { rules: [], firstResponseMinutes: 15 }, version };
});
