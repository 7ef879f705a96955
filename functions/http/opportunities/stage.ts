import { StageChangeInput } from '../../../domain/pipeline/stage-change';
import { etag, OpportunityIdParams } from '../../lib/http/params';
import { httpRoute } from '../../lib/http/route';
import { getServices } from '../../lib/services';
import { contextOf, versionFromIfMatch } from '../../lib/use-cases/context';
import { moveStage } from '../../lib/use-cases/opportunities';

/** POST /v1/opportunities/{id}/stage {stage, outcome?, reason?} */
export const handler = httpRoute({ params: OpportunityIdParams, body: StageChangeInput }, async (input) => {
  const result = await moveStage(contextOf(input, getServices()), input.params.id, input.body, versionFromIfMatch(input.headers['if-match']));
  return { body: result, headers: { etag: etag(result.opportunity.version) } };
});
