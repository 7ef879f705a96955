import { Tracer } from '@aws-lambda-powertools/tracer';
import { installClientCapture } from './observability';

/**
 * Powertools Tracer for the functions that import this module first (the stream publisher, the
 * analytics loader, the jobs): their AWS SDK clients, and (captureHTTPsRequests) their HTTPS calls
 * to ClickHouse, become subsegments of the invocation's X-Ray trace. Off outside Lambda by itself.
 */
export const tracer = new Tracer();
installClientCapture((client) => tracer.captureAWSv3Client(client));
