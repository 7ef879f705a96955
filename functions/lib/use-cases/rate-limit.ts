import { HttpError } from '../http/errors';
import type { Services } from './ports';

/**
 * Fixed one-minute windows counted in DynamoDB (one atomic counter item per bucket and minute,
 * expiring after two): web forms per address and per form (#13), message sends per tenant (#14).
 * Every request adds one, admitted or not, so no minute ever admits more than the limit however
 * many callers race; a refused one is told to come back when the minute ends.
 */
export interface MinuteCount {
  /** Requests counted in this bucket's current minute, this one included. */
  hits: number;
  /** Seconds until the minute ends (1–60): when a refused request may succeed. */
  retryAfterSeconds: number;
}

/** Counter names: `RATE#{bucket}#{minute since the epoch}` (keys.ts: counters). */
export async function countInMinute(services: Pick<Services, 'integrations'>, tenantId: string, bucket: string, now: Date): Promise<MinuteCount> {
  const minute = Math.floor(now.getTime() / 60_000);
  const hits = await services.integrations.increment(tenantId, `RATE#${bucket}#${minute}`, 120);
  return { hits, retryAfterSeconds: 60 - Math.floor((now.getTime() % 60_000) / 1000) };
}

/**
 * Over a limit: 429 with Retry-After and the RateLimit fields (draft-ietf-httpapi-ratelimit-headers:
 * the limit, none remaining, seconds to the reset). Nothing was done.
 */
export class RateLimited extends HttpError {
  constructor(
    message: string,
    readonly limit: number,
    retryAfterSeconds: number,
  ) {
    super('too_many_requests', 'rate_limited', message, {}, retryAfterSeconds, { 'ratelimit-limit': String(limit), 'ratelimit-remaining': '0', 'ratelimit-reset': String(retryAfterSeconds) });
  }
}

/** Throws RateLimited (with `what` in its message) when the count is over `limit`. */
export function assertWithin(count: MinuteCount, limit: number, what: string): void {
  if (count.hits > limit) throw new RateLimited(`Too many ${what}: at most ${limit} a minute; try again in ${count.retryAfterSeconds} s.`, limit, count.retryAfterSeconds);
}
