import { CrossStackReferences, ReferenceStrength, Tags, type App } from 'aws-cdk-lib';
import { rules } from '../events/rules';
import { ANALYTICS_LOADER_RULE, AnalyticsStack } from './stacks/analytics';
import { groupOf, routeGroups, routes, type RouteGroup } from '../functions/http/routes';
import type { CrmFunction } from './constructs/crm-function';
import { ApiStack } from './stacks/api';
import { ApiRoutesStack } from './stacks/api-routes';
import { ApiStageStack } from './stacks/api-stage';
import { DataStack } from './stacks/data';
import { EventsStack } from './stacks/events';
import { JOBS_RULE, SchedulesStack } from './stacks/schedules';

export interface CrmStacks {
  readonly data: DataStack;
  readonly events: EventsStack;
  readonly analytics: AnalyticsStack;
  /** The API's core: the API, sign-in, the authorizer, the cursor key. */
  readonly api: ApiStack;
  /** One stack per route group (functions/http/routes.ts `routeGroups`). */
  readonly apiRoutes: ReadonlyMap<RouteGroup, ApiRoutesStack>;
  readonly apiStage: ApiStageStack;
  /** Every route's function by the route's name, whichever stack holds it. */
  readonly routeFunctions: ReadonlyMap<string, CrmFunction>;
  readonly schedules: SchedulesStack;
}

/**
 * The whole backend, shared by app.ts and the stack tests. The stacks are environment-agnostic
 * (no account/region, no lookups), so synth needs neither credentials nor network.
 */
export function createCrmStacks(app: App): CrmStacks {
  // Strong (Export/ImportValue) on purpose: the data stack cannot be deleted, nor its table
  // replaced, while the API and events stacks still use it.
  CrossStackReferences.of(app).consume(ReferenceStrength.STRONG);
  const data = new DataStack(app, 'Crm-Data', { description: 'CRM single table' });
  // Every rule of events/rules.ts gets its queue and consumer in Crm-Events, except the analytics
  // loader's, which Crm-Analytics owns with the ClickHouse endpoint it needs (see stacks/analytics.ts).
  const loaderRule = rules.find((r) => r.name === ANALYTICS_LOADER_RULE);
  if (!loaderRule) throw new Error(`events/rules.ts has no ${ANALYTICS_LOADER_RULE} rule`);
  // The jobs rule's consumer lives in Crm-Schedules, beside the schedules that feed it.
  const jobsRule = rules.find((r) => r.name === JOBS_RULE);
  if (!jobsRule) throw new Error(`events/rules.ts has no ${JOBS_RULE} rule`);
  const events = new EventsStack(app, 'Crm-Events', {
    description: 'CRM outbox publisher, bus and consumers',
    table: data.table,
    rules: rules.filter((r) => r !== loaderRule && r !== jobsRule),
  });
  const analytics = new AnalyticsStack(app, 'Crm-Analytics', {
    description: 'CRM analytics: ClickHouse endpoint and credentials, schema migrations, the loader',
    bus: events.bus,
    loaderRule,
  });
  const api = new ApiStack(app, 'Crm-Api', { description: 'CRM HTTP API core: the API, sign-in, the JWT authorizer, the cursor key' });
  const clickHouseParameters = { urlParameter: analytics.endpointParameters.url, databaseParameter: analytics.endpointParameters.database, credentialsArnParameter: analytics.endpointParameters.credentialsArn };
  const apiRoutes = new Map(
    (Object.keys(routeGroups) as RouteGroup[]).map((group) => {
      const stack = new ApiRoutesStack(app, `Crm-Api-${group}`, {
        description: `CRM HTTP API routes: ${group}`,
        group,
        routes: routes.filter((r) => groupOf(r) === group),
        core: api,
        table: data.table,
        idempotencyTable: data.idempotencyTable,
        mediaBucket: data.mediaBucketRef,
        analytics: clickHouseParameters,
      });
      // The media bucket is imported by export name (see DataStack.mediaBucketRef), and the
      // ClickHouse endpoint is read from the analytics stack's SSM parameters by name: say the order.
      stack.addStackDependency(data);
      stack.addStackDependency(analytics);
      return [group, stack] as const;
    }),
  );
  const apiStage = new ApiStageStack(app, 'Crm-Api-Stage', { description: 'CRM HTTP API stage: access logs and throttling', core: api, routes });
  for (const stack of apiRoutes.values()) apiStage.addStackDependency(stack);
  const routeFunctions = new Map([...apiRoutes.values()].flatMap((stack) => [...stack.functions]));
  const schedules = new SchedulesStack(app, 'Crm-Schedules', {
    description: 'CRM scheduled jobs: the missed sweep, daily tasks, the nightly gap analysis and email',
    table: data.table,
    bus: events.bus,
    jobsRule,
    environment: api.functionEnvironment,
    cursorSecret: api.cursorSecret,
    analytics: clickHouseParameters,
  });
  schedules.addStackDependency(analytics);
  Tags.of(app).add('app', 'crm');
  return { data, events, analytics, api, apiRoutes, apiStage, routeFunctions, schedules };
}
