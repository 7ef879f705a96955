import { Duration, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import { routeKey, type RouteDefinition, type RouteGroup } from '../../functions/http/routes';
import { bindClickHouse, bindMedia, bindSecret, bindTable, bindUserPool, CrmFunction, nagArn, type ClickHouseEndpoint } from '../constructs/crm-function';
import * as iam from 'aws-cdk-lib/aws-iam';
import { bindDataFiles, DataWorker } from '../constructs/data-worker';
import { bindIntegrationSecrets, InboundWorker } from '../constructs/inbound-worker';
import type { ApiStack } from './api';
import type { MediaBucketRef } from './data';
import { MailFeedback } from '../constructs/mail-feedback';
import { WebhookSender } from '../constructs/webhook-sender';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import type { RuleDefinition } from '../../events/rules';

export interface ApiRoutesStackProps extends StackProps {
  readonly group: RouteGroup;
  /** The group's entries of functions/http/routes.ts. */
  readonly routes: readonly RouteDefinition[];
  /** The API, its authorizer, the user pool and the cursor key. */
  readonly core: ApiStack;
  readonly table: ITable;
  readonly idempotencyTable: ITable;
  readonly mediaBucket: MediaBucketRef;
  /**
   * Where the routes that read facts (`analytics: true` in the manifest) find ClickHouse: the
   * names of the analytics stack's SSM parameters (resolved on each deploy) and its secret.
   */
  readonly analytics: { urlParameter: string; databaseParameter: string; credentialsArnParameter: string };
  /** Where connections' secrets live in Secrets Manager (`crm/{stage}/integrations`). */
  readonly integrationSecretsPrefix: string;
  /** The API's public base URL (its own domain, or the execute-api endpoint): connections' hook URLs start with it. */
  readonly publicBaseUrl?: string;
  /** The verified SES identity messages to clients are sent from (#14), e.g. `Sales CRM <sales@example.com>`. */
  readonly mailFrom?: string;
  /** Where replies arrive (#14): the send route writes thread addresses at this domain, which Crm-Mail receives for. */
  readonly replyDomain?: string;
  /** The SES configuration set email is sent with (`crm-{stage}-mail`): made where the send route is, with its feedback consumer. */
  readonly mailConfigurationSet: string;
  /**
   * Outbound webhooks (#15): the bus and events/rules.ts's `webhooks` rule — its fan-out consumer,
   * the send queue and the sender live in the stack of the webhook routes.
   */
  readonly webhooks?: { bus: IEventBus; rule: RuleDefinition };
}

/** A dashboard's ClickHouse request gives up well inside the function's 10 s (and API Gateway's 30 s). */
const dashboardRequestTimeout = Duration.seconds(8);

/**
 * One route group of the HTTP API (functions/http/routes.ts `routeGroups`): a Lambda per route,
 * granted only what the manifest says it does, and its route on the core stack's API behind the
 * core's authorizer. About 7 resources a route.
 */
export class ApiRoutesStack extends Stack {
  readonly functions: ReadonlyMap<string, CrmFunction>;
  readonly routes: readonly apigwv2.HttpRoute[];
  /** The data queue and worker, in the stack of the routes that queue imports and exports. */
  readonly dataWorker: DataWorker | undefined;
  /** The inbound queue and worker, in the stack of the hooks and the connection routes (#13). */
  readonly inboundWorker: InboundWorker | undefined;
  /** The email configuration set and its bounces and complaints, in the stack of the send route (#14). */
  readonly mailFeedback: MailFeedback | undefined;
  /** Outbound webhooks' fan-out, send queue and sender (#15), in the stack of the webhook routes. */
  readonly webhookSender: WebhookSender | undefined;
  /**
   * Web forms' own HTTP API (#13): the main API answers CORS preflights itself, from the web apps'
   * origins only, and replaces a handler's CORS headers; a form's CORS is per form (its allowed
   * origins), so its routes are served by an API without API-level CORS.
   */
  readonly formsApi: apigwv2.HttpApi | undefined;
  private clickHouseEndpoint: ClickHouseEndpoint | undefined;

  constructor(scope: Construct, id: string, private readonly props: ApiRoutesStackProps) {
    super(scope, id, props);
    const authorizerId = props.core.authorizer.authorizerId;
    // The core's authorizer, named by id (an IHttpRouteAuthorizer that creates nothing here).
    const cognitoAuthorizer: apigwv2.IHttpRouteAuthorizer = { bind: () => ({ authorizationType: 'JWT', authorizerId }) };
    this.dataWorker = props.routes.some((r) => r.files === 'import' || r.files === 'export')
      ? new DataWorker(this, 'DataWorker', { table: props.table, bucket: props.mediaBucket, cursorSecret: props.core.cursorSecret, environment: props.core.functionEnvironment })
      : undefined;
    this.inboundWorker = props.routes.some((r) => r.inbound)
      ? new InboundWorker(this, 'InboundWorker', { table: props.table, bucket: props.mediaBucket, cursorSecret: props.core.cursorSecret, environment: props.core.functionEnvironment, secretsPrefix: props.integrationSecretsPrefix })
      : undefined;
    this.mailFeedback = props.routes.some((r) => r.messages)
      ? new MailFeedback(this, 'MailFeedback', { configurationSetName: props.mailConfigurationSet, table: props.table, cursorSecret: props.core.cursorSecret, environment: props.core.functionEnvironment })
      : undefined;
    this.webhookSender = props.routes.some((r) => r.webhooks) ? this.createWebhookSender() : undefined;
    this.formsApi = props.routes.some((r) => r.path.startsWith('/forms/')) ? this.createFormsApi() : undefined;
    const made = props.routes.map((route) => this.addRoute(route, route.public ? new apigwv2.HttpNoneAuthorizer() : cognitoAuthorizer));
    this.functions = new Map(made.map(({ route, fn }) => [route.name, fn]));
    this.routes = made.map((m) => m.httpRoute);
  }

  private addRoute(route: RouteDefinition, authorizer: apigwv2.IHttpRouteAuthorizer) {
    const { core } = this.props;
    const fn = new CrmFunction(this, route.name, { entry: route.entry, description: routeKey(route), environment: core.functionEnvironment });
    // Reads cannot write: a GET handler gets no PutItem/UpdateItem/DeleteItem even by mistake; a
    // route that touches no table (health, the OpenAPI document) gets no table, and no cursor key.
    if (!route.noTable) {
      bindTable(fn, this.props.table, route.method === 'GET' || route.method === 'OPTIONS' ? 'read' : 'readWrite');
      bindSecret(fn, core.cursorSecret, 'CURSOR_SECRET_ARN');
    }
    // Writes may carry an Idempotency-Key; its records live in their own table (no indexes).
    if (route.method !== 'GET' && route.method !== 'OPTIONS' && !route.noTable) bindTable(fn, this.props.idempotencyTable, 'readWrite', 'IDEMPOTENCY_TABLE_NAME', false);
    if (route.media) bindMedia(fn, this.props.mediaBucket, route.media);
    // Import routes sign uploads (and check them) under imports/; reads sign downloads of their own
    // prefix; creating an export only queues it.
    if (route.files === 'import') bindDataFiles(fn, this.props.mediaBucket, 'write', ['imports/']);
    if (route.files === 'read') bindDataFiles(fn, this.props.mediaBucket, 'read', [route.path.startsWith('/v1/imports') ? 'imports/' : 'exports/']);
    if (route.files === 'import' || route.files === 'export') this.dataWorker!.bindQueue(fn);
    if (route.signInAccounts) bindUserPool(fn, core.userPool, route.signInAccounts);
    // Hooks read the connection's secret to verify, store big payloads under hooks/ and queue the
    // delivery; the connection routes write secrets, read payloads and queue replays.
    if (route.inbound) {
      bindIntegrationSecrets(fn, this.props.integrationSecretsPrefix, route.inbound === 'hook' || route.method === 'GET' ? 'read' : 'readWrite');
      bindDataFiles(fn, this.props.mediaBucket, route.inbound === 'hook' ? 'write' : 'read', ['hooks/']);
      this.inboundWorker!.bindQueue(fn);
    }
    // Outbound webhooks (#15): the routes that make, rotate and delete a subscription's signing
    // secrets write them, under the integrations' prefix by the webhook's id (wh_…); no other may.
    if (route.webhooks === 'secrets') bindIntegrationSecrets(fn, this.props.integrationSecretsPrefix, 'readWrite');
    // Pings and redeliveries queue a delivery for the sender now (never a delayed retry).
    if (route.webhooks === 'queue') this.webhookSender!.bindQueue(fn);
    // Sending messages to clients (#14): SES, and nothing else of the mail.
    if (route.messages) {
      if (this.props.replyDomain) fn.addEnvironment('MAIL_REPLY_DOMAIN', this.props.replyDomain);
      fn.addEnvironment('MAIL_MODE', 'ses').addEnvironment('MAIL_FROM', this.props.mailFrom ?? 'CRM <no-reply@crm.example>').addEnvironment('SES_CONFIGURATION_SET', this.mailFeedback!.configurationSet.configurationSetName);
      // WhatsApp goes out through the tenant's whatsapp connection: its access token, read only.
      bindIntegrationSecrets(fn, this.props.integrationSecretsPrefix, 'read');
      fn.lambda.addToRolePolicy(new iam.PolicyStatement({ actions: ['ses:SendEmail', 'ses:SendRawEmail'], resources: [this.formatArn({ service: 'ses', resource: 'identity', resourceName: '*' })] }));
      Validations.of(fn).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${nagArn(this, 'ses', 'identity/*')}]`,
        reason: 'The sender identity (a verified domain or address) is chosen per deployment; sending is the only action granted.',
      });
    }
    // Email attachments (#14): uploads are signed under messages/…/uploads/, the send and the download read under messages/.
    if (route.attachments) bindAttachments(fn, this.props.mediaBucket, route.attachments);
    if (route.path.startsWith('/v1/integrations') || route.path.startsWith('/forms/')) {
      fn.addEnvironment('PUBLIC_BASE_URL', this.props.publicBaseUrl ?? core.api.apiEndpoint);
      if (this.formsApi) fn.addEnvironment('FORMS_BASE_URL', this.formsApi.apiEndpoint);
    }
    // Only the routes that read facts may reach ClickHouse (and read its credentials).
    if (route.analytics) bindClickHouse(fn, this.clickHouse(), dashboardRequestTimeout);

    const httpRoute = new apigwv2.HttpRoute(this, `${route.name}Route`, {
      httpApi: route.path.startsWith('/forms/') ? this.formsApi! : core.api,
      routeKey: apigwv2.HttpRouteKey.with(route.path, apigwv2.HttpMethod[route.method]),
      integration: new HttpLambdaIntegration(`${route.name}Integration`, fn.lambda),
      authorizer,
    });
    if (route.public) {
      Validations.of(httpRoute).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason: `${routeKey(route)} is declared public in functions/http/routes.ts: it takes no Cognito token (a health check, or a handler that authenticates its caller itself).`,
      });
    }
    return { route, fn, httpRoute };
  }

  private createWebhookSender(): WebhookSender {
    const { core, webhooks } = this.props;
    if (!webhooks) throw new Error(`${this.node.id}: the webhook routes need the bus and the webhooks rule (props.webhooks)`);
    return new WebhookSender(this, 'WebhookSender', {
      table: this.props.table,
      cursorSecret: core.cursorSecret,
      environment: core.functionEnvironment,
      secretsPrefix: this.props.integrationSecretsPrefix,
      bus: webhooks.bus,
      rule: webhooks.rule,
      mailConfigurationSet: this.props.mailConfigurationSet,
      ...(this.props.mailFrom && { mailFrom: this.props.mailFrom }),
    });
  }

  private createFormsApi(): apigwv2.HttpApi {
    const api = new apigwv2.HttpApi(this, 'FormsApi', { description: 'Sales CRM web forms: per-form CORS, answered by the form handlers themselves', createDefaultStage: false });
    const stage = new apigwv2.HttpStage(this, 'FormsStage', { httpApi: api, stageName: '$default', autoDeploy: true, throttle: { rateLimit: 20, burstLimit: 40 } });
    Validations.of(stage).acknowledge(
      { id: 'AwsSolutions-APIG1', reason: 'Form posts are logged by their handler (one JSON line a request, with its request id); the per-form and per-address limits are enforced there.' },
    );
    return api;
  }

  /** The analytics stack's endpoint, read from its SSM parameters: only in a stack with routes that use it. */
  private clickHouse(): ClickHouseEndpoint {
    const names = this.props.analytics;
    return (this.clickHouseEndpoint ??= {
      url: ssm.StringParameter.valueForStringParameter(this, names.urlParameter),
      database: ssm.StringParameter.valueForStringParameter(this, names.databaseParameter),
      credentials: secretsmanager.Secret.fromSecretCompleteArn(this, 'ClickHouseCredentials', ssm.StringParameter.valueForStringParameter(this, names.credentialsArnParameter)),
    });
  }
}

/**
 * The media bucket's messages/ prefix, one action: `upload` may sign PUTs of uploads
 * (messages/{tenant}/{client}/uploads/…), `read` may read (and sign GETs of) what is under
 * messages/. No ListBucket: to these functions a missing key is a 403, which the media store reads as
 * "not there" under this prefix alone.
 */
function bindAttachments(fn: CrmFunction, bucket: MediaBucketRef, mode: 'upload' | 'read'): void {
  fn.addEnvironment('MEDIA_BUCKET', bucket.name);
  const prefix = mode === 'upload' ? 'messages/*/uploads/*' : 'messages/*';
  iam.Grant.addToPrincipal({ grantee: fn, actions: [mode === 'upload' ? 's3:PutObject' : 's3:GetObject'], resourceArns: [`${bucket.arn}/${prefix}`] });
  Validations.of(fn).acknowledge({
    id: `AwsSolutions-IAM5[Resource::${bucket.arnExportName}/${prefix}]`,
    reason: 'Keys are made per upload (messages/{tenant}/{client}/uploads/{ulid}/{file}); the grant is one action on the messages/ prefix of the media bucket, and the code only signs or reads keys under the caller’s tenant and client.',
  });
}
