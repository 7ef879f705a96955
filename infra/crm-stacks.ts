import { CrossStackReferences, ReferenceStrength, Tags, type App, type StackProps } from 'aws-cdk-lib';
import { rules } from '../events/rules';
import { ANALYTICS_LOADER_RULE, AnalyticsStack } from './stacks/analytics';
import { groupOf, routeGroups, routes, type RouteGroup } from '../functions/http/routes';
import type { CrmFunction } from './constructs/crm-function';
import { ApiStack } from './stacks/api';
import { ApiRoutesStack } from './stacks/api-routes';
import { ApiStageStack } from './stacks/api-stage';
import { DataStack } from './stacks/data';
import { EventsStack } from './stacks/events';
import { EdgeStack } from './stacks/edge';
import { MonitoringStack } from './stacks/monitoring';
import { JOBS_RULE, SchedulesStack } from './stacks/schedules';
import { WEBHOOKS_RULE } from './constructs/webhook-sender';
import { MailStack } from './stacks/mail';
import { stageOf, type Stage } from './stage';

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
  /** Inbound email (#14): SES receiving for the reply domain, the mail bucket, the receiver; absent where the stage receives none. */
  readonly mail: MailStack | undefined;
  readonly monitoring: MonitoringStack;
  /** CloudFront and WAF in front of the API's own domain (us-east-1), when the stage has a domain. */
  readonly edge: EdgeStack | undefined;
  readonly stage: Stage;
}

/**
 * The whole backend for one stage (infra/stage.ts: `-c stage=dev|staging|prod`), shared by
 * app.ts and the stack tests. Each stack is named `<id>-<stage>` (so are its exports), carries
 * the stage's account and region when it has them, and no stack looks anything up: synth needs
 * neither credentials nor network.
 */
