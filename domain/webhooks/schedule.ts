/**
 * When an outbound webhook is tried again, and when an endpoint is given up on (DESIGN §12):
 * retries on network errors, timeouts, 408, 429 and 5xx, about 5 s, 5 min, 30 min, 2 h, 5 h, 10 h
 * and 10 h after the attempt before (8 attempts over about 27 h), each ±10 % so endpoints that
 * failed together are not retried together; a 410 disables the endpoint; 3 days of consecutive
 * failures disable it and tenant admins are emailed. Pure: the clock and the dice are arguments.
 */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** The wait after attempt n (1-based) before attempt n + 1, before jitter. */
export const RETRY_DELAYS_MS = [5 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 10 * HOUR] as const;
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;
/** Each wait is drawn from ±10 % of its nominal value. */
export const JITTER = 0.1;
/** A receiver that has not answered by then has timed out. */
export const TIMEOUT_MS = 10 * SECOND;
/** Consecutive failures for this long disable the endpoint. */
export const DISABLE_AFTER_MS = 3 * 24 * HOUR;

/**
 * What one attempt came to. `unsafe_url`: the host resolved to an address the SSRF guard refuses;
 * `too_large`: the payload is over the size we send (no retry makes it smaller).
 */
export type AttemptResult = { kind: 'response'; status: number } | { kind: 'network_error' | 'timeout' | 'unsafe_url' | 'too_large' };

/** `delivered` (2xx), `retry` (network, timeout, 408, 429, 5xx), `gone` (410), `failed` (anything else: no retry). */
export type Outcome = 'delivered' | 'retry' | 'gone' | 'failed';

export function classify(result: AttemptResult): Outcome {
  switch (result.kind) {
    case 'network_error':
    case 'timeout':
      return 'retry';
    case 'unsafe_url':
    case 'too_large':
      return 'failed';
    case 'response': {
      const { status } = result;
      if (status >= 200 && status <= 299) return 'delivered';
      if (status === 410) return 'gone';
      if (status === 408 || status === 429 || (status >= 500 && status <= 599)) return 'retry';
      // 1xx, 3xx (redirects are not followed), the other 4xx, and anything not HTTP.
      return 'failed';
    }
  }
}

/** The wait after attempt `attempt` with jitter: `random()` in [0, 1) picks a point in ±10 %. */
export function retryDelayMs(attempt: number, random: () => number): number {
  const nominal = RETRY_DELAYS_MS[attempt - 1];
  if (nominal === undefined) throw new RangeError(`no retry after attempt ${attempt}`);
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.round(nominal * (1 + JITTER * (2 * r - 1)));
}

export type FinalStatus = 'delivered' | 'failed' | 'exhausted' | 'gone';
export type NextStep = { retryAt: Date } | { final: FinalStatus };

/** After attempt `attempt` (1-based, the one just made): when to try again, or how the delivery ends. */
export function nextStep({ attempt, outcome, now, random }: { attempt: number; outcome: Outcome; now: Date; random: () => number }): NextStep {
  if (!Number.isInteger(attempt) || attempt < 1) throw new RangeError(`attempts count from 1, not ${attempt}`);
  if (outcome !== 'retry') return { final: outcome };
  if (attempt >= MAX_ATTEMPTS) return { final: 'exhausted' };
  return { retryAt: new Date(now.getTime() + retryDelayMs(attempt, random)) };
}

/**
 * An endpoint's health after an attempt: `failingSince` is what to store (absent: healthy). A
 * success clears it; a failure starts it, or keeps it; 3 days of it disable the endpoint
 * (`failing`, tenant admins to be emailed); a 410 disables it at once (`gone`: the receiver asked).
 */
export type EndpointHealth =
  | { failingSince?: string; disable?: undefined }
  | { failingSince: string; disable: 'failing'; notifyAdmins: true }
  | { failingSince: string; disable: 'gone'; notifyAdmins: false };

export function endpointHealth({ failingSince, outcome, now }: { failingSince?: string | undefined; outcome: Outcome; now: Date }): EndpointHealth {
  if (outcome === 'delivered') return {};
  const since = failingSince ?? now.toISOString();
  if (outcome === 'gone') return { failingSince: since, disable: 'gone', notifyAdmins: false };
  if (now.getTime() - Date.parse(since) >= DISABLE_AFTER_MS) return { failingSince: since, disable: 'failing', notifyAdmins: true };
  return { failingSince: since };
}
