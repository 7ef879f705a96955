import { CfnOutput, Duration, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { MediaBucketRef } from './data';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import { roles } from '../../domain/access/roles';
import { routeKey, routes as routeManifest, type RouteDefinition } from '../../functions/http/routes';
import { bindClickHouse, bindMedia, bindTable, bindUserPool, CrmFunction, type ClickHouseEndpoint } from '../constructs/crm-function';

// One JSON line per request, HTTP API context variables only (the REST-API helpers in
// AccessLogFormat emit fields HTTP APIs do not have).
const accessLogFormat = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    requestTime: '$context.requestTime',
    ip: '$context.identity.sourceIp',
    userAgent: '$context.identity.userAgent',
    routeKey: '$context.routeKey',
    status: '$context.status',
    protocol: '$context.protocol',
    responseLength: '$context.responseLength',
    responseLatency: '$context.responseLatency',
    integrationLatency: '$context.integration.latency',
    integrationError: '$context.integrationErrorMessage',
    authorizerError: '$context.authorizer.error',
    sub: '$context.authorizer.claims.sub',
  }),
);

/**
 * Routes that administer staff create and disable their Cognito accounts
 * (functions/lib/identity), so they, and only they, get the user pool admin grant.
 */
/** Routes the manifest marks as managing sign-in accounts (create and deactivate staff); reads never get the grant. */
export const managesStaffAccounts = (route: Pick<RouteDefinition, 'signInAccounts'>) => route.signInAccounts !== undefined;

export interface ApiStackProps extends StackProps {
  readonly table: ITable;
  readonly idempotencyTable: ITable;
  readonly mediaBucket: MediaBucketRef;
  /** Steady-state and burst limits for every route of the stage. @default 100 rps, burst 200 */
  readonly throttle?: apigwv2.ThrottleSettings;
  /**
   * Where the routes that read facts (`analytics: true` in the manifest) find ClickHouse: the
   * names of the analytics stack's SSM parameters (resolved on each deploy) and its secret.
   */
  readonly analytics: { urlParameter: string; databaseParameter: string; credentialsArnParameter: string };
}

/** A dashboard's ClickHouse request gives up well inside the function's 10 s (and API Gateway's 30 s). */
const dashboardRequestTimeout = Duration.seconds(8);

/**
 * The HTTP API (DESIGN §6): one Lambda per entry of functions/http/routes.ts, Cognito sign-in for
 * staff, and a JWT authorizer in front of every non-public route. The handlers verify the token
 * again themselves (aws-jwt-verify), so the authorizer is a first gate, not the only one.
 */
