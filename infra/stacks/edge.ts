import { CfnOutput, Duration, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import type { Construct } from 'constructs';
import { originHostOf } from './api-stage';

export interface EdgeStackProps extends StackProps {
  readonly domain: { name: string; hostedZoneId: string; hostedZoneName: string };
}

/** Requests one client address may make in 5 minutes before WAF blocks it (~6.7/s sustained, above any app's use). */
export const RATE_LIMIT_PER_5_MIN = 2_000;

/** The managed rule groups, in priority order after the rate rule (each costs $1/month plus requests). */
export const managedRuleGroups = ['AWSManagedRulesAmazonIpReputationList', 'AWSManagedRulesCommonRuleSet', 'AWSManagedRulesKnownBadInputsRuleSet'] as const;

/**
 * The API's edge (#11 item 3), in us-east-1 because CloudFront's certificates and WAF web ACLs
 * live there: an HTTP API cannot carry a WAF web ACL, so CloudFront is put in front with one (a
 * per-client rate rule and AWS's managed rule groups) and serves the API's own domain. Its origin
 * is the API's regional custom domain (`origin.<domain>`, Crm-Api-Stage); the execute-api
 * endpoint is disabled. Nothing is cached: every request reaches the API with its headers
 * (Authorization, If-Match, Idempotency-Key) and query.
 */
export class EdgeStack extends Stack {
  readonly webAcl: wafv2.CfnWebACL;
  readonly distribution: cloudfront.Distribution;

  constructor(scope: Construct, id: string, props: EdgeStackProps) {
    super(scope, id, props);
    const zone = route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', { hostedZoneId: props.domain.hostedZoneId, zoneName: props.domain.hostedZoneName });
    const certificate = new acm.Certificate(this, 'Certificate', { domainName: props.domain.name, validation: acm.CertificateValidation.fromDns(zone) });

    const visibility = (name: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({ cloudWatchMetricsEnabled: true, metricName: name, sampledRequestsEnabled: true });
    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      scope: 'CLOUDFRONT',
      defaultAction: { allow: {} },
      visibilityConfig: visibility('crm-api'),
      rules: [
        {
          name: 'RatePerClient',
          priority: 0,
          action: { block: {} },
          statement: { rateBasedStatement: { limit: RATE_LIMIT_PER_5_MIN, aggregateKeyType: 'IP', evaluationWindowSec: 300 } },
          visibilityConfig: visibility('rate-per-client'),
        },
        ...managedRuleGroups.map((name, i) => ({
          name,
          priority: i + 1,
          overrideAction: { none: {} },
          statement: {
            managedRuleGroupStatement: {
              vendorName: 'AWS',
              name,
              // The common rule set blocks bodies over 8 KB; the API takes up to 64 KB JSON and refuses more itself (413).
              ...(name === 'AWSManagedRulesCommonRuleSet' && { ruleActionOverrides: [{ name: 'SizeRestrictions_BODY', actionToUse: { count: {} } }] }),
            },
          },
          visibilityConfig: visibility(name),
        })),
      ],
    });

    const logs = new s3.Bucket(this, 'AccessLogs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      // CloudFront standard logging writes with ACLs.
      objectOwnership: s3.ObjectOwnership.OBJECT_WRITER,
      lifecycleRules: [{ expiration: Duration.days(365) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(logs).acknowledge({ id: 'AwsSolutions-S1', reason: 'This bucket holds the distribution’s access logs; logging its own access would log the logging.' });

    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: `Sales CRM API (${props.domain.name})`,
      domainNames: [props.domain.name],
      certificate,
      minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
      webAclId: this.webAcl.attrArn,
      // North America, Europe, Asia (India included), Middle East and Africa.
      priceClass: cloudfront.PriceClass.PRICE_CLASS_200,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      enableLogging: true,
      logBucket: logs,
      logFilePrefix: 'api/',
      defaultBehavior: {
        origin: new origins.HttpOrigin(originHostOf(props.domain.name), { protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY, originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2] }),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
        cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
        // Everything the viewer sent but Host (the origin's certificate is for origin.<domain>).
        originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
      },
    });
    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions-CFR1',
      reason: 'Sales teams travel; access is decided by sign-in and tenant, not by country. WAF’s IP reputation list blocks known bad sources.',
    });

    new route53.ARecord(this, 'ApiRecord', { zone, recordName: props.domain.name, target: route53.RecordTarget.fromAlias(new targets.CloudFrontTarget(this.distribution)) });
    new route53.AaaaRecord(this, 'ApiRecordIpv6', { zone, recordName: props.domain.name, target: route53.RecordTarget.fromAlias(new targets.CloudFrontTarget(this.distribution)) });
    new CfnOutput(this, 'ApiUrl', { value: `https://${props.domain.name}` });
  }
}
