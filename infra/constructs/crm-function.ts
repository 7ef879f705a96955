import path from 'node:path';
import { Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import type { IUserPool } from 'aws-cdk-lib/aws-cognito';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { tableSchema } from '../../functions/lib/store/table-schema';
import { stageOf } from '../stage';

/** Handler entries in the manifests (routes.ts, rules.ts) are relative to the repository root. */
export const repoRoot = path.resolve(import.meta.dirname, '../..');

export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

export interface CrmFunctionProps {
  /** Handler module relative to the repository root; it exports `handler`. */
  readonly entry: string;
  readonly description?: string;
  readonly environment?: Record<string, string>;
  /** @default 10 seconds (HTTP handlers answer well inside API Gateway's 30 s limit) */
  readonly timeout?: Duration;
  /** @default 512 (DESIGN §7: every Lambda fits 512 MB) */
  readonly memorySize?: number;
  /** Powertools log level. @default INFO */
  readonly logLevel?: LogLevel;
  /** @default one month; three in production */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * Modules a Lambda bundle never contains:
 * - the AWS SDK v3 (and its @smithy packages): the nodejs24.x runtime provides it (NodejsFunction's
 *   own default, restated because setting `externalModules` replaces it);
 * - chDB, the in-process engine of the local stack: a native addon of ~500 MB with a package per
 *   platform. Marking `chdb` external alone is not enough: esbuild would still bundle the adapter
 *   that imports it and hoist that `import … from 'chdb'` to the top of the ESM bundle, so every
 *   cold start would fail to find it. The adapter module itself is external too, which leaves
 *   functions/lib/analytics/index.ts' `import('./analytics.chdb')` as a dynamic import that a
 *   Lambda (ANALYTICS_MODE unset) never executes.
 * - resvg, the native SVG renderer of the nightly email's charts: imported on first use
 *   (functions/lib/mail/charts.ts); the jobs consumer needs it provided beside the bundle
 *   (for arm64: @resvg/resvg-js-linux-arm64-gnu, a layer — not done yet, see the README).
 */
export const bundleExternals = ['@aws-sdk/*', '@smithy/*', 'chdb', '@chdb/*', '*/analytics.chdb', '@resvg/*'];

/**
 * How cdk-nag writes a wildcard ARN of this stack's account in a finding id: pseudo-parameters in
 * an environment-agnostic synth, the account and region themselves in a stage that names them.
 */
export function nagArn(stack: Stack, service: string, resource: string): string {
  const [partition, region, account] = [stack.partition, stack.region, stack.account].map((v, i) => (Token.isUnresolved(v) ? ['<AWS::Partition>', '<AWS::Region>', '<AWS::AccountId>'][i] : v));
  return `arn:${partition}:${service}:${region}:${account}:${resource}`;
}

/** Custom metrics' namespace (functions/lib/observability.ts). */
export const METRICS_NAMESPACE = 'Crm';

/** The function group a function belongs to: its stack's construct id (the same in every stage), lower-cased. */
export const serviceNameOf = (scope: Construct) => Stack.of(scope).node.id.toLowerCase();

/**
 * A Lambda with the project's defaults: Node 24 on arm64, an ESM bundle built by the local esbuild,
 * its own log group with a retention, and a role that may only write to that log group until
 * bindTable/bindQueue/bindBus/bindUserPool/bindSecret grant it more.
 */
export class CrmFunction extends Construct implements iam.IGrantable {
  readonly lambda: NodejsFunction;
  readonly logGroup: logs.LogGroup;
  readonly timeout: Duration;

  constructor(scope: Construct, id: string, props: CrmFunctionProps) {
    super(scope, id);
    this.timeout = props.timeout ?? Duration.seconds(10);

    // Production keeps its logs longer, and keeps them when a stack goes; other stages clean up.
    const production = stageOf(this).production;
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? (production ? logs.RetentionDays.THREE_MONTHS : logs.RetentionDays.ONE_MONTH),
      removalPolicy: production ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });

    // Our own role instead of the default one with the AWSLambdaBasicExecutionRole managed policy,
    // which may write to every log group in the account.
    const role = new iam.Role(this, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    this.logGroup.grantWrite(role);

    this.lambda = new NodejsFunction(this, 'Function', {
      entry: path.join(repoRoot, props.entry),
      handler: 'handler',
      projectRoot: repoRoot,
      depsLockFilePath: path.join(repoRoot, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: this.timeout,
      description: props.description,
      role,
      logGroup: this.logGroup,
      // X-Ray: the invocation's segment, and the AWS SDK calls Powertools Tracer records in it.
      tracing: lambda.Tracing.ACTIVE,
      environment: {
        POWERTOOLS_LOG_LEVEL: props.logLevel ?? 'INFO',
        // One service per function group (its stack: crm-api-clients, crm-events, …): the
        // logs', traces' and metrics' service, and the dimension the alarms read.
        POWERTOOLS_SERVICE_NAME: serviceNameOf(this),
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        // Stack traces point into the TypeScript sources through the bundled source map.
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: {
        forceDockerBundling: false,
        minify: true,
        sourceMap: true,
        // Mappings only: the sources themselves would double the asset for no runtime benefit.
        sourcesContent: false,
        format: OutputFormat.ESM,
        externalModules: bundleExternals,
        target: 'node24',
        mainFields: ['module', 'main'],
        // CommonJS dependencies bundled into ESM still call require(); give them one.
        banner: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
      },
    });
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'Active tracing grants xray:PutTraceSegments and xray:PutTelemetryRecords, which support no resource-level permissions.',
    });
  }

  get grantPrincipal(): iam.IPrincipal {
    return this.lambda.grantPrincipal;
  }

  addEnvironment(key: string, value: string): this {
    this.lambda.addEnvironment(key, value);
    return this;
  }
}

// Single-table access is by key: no Scan, and writes only where the mode says so.
// TransactWriteItems/TransactGetItems carry no IAM action of their own: they are authorised
// through the Put/Update/Delete/ConditionCheck and Get actions they contain.
const readActions = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'];
const tableActions = {
  read: readActions,
  readWrite: [
    ...readActions,
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
    // No BatchWriteItem: nothing batches writes (TransactWriteItems is authorised by the actions above).
    'dynamodb:ConditionCheckItem',
  ],
};

/**
 * The function may use the table: sets the env var the config reads and the matching grant, so
 * the two never drift. Indexes are named one by one (from table-schema.ts, DESIGN §5's one table)
 * rather than `index/*`, and only ever queried.
 */
export function bindTable(fn: CrmFunction, table: ITable, mode: keyof typeof tableActions, envVar = 'TABLE_NAME', indexes = true): void {
  fn.addEnvironment(envVar, table.tableName);
  iam.Grant.addToPrincipal({ grantee: fn, actions: tableActions[mode], resourceArns: [table.tableArn] });
  if (!indexes) return;
  iam.Grant.addToPrincipal({
    grantee: fn,
    actions: ['dynamodb:Query'],
    resourceArns: tableSchema.globalSecondaryIndexes.map((gsi) => `${table.tableArn}/index/${gsi.indexName}`),
  });
}

/** The function may send to (or consume from) the queue; the queue URL goes into `envVar`. */
export function bindQueue(fn: CrmFunction, queue: IQueue, mode: 'send' | 'consume', envVar: string): void {
  fn.addEnvironment(envVar, queue.queueUrl);
  if (mode === 'send') queue.grantSendMessages(fn);
  else queue.grantConsumeMessages(fn);
}

/** The function may publish to the bus (PutEvents only); the bus name goes into `envVar`. */
export function bindBus(fn: CrmFunction, bus: IEventBus, envVar = 'EVENT_BUS_NAME'): void {
  fn.addEnvironment(envVar, bus.eventBusName);
  bus.grantPutEventsTo(fn);
}

/** What each step of staff administration calls on sign-in accounts (functions/lib/identity/identity-provider.ts). */
export const userPoolAdminActions = {
  // createUser: AdminCreateUser, then AdminGetUser when the account exists (a retry), AdminAddUserToGroup.
  create: ['cognito-idp:AdminCreateUser', 'cognito-idp:AdminGetUser', 'cognito-idp:AdminAddUserToGroup'],
  // disableUser: AdminGetUser, AdminUserGlobalSignOut, AdminDisableUser.
  disable: ['cognito-idp:AdminGetUser', 'cognito-idp:AdminUserGlobalSignOut', 'cognito-idp:AdminDisableUser'],
} as const;

/**
 * The function may take one step of account administration on users of this pool and no other:
 * sets COGNITO_USER_POOL_ID (read by the config) and the grant of that step's actions on the pool's
 * ARN together.
 */
export function bindUserPool(fn: CrmFunction, userPool: IUserPool, step: keyof typeof userPoolAdminActions): void {
  fn.addEnvironment('COGNITO_USER_POOL_ID', userPool.userPoolId);
  iam.Grant.addToPrincipal({ grantee: fn, actions: [...userPoolAdminActions[step]], resourceArns: [userPool.userPoolArn] });
}

/**
 * The function may sign URLs for client images under `tenants/`: a presigned URL carries the
 * signer's permissions, so an upload signer gets PutObject and a download signer GetObject only.
 */
export function bindMedia(fn: CrmFunction, bucket: { name: string; arn: string; arnExportName: string }, mode: 'read' | 'write'): void {
  fn.addEnvironment('MEDIA_BUCKET', bucket.name);
  iam.Grant.addToPrincipal({ grantee: fn, actions: [mode === 'write' ? 's3:PutObject' : 's3:GetObject'], resourceArns: [`${bucket.arn}/tenants/*`] });
  Validations.of(fn).acknowledge({
    id: `AwsSolutions-IAM5[Resource::${bucket.arnExportName}/tenants/*]`,
    reason:
      'Object keys are made per upload (tenants/{tenant}/clients/{client}/{ulid}.{ext}); the grant is one action on the tenants/ prefix of the media bucket, and the handler only signs keys of the caller’s tenant.',
  });
}

/**
 * The function may read this one secret's value: its ARN goes into `envVar` and the grant is
 * `secretsmanager:GetSecretValue` on that ARN alone (no DescribeSecret, no wildcard). The value is
 * read at runtime and never enters the environment, the template or the logs.
 */
export function bindSecret(fn: CrmFunction, secret: ISecret, envVar: string): void {
  fn.addEnvironment(envVar, secret.secretArn);
  // A statement of its own, named after the variable (CURSOR_SECRET_ARN → ReadCursorSecret), so
  // two secrets' grants are never merged into one and each reads as what it is.
  const sid = `Read${envVar.replace(/_ARN$/, '').toLowerCase().replace(/(^|_)([a-z])/g, (_, __, c: string) => c.toUpperCase())}`;
  fn.lambda.addToRolePolicy(new iam.PolicyStatement({ sid, actions: ['secretsmanager:GetSecretValue'], resources: [secret.secretArn] }));
  // A secret under a customer-managed key also needs kms:Decrypt (the AWS-managed key does not).
  secret.encryptionKey?.grantDecrypt(fn);
}

/** Where ClickHouse is: the analytics stack's parameters and the secret with its credentials. */
export interface ClickHouseEndpoint {
  /** https URL of the HTTP interface (no credentials in it); empty until one is configured. */
  readonly url: string;
  readonly database: string;
  /** JSON `{"username", "password"}`. */
  readonly credentials: ISecret;
}

/**
 * The function may use ClickHouse: CLICKHOUSE_URL, CLICKHOUSE_DATABASE and CLICKHOUSE_SECRET_ARN
 * as functions/lib/analytics/index.ts reads them, the grant on the secret, and the client's
 * per-request timeout, which must end before the function's own so a hung request is an error
 * the function reports, not a timeout that kills it.
 */
export function bindClickHouse(fn: CrmFunction, endpoint: ClickHouseEndpoint, requestTimeout: Duration): void {
  if (requestTimeout.toMilliseconds() >= fn.timeout.toMilliseconds()) {
    throw new Error(`${fn.node.path}: the ClickHouse request timeout (${requestTimeout.toHumanString()}) must be shorter than the function's (${fn.timeout.toHumanString()})`);
  }
  fn.addEnvironment('CLICKHOUSE_URL', endpoint.url)
    .addEnvironment('CLICKHOUSE_DATABASE', endpoint.database)
    .addEnvironment('CLICKHOUSE_REQUEST_TIMEOUT_MS', String(requestTimeout.toMilliseconds()));
  bindSecret(fn, endpoint.credentials, 'CLICKHOUSE_SECRET_ARN');
}
