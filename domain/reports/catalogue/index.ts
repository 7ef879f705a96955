import { activityReports } from './activity';
import { clientReports } from './clients';
import { feedbackReports } from './feedback';
import { funnelReports } from './funnel';
import { leadReports } from './leads';
import { messageReports } from './messages';
import { pipelineReports } from './pipeline';
import { revenueReports } from './revenue';
import type { CatalogueReport } from './types';

export type { CatalogueReport, ChartType, DefaultPeriod, Needs } from './types';
export { catalogueRunSpec, compileCatalogueReport, resolvePeriod, type CatalogueRunRequest } from './run';

/** Every prebuilt report (`GET /v1/reports`), in the order the catalogue lists them. */
export const catalogue: readonly CatalogueReport[] = [
  ...funnelReports,
  ...activityReports,
  ...feedbackReports,
  ...messageReports,
  ...revenueReports,
  ...pipelineReports,
  ...leadReports,
  ...clientReports,
];

const byId = new Map(catalogue.map((r) => [r.id, r]));
export const catalogueReport = (id: string): CatalogueReport | undefined => byId.get(id);
