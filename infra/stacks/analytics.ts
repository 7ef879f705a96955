import { CfnCondition, CfnOutput, CfnParameter, CustomResource, Duration, Fn, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import * as cr from 'aws-cdk-lib/custom-resources';
import type { Construct } from 'constructs';
import type { RuleDefinition } from '../../events/rules';
import { migrations, type Migration } from '../../functions/lib/analytics/schema';
import { bindClickHouse, CrmFunction, type ClickHouseEndpoint } from '../constructs/crm-function';
import { RuleConsumer } from '../constructs/rule-consumer';

/** The rule of events/rules.ts whose consumer this stack owns. */
export const ANALYTICS_LOADER_RULE = 'analytics-loader';

/** The loader runs 30 s at most (a batch of 100); each ClickHouse request gives up after 20 s. */
const loaderRequestTimeout = Duration.seconds(20);
/** DDL can queue behind merges on a busy server: a minute per statement, five for the whole run. */
const migrationTimeout = Duration.minutes(5);
const migrationRequestTimeout = Duration.minutes(1);

export interface AnalyticsStackProps extends StackProps {
  /** The domain-event bus (Crm-Events), referenced by name only. */
  readonly bus: IEventBus;
  /** The analytics loader's entry of events/rules.ts. */
  readonly loaderRule: RuleDefinition;
  /** The migrations the schema resource tracks. @default those of functions/lib/analytics/schema.ts */
  readonly migrations?: readonly Migration[];
}

/**
 * ClickHouse in production (DESIGN §1, §5): where it is (parameters), how to log in (a secret),
 * its schema (migrations applied on deploy) and the loader that fills it.
 *
 * The loader lives here, not in Crm-Events, because everything it depends on does:
 * - the endpoint is a parameter of this stack. Passed to Crm-Events it would cross as an
 *   Export/ImportValue (the app's references are strong), and CloudFormation refuses to change an
 *   export another stack imports: the endpoint could then never be changed by a parameter update,
 *   which is what a parameter is for. Here it is a plain Ref;
 * - the loader must not run before the schema exists, on the first deploy and after every new
 *   migration. In one stack that is a DependsOn from the loader's function and mapping on the
 *   custom resource, honoured on every update; across stacks it would only be a stack order;
 * - the grant on the secret stays beside the secret.
 * The one cross-stack reference is the bus name (Crm-Events → Crm-Analytics), which never changes;
 * Crm-Events references nothing here, so there is no cycle.
 *
 * Deploying: the first deploy may leave ClickHouseUrl empty. The stack then creates the secret
 * (with a generated password), skips the migrations and keeps the loader's mapping disabled, so
 * events wait in its queue. Create the ClickHouse user with that password (or put your own
 * credentials in the secret), then deploy with `--parameters Crm-Analytics:ClickHouseUrl=https://…`:
 * the change of URL re-runs the migrations against it, and only then is the mapping enabled.
 */
export class AnalyticsStack extends Stack {
  readonly clickHouseUrl: CfnParameter;
  readonly clickHouseDatabase: CfnParameter;
  /** `ClickHouseUrl` is not empty. */
  readonly configured: CfnCondition;
  readonly credentials: secretsmanager.Secret;
  readonly loader: RuleConsumer;
  readonly migrator: CrmFunction;
  readonly schema: CustomResource;
  /**
   * Where the API's dashboards find ClickHouse: SSM parameters named after this stack, which the
   * API stack resolves by name on each deploy (no export, so the URL stays changeable).
   */
  readonly endpointParameters: { url: string; database: string; credentialsArn: string };

  constructor(scope: Construct, id: string, props: AnalyticsStackProps) {
    super(scope, id, props);
    if (props.loaderRule.name !== ANALYTICS_LOADER_RULE) throw new Error(`the analytics stack owns the ${ANALYTICS_LOADER_RULE} rule, not ${props.loaderRule.name}`);

    this.clickHouseUrl = new CfnParameter(this, 'ClickHouseUrl', {
      type: 'String',
      default: '',
      // https only, and nothing in it that belongs elsewhere: no user:password@ (credentials live
      // in the secret), no query string (settings and the database have their own places).
      allowedPattern: '^(https://[^\\s/?#@]+(/[^\\s?#@]*)?)?$',
      constraintDescription:
        'must be the https:// URL of the ClickHouse HTTP interface, e.g. https://abc123.ap-south-1.aws.clickhouse.cloud:8443, without credentials or a query string; or empty while no endpoint is set',
      description: 'ClickHouse HTTP interface (https). Empty: no endpoint yet — migrations are skipped and the loader does not consume its queue.',
    });
    this.clickHouseDatabase = new CfnParameter(this, 'ClickHouseDatabase', {
      type: 'String',
      default: 'crm',
      allowedPattern: '^[A-Za-z_][A-Za-z0-9_]{0,62}$',
      constraintDescription: 'must be a plain ClickHouse identifier (letters, digits, underscore; not starting with a digit)',
      description: 'ClickHouse database holding the CRM facts; created beforehand, the login in the secret must own it.',
    });
    this.configured = new CfnCondition(this, 'ClickHouseConfigured', { expression: Fn.conditionNot(Fn.conditionEquals(this.clickHouseUrl.valueAsString, '')) });

    this.credentials = new secretsmanager.Secret(this, 'ClickHouseCredentials', {
      description: 'ClickHouse login of the CRM analytics loader and migrations: JSON {"username", "password"}. Create that user in ClickHouse with the generated password, or put your own credentials here.',
      // 32 letters and digits (~190 bits): safe in basic auth and in CREATE USER … IDENTIFIED BY '…'.
      generateSecretString: { secretStringTemplate: JSON.stringify({ username: 'crm_loader' }), generateStringKey: 'password', passwordLength: 32, excludePunctuation: true },
    });
    Validations.of(this.credentials).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'The password belongs to a ClickHouse user outside AWS; Secrets Manager cannot change it there without a rotation function that administers ClickHouse users. It is rotated by hand (ALTER USER, then put-secret-value); the loader re-reads the secret when ClickHouse refuses the cached password.',
    });
    const endpoint: ClickHouseEndpoint = { url: this.clickHouseUrl.valueAsString, database: this.clickHouseDatabase.valueAsString, credentials: this.credentials };

    this.migrator = new CrmFunction(this, 'ApplyMigrations', {
      entry: 'functions/custom-resources/apply-migrations.ts',
      description: 'Applies the ClickHouse schema migrations on deploy (custom resource).',
      timeout: migrationTimeout,
    });
    bindClickHouse(this.migrator, endpoint, migrationRequestTimeout);
    this.schema = this.createSchema(this.migrator, props.migrations ?? migrations);

    this.loader = new RuleConsumer(this, props.loaderRule.name, { bus: props.bus, rule: props.loaderRule });
    bindClickHouse(this.loader.consumer, endpoint, loaderRequestTimeout);
    // The schema first: before the mapping (no message before the tables exist), and before the
    // function too, so code that needs a new migration never runs ahead of it on an update.
    this.loader.mapping.node.addDependency(this.schema);
    this.loader.consumer.lambda.node.addDependency(this.schema);
    (this.loader.mapping.node.defaultChild as lambda.CfnEventSourceMapping).enabled = Fn.conditionIf(this.configured.logicalId, true, false);

    // `unset` while ClickHouseUrl is empty (an SSM value cannot be empty; functions/lib/config.ts reads it as unset).
    this.endpointParameters = { url: `/${this.stackName}/clickhouse-url`, database: `/${this.stackName}/clickhouse-database`, credentialsArn: `/${this.stackName}/clickhouse-credentials-arn` };
    new ssm.StringParameter(this, 'ClickHouseUrlParameter', {
      parameterName: this.endpointParameters.url,
      description: 'The ClickHouse HTTP interface the API reads dashboards from (the ClickHouseUrl parameter; `unset` until configured).',
      stringValue: Fn.conditionIf(this.configured.logicalId, this.clickHouseUrl.valueAsString, 'unset').toString(),
    });
    new ssm.StringParameter(this, 'ClickHouseDatabaseParameter', {
      parameterName: this.endpointParameters.database,
      description: 'The ClickHouse database the API reads dashboards from.',
      stringValue: this.clickHouseDatabase.valueAsString,
    });

    new ssm.StringParameter(this, 'ClickHouseCredentialsArnParameter', {
      parameterName: this.endpointParameters.credentialsArn,
      description: 'The ARN of the secret with the ClickHouse login (the API may read that one secret).',
      stringValue: this.credentials.secretArn,
    });

    new CfnOutput(this, 'ClickHouseCredentialsSecret', {
      value: this.credentials.secretArn,
      description: 'The secret holding the ClickHouse login ({"username", "password"}).',
    });
  }

  /**
   * The migrations as a custom resource. Its properties are what must re-run them: the migration
   * versions (a new migration is an Update) and the endpoint (a new server or database gets the
   * schema before the loader writes to it).
   */
  private createSchema(migrator: CrmFunction, list: readonly Migration[]): CustomResource {
    // The provider framework's function gets a role and log group like ours (no managed policy).
    const frameworkLogs = new logs.LogGroup(this, 'SchemaProviderLogs', { retention: logs.RetentionDays.ONE_MONTH });
    const frameworkRole = new iam.Role(this, 'SchemaProviderRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    frameworkLogs.grantWrite(frameworkRole);
    const provider = new cr.Provider(this, 'SchemaProvider', { onEventHandler: migrator.lambda, frameworkOnEventRole: frameworkRole, logGroup: frameworkLogs });
    Validations.of(frameworkRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${this.getLogicalId(migrator.lambda.node.defaultChild as lambda.CfnFunction)}.Arn>:*]`,
      reason: 'The CDK provider framework may invoke the migration function and its versions (lambda:InvokeFunction on the function ARN and ARN:*); nothing else.',
    });

    return new CustomResource(this, 'ClickHouseSchema', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::ClickHouseSchema',
      properties: {
        Migrations: list.map((m) => String(m.version)),
        Url: this.clickHouseUrl.valueAsString,
        Database: this.clickHouseDatabase.valueAsString,
      },
    });
  }
}