export class ApiStack extends Stack {
  readonly api: apigwv2.HttpApi;
  private stage!: apigwv2.HttpStage;
  readonly userPool: cognito.UserPool;
  readonly userPoolClient: cognito.UserPoolClient;
  readonly functions: ReadonlyMap<string, CrmFunction>;
  /** What every function building the use-case services needs (auth settings, the cursor secret): for the jobs. */
  readonly functionEnvironment: Record<string, string>;
  /** Puts tenant_id and staff_id into every access token (functions/cognito/pre-token-generation.ts). */
  readonly preTokenGeneration: CrmFunction;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);

    this.userPool = this.createUserPool();
    this.preTokenGeneration = new CrmFunction(this, 'PreTokenGeneration', {
      entry: 'functions/cognito/pre-token-generation.ts',
      description: 'Cognito pre-token-generation (V2_0): tenant_id and staff_id into the access token',
      // Cognito gives a trigger 5 s before it fails the sign-in.
      timeout: Duration.seconds(5),
    });
    // V2_0: the V1_0 event can only change the ID token, and the API reads the access token.
    // addTrigger also lets this pool, and only it, invoke the function; the function gets no grant.
    this.userPool.addTrigger(cognito.UserPoolOperation.PRE_TOKEN_GENERATION_CONFIG, this.preTokenGeneration.lambda, cognito.LambdaVersion.V2_0);
    this.userPoolClient = this.userPool.addClient('AppClient', {
      // Web and mobile apps cannot keep a secret; SRP keeps the password off the wire.
      generateSecret: false,
      authFlows: { userSrp: true },
      // No hosted UI: the apps sign in through the SDK, so no OAuth flows or callback URLs.
      disableOAuth: true,
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
    });
    // The role is the user's Cognito group (the verifier reads cognito:groups).
    for (const role of roles) this.userPool.addGroup(`Group-${role}`, { groupName: role });

    this.api = this.createApi(props.throttle ?? { rateLimit: 100, burstLimit: 200 });
    const authorizer = new HttpUserPoolAuthorizer('Cognito', this.userPool, { userPoolClients: [this.userPoolClient] });
    const environment = (this.functionEnvironment = {
      AUTH_MODE: 'cognito',
      COGNITO_USER_POOL_ID: this.userPool.userPoolId,
      COGNITO_CLIENT_ID: this.userPoolClient.userPoolClientId,
      // A dynamic reference, resolved by CloudFormation at deploy time: the value never appears in
      // the template, only in the functions' encrypted environment, where the config reads it.
      CURSOR_SECRET: this.createCursorSecret().secretValue.unsafeUnwrap(),
    });

    const clickHouse: ClickHouseEndpoint = {
      url: ssm.StringParameter.valueForStringParameter(this, props.analytics.urlParameter),
      database: ssm.StringParameter.valueForStringParameter(this, props.analytics.databaseParameter),
      credentials: secretsmanager.Secret.fromSecretCompleteArn(this, 'ClickHouseCredentials', ssm.StringParameter.valueForStringParameter(this, props.analytics.credentialsArnParameter)),
    };
    this.functions = new Map(
      routeManifest.map((route) => [route.name, this.addRoute(route, { table: props.table, idempotencyTable: props.idempotencyTable, mediaBucket: props.mediaBucket, authorizer, environment, clickHouse })]),
    );
    this.throttleRoutes();

    new CfnOutput(this, 'ApiUrl', { value: this.api.apiEndpoint });
    new CfnOutput(this, 'UserPoolId', { value: this.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: this.userPoolClient.userPoolClientId });
  }

  private addRoute(
    route: RouteDefinition,
    deps: { table: ITable; idempotencyTable: ITable; mediaBucket: MediaBucketRef; authorizer: apigwv2.IHttpRouteAuthorizer; environment: Record<string, string>; clickHouse: ClickHouseEndpoint },
  ): CrmFunction {
    const fn = new CrmFunction(this, route.name, { entry: route.entry, description: routeKey(route), environment: deps.environment });
    // Reads cannot write: a GET handler gets no PutItem/UpdateItem/DeleteItem even by mistake; a
    // route that touches no table (health, the OpenAPI document) gets no table at all.
    if (!route.noTable) bindTable(fn, deps.table, route.method === 'GET' ? 'read' : 'readWrite');
    // Writes may carry an Idempotency-Key; its records live in their own table (no indexes).
    if (route.method !== 'GET' && !route.noTable) bindTable(fn, deps.idempotencyTable, 'readWrite', 'IDEMPOTENCY_TABLE_NAME', false);
    if (route.media) bindMedia(fn, deps.mediaBucket, route.media);
    if (route.signInAccounts) bindUserPool(fn, this.userPool, route.signInAccounts);
    // Only the routes that read facts may reach ClickHouse (and read its credentials).
    if (route.analytics) bindClickHouse(fn, deps.clickHouse, dashboardRequestTimeout);

    const [httpRoute] = this.api.addRoutes({
      path: route.path,
      methods: [apigwv2.HttpMethod[route.method]],
      integration: new HttpLambdaIntegration(`${route.name}Integration`, fn.lambda),
      authorizer: route.public ? new apigwv2.HttpNoneAuthorizer() : deps.authorizer,
    });
    if (route.public) {
      Validations.of(httpRoute!).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason: `${routeKey(route)} is declared public in functions/http/routes.ts: it takes no Cognito token (a health check, or a handler that authenticates its caller itself).`,
      });
    }
    return fn;
  }

  /**
   * Per-route throttling from the manifest (`throttle`), under the stage's default. The stage's
   * route settings name routes by key, so the stage waits for the routes to exist.
   */
  private throttleRoutes(): void {
    const throttled = routeManifest.filter((r) => r.throttle);
    const cfn = this.stage.node.defaultChild as apigwv2.CfnStage;
    // RouteSettings is free-form JSON to CDK: written in CloudFormation's own (PascalCase) names.
    cfn.routeSettings = Object.fromEntries(throttled.map((r) => [routeKey(r), { ThrottlingRateLimit: r.throttle!.rate, ThrottlingBurstLimit: r.throttle!.burst }]));
    for (const route of this.api.node.children.filter((c) => c instanceof apigwv2.HttpRoute)) this.stage.node.addDependency(route);
  }

  /** The key that signs pagination cursors (functions/lib/config.ts requires it). */
  private createCursorSecret(): secretsmanager.Secret {
    const secret = new secretsmanager.Secret(this, 'CursorSecret', {
      description: 'Signs CRM API pagination cursors',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    Validations.of(secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The key only signs short-lived pagination cursors (it grants no data access); rotating it would invalidate every outstanding cursor, so it is rotated by hand.',
    });
    return secret;
  }

  private createApi(throttle: apigwv2.ThrottleSettings): apigwv2.HttpApi {
    const api = new apigwv2.HttpApi(this, 'HttpApi', { description: 'Sales CRM API', createDefaultStage: false });
    const accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: logs.RetentionDays.THREE_MONTHS });
    // The default stage is added by hand because HttpApi's own default stage takes no log settings.
    this.stage = api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle,
      accessLogSettings: { destination: new apigwv2.LogGroupLogDestination(accessLogs), format: accessLogFormat },
    });
    return api;
  }

  private createUserPool(): cognito.UserPool {
    const userPool = new cognito.UserPool(this, 'UserPool', {
      // Staff accounts are created by tenant admins, never by visitors.
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      autoVerify: { email: true },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        passwordHistorySize: 5,
        tempPasswordValidity: Duration.days(3),
      },
      mfa: cognito.Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      // Set once by AdminCreateUser and never again (immutable: not even an admin can move a user to
      // another tenant or staff record); max 63 = the Slug of domain/access/roles.ts.
      customAttributes: {
        tenant_id: new cognito.StringAttribute({ minLen: 1, maxLen: 63, mutable: false }),
        staff_id: new cognito.StringAttribute({ minLen: 1, maxLen: 63, mutable: false }),
      },
      // Plus tier: threat protection (compromised credentials, adaptive authentication); Essentials or
      // above is needed anyway for the access-token claims the pre-token-generation trigger adds.
      featurePlan: cognito.FeaturePlan.PLUS,
      standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(userPool).acknowledge({
      id: 'AwsSolutions-COG2',
      reason:
        'MFA is optional (TOTP) by design for field sales staff; adaptive authentication demands it on risky sign-ins and blocks compromised credentials.',
    });

    new cognito.CfnUserPoolRiskConfigurationAttachment(this, 'ThreatProtection', {
      userPoolId: userPool.userPoolId,
      clientId: 'ALL',
      accountTakeoverRiskConfiguration: {
        actions: {
          lowAction: { eventAction: 'NO_ACTION', notify: false },
          mediumAction: { eventAction: 'MFA_IF_CONFIGURED', notify: false },
          highAction: { eventAction: 'MFA_REQUIRED', notify: false },
        },
      },
      compromisedCredentialsRiskConfiguration: { actions: { eventAction: 'BLOCK' } },
    });
    return userPool;
  }
}
