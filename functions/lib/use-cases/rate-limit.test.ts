import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { problemResponse } from '../http/problem';
import { assertWithin, countInMinute, RateLimited } from './rate-limit';
import type { Services } from './ports';

/** The counter port as DynamoDB's ADD behaves: atomic, one value per name. */
function counters() {
  const hits = new Map<string, number>();
  const increment = async (tenantId: string, name: string) => {
    const key = `${tenantId}|${name}`;
    hits.set(key, (hits.get(key) ?? 0) + 1);
    return hits.get(key)!;
  };
  return { services: { integrations: { increment } } as unknown as Pick<Services, 'integrations'>, hits };
}

const admitted = async (services: Pick<Services, 'integrations'>, limit: number, at: Date) => {
  try {
    assertWithin(await countInMinute(services, 'demo', 'messages', at), limit, 'messages');
    return true;
  } catch (error) {
    if (error instanceof RateLimited) return error;
    throw error;
  }
};

describe('per-minute rate limits', () => {
  it('the 61st in a minute is refused until the minute ends, with the seconds left; the next minute starts afresh', async () => {
    const { services, hits } = counters();
    for (let i = 0; i < 60; i++) expect(await admitted(services, 60, new Date('2026-12-01T10:00:15.500Z'))).toBe(true);
    const refused = await admitted(services, 60, new Date('2026-12-01T10:00:15.500Z'));
    expect(refused).toBeInstanceOf(RateLimited);
    expect(refused).toMatchObject({ kind: 'too_many_requests', code: 'rate_limited', limit: 60, retryAfterSeconds: 45, message: 'Too many messages: at most 60 a minute; try again in 45 s.' });
    expect(await admitted(services, 60, new Date('2026-12-01T10:00:59.999Z'))).toMatchObject({ retryAfterSeconds: 1 });
    expect(await admitted(services, 60, new Date('2026-12-01T10:01:00.000Z'))).toBe(true);
    // One counter per tenant, bucket and minute since the epoch.
    expect([...hits.keys()]).toEqual([`demo|RATE#messages#${Date.parse('2026-12-01T10:00:00Z') / 60_000}`, `demo|RATE#messages#${Date.parse('2026-12-01T10:01:00Z') / 60_000}`]);
  });

  it('answers 429 with Retry-After and the RateLimit fields', () => {
    const answer = problemResponse(new RateLimited('Too many messages: at most 60 a minute; try again in 45 s.', 60, 45), 'req-1', '/v1/clients/c_1/messages');
    expect(answer.statusCode).toBe(429);
    expect(answer.headers).toEqual({ 'content-type': 'application/problem+json', 'x-request-id': 'req-1', 'retry-after': '45', 'ratelimit-limit': '60', 'ratelimit-remaining': '0', 'ratelimit-reset': '45' });
    expect(JSON.parse(String(answer.body))).toMatchObject({ status: 429, code: 'rate_limited', detail: 'Too many messages: at most 60 a minute; try again in 45 s.' });
  });

  it('no minute ever admits more than the limit, each admits the first ones up to it, and a refusal names exactly when the minute ends', async () => {
    const start = Date.parse('2026-12-01T10:00:00Z');
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 6 }), fc.array(fc.integer({ min: 0, max: 4 * 60_000 - 1 }), { maxLength: 60 }), async (limit, offsets) => {
        const { services } = counters();
        const times = offsets.sort((a, b) => a - b).map((o) => new Date(start + o));
        const perMinute = new Map<number, { seen: number; admitted: number }>();
        for (const at of times) {
          const minute = Math.floor(at.getTime() / 60_000);
          const tally = perMinute.get(minute) ?? { seen: 0, admitted: 0 };
          tally.seen++;
          const answer = await admitted(services, limit, at);
          if (answer === true) tally.admitted++;
          else {
            // The first second at which it would be admitted: not before the minute ends, and no later than needed.
            const retryAfter = answer.retryAfterSeconds!;
            expect(at.getTime() + retryAfter * 1000).toBeGreaterThanOrEqual((minute + 1) * 60_000);
            expect(at.getTime() + (retryAfter - 1) * 1000).toBeLessThan((minute + 1) * 60_000);
          }
          perMinute.set(minute, tally);
        }
        for (const { seen, admitted: n } of perMinute.values()) expect(n).toBe(Math.min(seen, limit));
      }),
    );
  });
});
