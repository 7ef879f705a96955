import { CfnOutput, Duration, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { roles } from '../../domain/access/roles';
import type { RouteDefinition } from '../../functions/http/routes';
import { CrmFunction, nagArn } from '../constructs/crm-function';

/** Routes the manifest marks as managing sign-in accounts (create and deactivate staff); reads never get the grant. */
export const managesStaffAccounts = (route: Pick<RouteDefinition, 'signInAccounts'>) => route.signInAccounts !== undefined;

export interface ApiStackProps extends StackProps {
  /** The verified SES identity Cognito's invitations and codes come from (else Cognito's own sender, dev only). */
  readonly mailFrom?: string;
  /** The web apps' origins: CORS preflights from any other origin get no CORS headers. @default the dev origins */
  readonly allowedOrigins?: readonly string[];
  /** The API has its own domain (Crm-Edge): its default execute-api endpoint is switched off. */
  readonly customDomain?: boolean;
}

/** What a browser may send and read (functions/lib/http: If-Match, Idempotency-Key; ETag, Retry-After, the request id). */
export const corsHeaders = {
  allow: ['authorization', 'content-type', 'if-match', 'idempotency-key'],
  expose: ['etag', 'retry-after', 'x-request-id', 'idempotent-replayed'],
} as const;

/** Who outranks whom when a user is in more than one group (each staff member is in exactly one): lower first. */
export const groupPrecedence: Readonly<Record<(typeof roles)[number], number>> = {
  platform_admin: 0,
  tenant_admin: 10,
  manager: 20,
  asst_manager: 30,
  sales_officer: 40,
  tse: 50,
  warrior: 60,
  partner: 70,
  analyst: 80,
};

/**
 * The HTTP API's core (DESIGN §6): the API itself, Cognito sign-in for staff and the JWT
 * authorizer every non-public route uses, and the key that signs pagination cursors. The routes
 * and their functions live in one stack per route group (api-routes.ts) and the stage in its own
 * (api-stage.ts), so the API can grow past CloudFormation's 500 resources a stack (#11 item 1).
 * The handlers verify the token again themselves (aws-jwt-verify): the authorizer is a first
 * gate, not the only one.
 */
export class ApiStack extends Stack {
  readonly api: apigwv2.HttpApi;
  readonly authorizer: apigwv2.HttpAuthorizer;
  readonly userPool: cognito.UserPool;
  readonly userPoolClient: cognito.UserPoolClient;
  /** `{"current", "previous"?}`: signs pagination cursors (functions/lib/store/cursor.ts). */
  readonly cursorSecret: secretsmanager.Secret;
  /** What every function building the use-case services needs besides its grants (auth settings). */
  readonly functionEnvironment: Record<string, string>;
  /** Puts tenant_id and staff_id into every access token (functions/cognito/pre-token-generation.ts). */
  readonly preTokenGeneration: CrmFunction;

  constructor(scope: Construct, id: string, props: ApiStackProps = {}) {
    super(scope, id, props);

    this.userPool = this.createUserPool(props.mailFrom);
    this.preTokenGeneration = new CrmFunction(this, 'PreTokenGeneration', {
      entry: 'functions/cognito/pre-token-generation.ts',
      description: 'Cognito pre-token-generation (V2_0): tenant_id and staff_id into the access token',
      // Cognito gives a trigger 5 s before it fails the sign-in.
      timeout: Duration.seconds(5),
    });
    // V2_0: the V1_0 event can only change the ID token, and the API reads the access token.
    // addTrigger also lets this pool, and only it, invoke the function; the function gets no grant.
    this.userPool.addTrigger(cognito.UserPoolOperation.PRE_TOKEN_GENERATION_CONFIG, this.preTokenGeneration.lambda, cognito.LambdaVersion.V2_0);
    // The trigger reads an admin's MFA setting (AdminGetUser). Named by pattern, not by this pool's
    // ARN: the pool names the trigger, so the trigger's policy naming the pool would be a cycle.
    this.preTokenGeneration.lambda.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['cognito-idp:AdminGetUser'], resources: [this.formatArn({ service: 'cognito-idp', resource: 'userpool', resourceName: '*' })] }),
    );
    Validations.of(this.preTokenGeneration).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagArn(this, 'cognito-idp', 'userpool/*')}]`,
      reason: 'The trigger reads one attribute of the user signing in (AdminGetUser, read-only) in the pool that invokes it; the pool ARN cannot be named without a dependency cycle.',
    });
    this.userPoolClient = this.userPool.addClient('AppClient', {
      // A staff member may not change their own email (deactivation and invitations go by it) or
      // anything else Cognito holds; tenant and staff ids are immutable anyway.
      writeAttributes: new cognito.ClientAttributes().withStandardAttributes({ fullname: true }),
      readAttributes: new cognito.ClientAttributes().withStandardAttributes({ email: true, emailVerified: true, fullname: true }).withCustomAttributes('tenant_id', 'staff_id'),
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
    for (const role of roles) this.userPool.addGroup(`Group-${role}`, { groupName: role, precedence: groupPrecedence[role], description: `CRM role ${role}` });

    this.api = new apigwv2.HttpApi(this, 'HttpApi', {
      description: 'Sales CRM API',
      createDefaultStage: false,
      // API Gateway answers preflights itself; only the stage's web apps get CORS headers.
      corsPreflight: {
        allowOrigins: [...(props.allowedOrigins ?? ['http://localhost:3000', 'http://localhost:5173'])],
        allowMethods: [apigwv2.CorsHttpMethod.GET, apigwv2.CorsHttpMethod.POST, apigwv2.CorsHttpMethod.PUT, apigwv2.CorsHttpMethod.PATCH, apigwv2.CorsHttpMethod.DELETE],
        allowHeaders: [...corsHeaders.allow],
        exposeHeaders: [...corsHeaders.expose],
        maxAge: Duration.hours(1),
      },
      // With a domain of its own the API is reached only through it (CloudFront and WAF in front).
      disableExecuteApiEndpoint: props.customDomain ?? false,
    });
    // Declared here rather than by HttpUserPoolAuthorizer, which would create it inside the first
    // route stack that binds it: every route stack names this one by id.
    this.authorizer = new apigwv2.HttpAuthorizer(this, 'CognitoAuthorizer', {
      httpApi: this.api,
      authorizerName: 'Cognito',
      type: apigwv2.HttpAuthorizerType.JWT,
      identitySource: ['$request.header.Authorization'],
      jwtAudience: [this.userPoolClient.userPoolClientId],
      jwtIssuer: `https://cognito-idp.${this.region}.amazonaws.com/${this.userPool.userPoolId}`,
    });
    this.functionEnvironment = {
      AUTH_MODE: 'cognito',
      COGNITO_USER_POOL_ID: this.userPool.userPoolId,
      COGNITO_CLIENT_ID: this.userPoolClient.userPoolClientId,
    };
    this.cursorSecret = this.createCursorSecret();

    new CfnOutput(this, 'UserPoolId', { value: this.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: this.userPoolClient.userPoolClientId });
  }

  /**
   * The keys that sign pagination cursors, as `{"current", "previous"?}`: functions read them
   * from Secrets Manager on first use (never from their environment). Rotated by hand, as the
   * README's "Rotating the cursor key" says: the new key becomes `current`, the old `previous`.
   */
  private createCursorSecret(): secretsmanager.Secret {
    const secret = new secretsmanager.Secret(this, 'CursorSecret', {
      description: 'Signs CRM API pagination cursors: {"current", "previous"?}',
      generateSecretString: { secretStringTemplate: '{}', generateStringKey: 'current', passwordLength: 64, excludePunctuation: true },
    });
    Validations.of(secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The key only signs pagination cursors (it grants no data access); it is rotated by hand with the old key kept as "previous" so no outstanding cursor breaks (README, "Rotating the cursor key").',
    });
    return secret;
  }

  private createUserPool(mailFrom: string | undefined): cognito.UserPool {
    const userPool = new cognito.UserPool(this, 'UserPool', {
      // Our own sender and words (Cognito's default sender allows about 50 emails a day).
      email: mailFrom ? cognito.UserPoolEmail.withSES({ fromEmail: mailFrom, fromName: 'Sales CRM', sesVerifiedDomain: mailFrom.split('@')[1]! }) : cognito.UserPoolEmail.withCognito(),
      userInvitation: {
        emailSubject: 'Your Sales CRM account',
        emailBody:
          'Hello,<br><br>Your administrator has created a Sales CRM account for you.<br><br>Sign in with <b>{username}</b> and the temporary password <b>{####}</b> within 3 days; you will choose your own password then.<br><br>— Sales CRM',
      },
      userVerification: {
        emailSubject: 'Your Sales CRM verification code',
        emailBody: 'Your Sales CRM verification code is <b>{####}</b>. If you did not ask for it, ignore this email.',
        emailStyle: cognito.VerificationEmailStyle.CODE,
      },
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
