import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import type { Construct } from 'constructs';
import { routeKey, type RouteDefinition } from '../../functions/http/routes';
import { stageOf } from '../stage';
import type { ApiStack } from './api';

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

export interface ApiStageStackProps extends StackProps {
  readonly core: ApiStack;
  /** Every route of the manifest: the throttled ones get their own limits. */
  readonly routes: readonly RouteDefinition[];
  /** Steady-state and burst limits for every route of the stage. @default 100 rps, burst 200 */
  readonly throttle?: apigwv2.ThrottleSettings;
  /**
   * The API's domain: the stage is mapped to `origin.<name>` (a regional custom domain with its
   * own certificate), which Crm-Edge's CloudFront distribution serves as `<name>`.
   */
  readonly domain?: { name: string; hostedZoneId: string; hostedZoneName: string };
}

/** The hostname CloudFront reaches the API at (its regional custom domain). */
export const originHostOf = (domainName: string) => `origin.${domainName}`;

/**
 * The API's `$default` stage, deployed after every route stack (it names routes by key in its
 * route settings, and CloudFormation refuses settings for a route that does not exist yet): access
 * logs, the stage's throttle and each costly route's own (#11 item 3).
 */
export class ApiStageStack extends Stack {
  readonly stage: apigwv2.HttpStage;

  constructor(scope: Construct, id: string, props: ApiStageStackProps) {
    super(scope, id, props);
    const production = stageOf(this).production;
    const accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: production ? logs.RetentionDays.ONE_YEAR : logs.RetentionDays.THREE_MONTHS,
      removalPolicy: production ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    // A stage of its own rather than HttpApi's default one, which takes no log settings.
    this.stage = new apigwv2.HttpStage(this, 'DefaultStage', {
      httpApi: props.core.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle ?? { rateLimit: 100, burstLimit: 200 },
      accessLogSettings: { destination: new apigwv2.LogGroupLogDestination(accessLogs), format: accessLogFormat },
    });
    const cfn = this.stage.node.defaultChild as apigwv2.CfnStage;
    // RouteSettings is free-form JSON to CDK: written in CloudFormation's own (PascalCase) names.
    cfn.routeSettings = Object.fromEntries(
      props.routes.filter((r) => r.throttle).map((r) => [routeKey(r), { ThrottlingRateLimit: r.throttle!.rate, ThrottlingBurstLimit: r.throttle!.burst }]),
    );
    if (props.domain) {
      const zone = route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', { hostedZoneId: props.domain.hostedZoneId, zoneName: props.domain.hostedZoneName });
      const originHost = originHostOf(props.domain.name);
      const certificate = new acm.Certificate(this, 'OriginCertificate', { domainName: originHost, validation: acm.CertificateValidation.fromDns(zone) });
      const domainName = new apigwv2.DomainName(this, 'OriginDomain', { domainName: originHost, certificate, securityPolicy: apigwv2.SecurityPolicy.TLS_1_2 });
      new apigwv2.ApiMapping(this, 'OriginMapping', { api: props.core.api, domainName, stage: this.stage });
      new route53.ARecord(this, 'OriginRecord', {
        zone,
        recordName: originHost,
        target: route53.RecordTarget.fromAlias(new targets.ApiGatewayv2DomainProperties(domainName.regionalDomainName, domainName.regionalHostedZoneId)),
      });
      new CfnOutput(this, 'ApiUrl', { value: `https://${props.domain.name}` });
    } else {
      new CfnOutput(this, 'ApiUrl', { value: props.core.api.apiEndpoint });
    }
  }
}