export function createCrmStacks(app: App, stage: Stage = stageOf(app)): CrmStacks {
  const at = (id: string, description: string): StackProps => ({
    description: `${description} (${stage.name})`,
    stackName: `${id}-${stage.name}`,
    ...(stage.env && { env: stage.env }),
    terminationProtection: stage.production,
  });
  // Strong (Export/ImportValue) on purpose: the data stack cannot be deleted, nor its table
  // replaced, while the API and events stacks still use it.
  CrossStackReferences.of(app).consume(ReferenceStrength.STRONG);
  const data = new DataStack(app, 'Crm-Data', { ...at('Crm-Data', 'CRM single table, idempotency records, media'), lockBackupVault: stage.production, allowedOrigins: stage.allowedOrigins });
  // Every rule of events/rules.ts gets its queue and consumer in Crm-Events, except the analytics
  // loader's, which Crm-Analytics owns with the ClickHouse endpoint it needs (see stacks/analytics.ts).
  const loaderRule = rules.find((r) => r.name === ANALYTICS_LOADER_RULE);
  if (!loaderRule) throw new Error(`events/rules.ts has no ${ANALYTICS_LOADER_RULE} rule`);
  // The jobs rule's consumer lives in Crm-Schedules, beside the schedules that feed it.
  const jobsRule = rules.find((r) => r.name === JOBS_RULE);
  if (!jobsRule) throw new Error(`events/rules.ts has no ${JOBS_RULE} rule`);
  // Outbound webhooks' fan-out lives in the webhook routes' stack, beside the send queue it feeds (#15).
  const webhooksRule = rules.find((r) => r.name === WEBHOOKS_RULE);
  if (!webhooksRule) throw new Error(`events/rules.ts has no ${WEBHOOKS_RULE} rule`);
  const events = new EventsStack(app, 'Crm-Events', {
    ...at('Crm-Events', 'CRM outbox publisher, bus and consumers'),
    table: data.table,
    rules: rules.filter((r) => r !== loaderRule && r !== jobsRule && r !== webhooksRule),
  });
  const analytics = new AnalyticsStack(app, 'Crm-Analytics', {
    ...at('Crm-Analytics', 'CRM analytics: ClickHouse endpoint and credentials, schema migrations, the loader'),
    bus: events.bus,
    loaderRule,
  });
  const api = new ApiStack(app, 'Crm-Api', {
    ...at('Crm-Api', 'CRM HTTP API core: the API, sign-in, the JWT authorizer, the cursor key'),
    ...(stage.mailFrom && { mailFrom: stage.mailFrom }),
    allowedOrigins: stage.allowedOrigins,
    customDomain: stage.domain !== undefined,
  });
  const clickHouseParameters = { urlParameter: analytics.endpointParameters.url, databaseParameter: analytics.endpointParameters.database, credentialsArnParameter: analytics.endpointParameters.credentialsArn };
  const apiRoutes = new Map(
    (Object.keys(routeGroups) as RouteGroup[]).map((group) => {
      const stack = new ApiRoutesStack(app, `Crm-Api-${group}`, {
        ...at(`Crm-Api-${group}`, `CRM HTTP API routes: ${group}`),
        group,
        routes: routes.filter((r) => groupOf(r) === group),
        core: api,
        table: data.table,
        idempotencyTable: data.idempotencyTable,
        mediaBucket: data.mediaBucketRef,
        analytics: clickHouseParameters,
        integrationSecretsPrefix: `crm/${stage.name}/integrations`,
        replyDomain: stage.replyDomain,
        mailConfigurationSet: `crm-${stage.name}-mail`,
        webhooks: { bus: events.bus, rule: webhooksRule },
        ...(stage.domain && { publicBaseUrl: `https://${stage.domain.name}` }),
        ...(stage.mailFrom && { mailFrom: `Sales CRM <${stage.mailFrom}>` }),
      });
      // The media bucket is imported by export name (see DataStack.mediaBucketRef), and the
      // ClickHouse endpoint is read from the analytics stack's SSM parameters by name: say the order.
      stack.addStackDependency(data);
      stack.addStackDependency(analytics);
      return [group, stack] as const;
    }),
  );
  const apiStage = new ApiStageStack(app, 'Crm-Api-Stage', { ...at('Crm-Api-Stage', 'CRM HTTP API stage: access logs, throttling, its domain'), core: api, routes: routes.filter((r) => !r.path.startsWith('/forms/')), ...(stage.domain && { domain: stage.domain }) });
  for (const stack of apiRoutes.values()) apiStage.addStackDependency(stack);
  const inboundWorker = [...apiRoutes.values()].find((stack) => stack.inboundWorker)?.inboundWorker;
  const routeFunctions = new Map([...apiRoutes.values()].flatMap((stack) => [...stack.functions]));
  const schedules = new SchedulesStack(app, 'Crm-Schedules', {
    ...at('Crm-Schedules', 'CRM scheduled jobs: the missed sweep, daily tasks, the nightly gap analysis and email'),
    table: data.table,
    bus: events.bus,
    jobsRule,
    environment: api.functionEnvironment,
    cursorSecret: api.cursorSecret,
    analytics: clickHouseParameters,
    ...(stage.mailFrom && { mailFrom: `Sales CRM <${stage.mailFrom}>` }),
    mailConfigurationSet: `crm-${stage.name}-mail`,
    ...(inboundWorker && { inbound: { worker: inboundWorker, secretsPrefix: `crm/${stage.name}/integrations`, bucket: data.mediaBucketRef } }),
  });
  schedules.addStackDependency(analytics);
  const mail = stage.inboundMail
    ? new MailStack(app, 'Crm-Mail', {
        ...at('Crm-Mail', 'CRM inbound email: SES receiving for the reply domain, the raw mail, the receiver'),
        table: data.table,
        mediaBucket: data.mediaBucketRef,
        cursorSecret: api.cursorSecret,
        environment: api.functionEnvironment,
        replyDomain: stage.replyDomain,
      })
    : undefined;
  // The media bucket is imported by its export's name: say the order.
  mail?.addStackDependency(data);
  const dataWorkers = [...apiRoutes.values()].flatMap((stack) => (stack.dataWorker ? [stack.dataWorker] : []));
  const inboundWorkers = [...apiRoutes.values()].flatMap((stack) => (stack.inboundWorker ? [stack.inboundWorker] : []));
  const mailFeedbacks = [...apiRoutes.values()].flatMap((stack) => (stack.mailFeedback ? [stack.mailFeedback] : []));
  const webhookSenders = [...apiRoutes.values()].flatMap((stack) => (stack.webhookSender ? [stack.webhookSender] : []));
  // The admins' email of a disabled webhook goes out with the configuration set the Clients routes' stack makes.
  for (const sender of apiRoutes.values()) if (sender.webhookSender) for (const stack of apiRoutes.values()) if (stack.mailFeedback && stack !== sender) sender.addStackDependency(stack);
  // The nightly email goes out with the configuration set the Clients routes' stack makes.
  for (const stack of apiRoutes.values()) if (stack.mailFeedback) schedules.addStackDependency(stack);
  const monitoring = new MonitoringStack(app, 'Crm-Monitoring', {
    ...at('Crm-Monitoring', 'CRM alarms (to an SNS topic) and the operations dashboard'),
    groups: [
      { name: 'Auth', kind: 'api', functions: [api.preTokenGeneration] },
      ...[...apiRoutes].map(([group, stack]) => ({ name: `Api${group}`, kind: 'api' as const, functions: [...stack.functions.values()] })),
      { name: 'Events', kind: 'pipeline', functions: [events.publisher, ...events.consumers.map((c) => c.consumer)] },
      { name: 'Analytics', kind: 'pipeline', functions: [analytics.loader.consumer, analytics.migrator] },
      { name: 'Schedules', kind: 'pipeline', functions: [schedules.dispatcher, schedules.jobs.consumer] },
      ...dataWorkers.map((w) => ({ name: 'DataWorker', kind: 'pipeline' as const, functions: [w.worker] })),
      ...inboundWorkers.map((w) => ({ name: 'InboundWorker', kind: 'pipeline' as const, functions: [w.worker] })),
      ...(mail ? [{ name: 'MailReceiver', kind: 'pipeline' as const, functions: [mail.receiver] }] : []),
      ...mailFeedbacks.map((m) => ({ name: 'MailFeedback', kind: 'pipeline' as const, functions: [m.consumer] })),
      ...webhookSenders.map((w) => ({ name: 'WebhookDelivery', kind: 'pipeline' as const, functions: [w.fanOut.consumer, w.sender] })),
    ],
    streamPublisher: events.publisher,
    deadLetterQueues: [
      { name: 'StreamPublisher', queue: events.publisherFailures },
      ...events.consumers.map((c) => ({ name: pascal(c.node.id), queue: c.deadLetterQueue })),
      { name: 'AnalyticsLoader', queue: analytics.loader.deadLetterQueue },
      { name: 'Jobs', queue: schedules.jobs.deadLetterQueue },
      { name: 'Schedules', queue: schedules.deadLetterQueue },
      ...dataWorkers.map((w) => ({ name: 'DataJobs', queue: w.deadLetterQueue })),
      ...inboundWorkers.map((w) => ({ name: 'Inbound', queue: w.deadLetterQueue })),
      ...(mail ? [{ name: 'InboundMail', queue: mail.deadLetterQueue }] : []),
      ...mailFeedbacks.map((m) => ({ name: 'MailFeedback', queue: m.deadLetterQueue })),
      ...webhookSenders.flatMap((w) => [
        { name: 'WebhooksFanOut', queue: w.fanOut.deadLetterQueue },
        { name: 'WebhookSender', queue: w.deadLetterQueue },
      ]),
    ],
    api: api.api,
    scheduleGroupName: schedules.scheduleGroup.ref,
    ...(stage.alarmEmail && { alarmEmail: stage.alarmEmail }),
  });
  // CloudFront's certificate and web ACL must be in us-east-1: a stack of its own there, which
  // needs nothing from the others (the origin is a hostname), so no cross-region reference.
  const edge = stage.domain
    ? new EdgeStack(app, 'Crm-Edge', { ...at('Crm-Edge', 'CRM API edge: CloudFront, WAF and the API domain'), env: { account: stage.env!.account!, region: 'us-east-1' }, domain: stage.domain })
    : undefined;
  // On every taggable resource: what it is, which stage, who answers for it, who pays.
  for (const [key, value] of [['app', 'crm'], ['stage', stage.name], ['owner', stage.owner], ['cost-centre', stage.costCentre]] as const) Tags.of(app).add(key, value);
  return { data, events, analytics, api, apiRoutes, apiStage, routeFunctions, schedules, mail, monitoring, edge, stage };
}

/** `client-profile` → `ClientProfile`: a rule's name as a construct id. */
const pascal = (name: string) => name.replace(/(^|[-_])([a-z0-9])/g, (_, __, c: string) => c.toUpperCase());
