import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AttemptResult, classify, endpointHealth, MAX_ATTEMPTS, nextStep, type NextStep, type Outcome, RETRY_DELAYS_MS, retryDelayMs } from './schedule';

const at = (iso: string) => new Date(iso);
const half = () => 0.5;
const unit = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

describe('what an attempt came to', () => {
  it.each<[AttemptResult, Outcome]>([
    [{ kind: 'response', status: 200 }, 'delivered'],
    [{ kind: 'response', status: 201 }, 'delivered'],
    [{ kind: 'response', status: 204 }, 'delivered'],
    [{ kind: 'response', status: 299 }, 'delivered'],
    [{ kind: 'network_error' }, 'retry'],
    [{ kind: 'timeout' }, 'retry'],
    [{ kind: 'response', status: 408 }, 'retry'],
    [{ kind: 'response', status: 429 }, 'retry'],
    [{ kind: 'response', status: 500 }, 'retry'],
    [{ kind: 'response', status: 502 }, 'retry'],
    [{ kind: 'response', status: 503 }, 'retry'],
    [{ kind: 'response', status: 599 }, 'retry'],
    [{ kind: 'response', status: 410 }, 'gone'],
    [{ kind: 'response', status: 100 }, 'failed'],
    [{ kind: 'response', status: 301 }, 'failed'],
    [{ kind: 'response', status: 302 }, 'failed'],
    [{ kind: 'response', status: 307 }, 'failed'],
    [{ kind: 'response', status: 400 }, 'failed'],
    [{ kind: 'response', status: 401 }, 'failed'],
    [{ kind: 'response', status: 403 }, 'failed'],
    [{ kind: 'response', status: 404 }, 'failed'],
    [{ kind: 'response', status: 409 }, 'failed'],
    [{ kind: 'response', status: 413 }, 'failed'],
    [{ kind: 'response', status: 422 }, 'failed'],
    [{ kind: 'response', status: 600 }, 'failed'],
    [{ kind: 'unsafe_url' }, 'failed'],
    [{ kind: 'too_large' }, 'failed'],
  ])('%o is %s', (result, outcome) => {
    expect(classify(result)).toBe(outcome);
  });
});

describe('the retry schedule', () => {
  it('waits about 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h: 8 attempts over 27 h 35 min', () => {
    expect(RETRY_DELAYS_MS).toEqual([5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]);
    expect(MAX_ATTEMPTS).toBe(8);
    // each attempt made when the one before said (random() = 0.5: no jitter)
    const steps: NextStep[] = [];
    let now = at('2026-12-01T00:00:00.000Z');
    for (let attempt = 1; attempt <= 8; attempt++) {
      const step = nextStep({ attempt, outcome: 'retry', now, random: half });
      steps.push(step);
      if ('retryAt' in step) now = step.retryAt;
    }
    expect(steps).toEqual([
      { retryAt: at('2026-12-01T00:00:05.000Z') },
      { retryAt: at('2026-12-01T00:05:05.000Z') },
      { retryAt: at('2026-12-01T00:35:05.000Z') },
      { retryAt: at('2026-12-01T02:35:05.000Z') },
      { retryAt: at('2026-12-01T07:35:05.000Z') },
      { retryAt: at('2026-12-01T17:35:05.000Z') },
      { retryAt: at('2026-12-02T03:35:05.000Z') },
      { final: 'exhausted' },
    ]);
  });

  it('jitter is ±10 %: random() 0 waits 10 % less, near 1 waits 10 % more', () => {
    const now = at('2026-12-01T00:00:00.000Z');
    expect(nextStep({ attempt: 1, outcome: 'retry', now, random: () => 0 })).toEqual({ retryAt: at('2026-12-01T00:00:04.500Z') });
    expect(nextStep({ attempt: 1, outcome: 'retry', now, random: () => 0.999999 })).toEqual({ retryAt: at('2026-12-01T00:00:05.500Z') });
    expect(nextStep({ attempt: 6, outcome: 'retry', now, random: () => 0.75 })).toEqual({ retryAt: at('2026-12-01T10:30:00.000Z') });
    expect(nextStep({ attempt: 7, outcome: 'retry', now, random: () => 0.25 })).toEqual({ retryAt: at('2026-12-01T09:30:00.000Z') });
  });

  it('ends at once when delivered, gone or failed, whatever the attempt', () => {
    const now = at('2026-12-01T00:00:00.000Z');
    for (const attempt of [1, 4, 8]) {
      expect(nextStep({ attempt, outcome: 'delivered', now, random: half })).toEqual({ final: 'delivered' });
      expect(nextStep({ attempt, outcome: 'gone', now, random: half })).toEqual({ final: 'gone' });
      expect(nextStep({ attempt, outcome: 'failed', now, random: half })).toEqual({ final: 'failed' });
    }
    expect(() => nextStep({ attempt: 0, outcome: 'retry', now, random: half })).toThrow('attempts count from 1, not 0');
    expect(() => retryDelayMs(8, half)).toThrow('no retry after attempt 8');
  });

  it('property: every wait lies within ±10 % of its nominal value, and never shrinks by more than the jitter', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 7 }), unit, unit, (n, r1, r2) => {
        const nominal = RETRY_DELAYS_MS[n - 1]!;
        const wait = retryDelayMs(n, () => r1);
        expect(wait).toBeGreaterThanOrEqual(nominal * 0.9);
        expect(wait).toBeLessThanOrEqual(nominal * 1.1);
        if (n < 7) expect(retryDelayMs(n + 1, () => r2)).toBeGreaterThanOrEqual((wait * 0.9) / 1.1);
      }),
    );
    for (let i = 1; i < RETRY_DELAYS_MS.length; i++) expect(RETRY_DELAYS_MS[i]).toBeGreaterThanOrEqual(RETRY_DELAYS_MS[i - 1]!);
  });

  /** Attempts made until the delivery ends, each outcome taken from the list (retry once it runs out). */
  const run = (outcomes: Outcome[], randoms: number[], start: Date) => {
    let now = start;
    for (let attempt = 1; ; attempt++) {
      const step = nextStep({ attempt, outcome: outcomes[attempt - 1] ?? 'retry', now, random: () => randoms[attempt - 1] ?? 0.5 });
      if ('final' in step) return { attempts: attempt, final: step.final, span: now.getTime() - start.getTime() };
      expect(step.retryAt.getTime()).toBeGreaterThan(now.getTime());
      now = step.retryAt;
    }
  };

  it('property: never more than 8 attempts, whatever the outcomes and the dice', () => {
    const outcome = fc.constantFrom<Outcome>('delivered', 'retry', 'gone', 'failed');
    fc.assert(
      fc.property(fc.array(outcome, { maxLength: 12 }), fc.array(unit, { minLength: 8, maxLength: 8 }), (outcomes, randoms) => {
        const { attempts, final } = run(outcomes, randoms, at('2026-12-01T00:00:00.000Z'));
        expect(attempts).toBeLessThanOrEqual(8);
        const firstEnd = outcomes.findIndex((o) => o !== 'retry');
        if (firstEnd >= 0 && firstEnd < 8) expect({ attempts, final }).toEqual({ attempts: firstEnd + 1, final: outcomes[firstEnd] });
        else expect({ attempts, final }).toEqual({ attempts: 8, final: 'exhausted' });
      }),
    );
  });

  it('property: a delivery that never succeeds spans 27 h 35 min 5 s ± 10 %', () => {
    const nominal = (27 * 3600 + 35 * 60 + 5) * 1000;
    fc.assert(
      fc.property(fc.array(unit, { minLength: 8, maxLength: 8 }), (randoms) => {
        const { attempts, span } = run([], randoms, at('2026-12-01T00:00:00.000Z'));
        expect(attempts).toBe(8);
        expect(span).toBeGreaterThanOrEqual(nominal * 0.9);
        expect(span).toBeLessThanOrEqual(nominal * 1.1);
      }),
    );
  });
});

describe('endpoint health', () => {
  const now = at('2026-12-05T10:00:00.000Z');

  it('a success clears the failure streak', () => {
    expect(endpointHealth({ failingSince: '2026-12-03T00:00:00.000Z', outcome: 'delivered', now })).toEqual({});
    expect(endpointHealth({ outcome: 'delivered', now })).toEqual({});
  });

  it('a failure starts the streak, or keeps it', () => {
    for (const outcome of ['retry', 'failed'] as const) {
      expect(endpointHealth({ outcome, now })).toEqual({ failingSince: '2026-12-05T10:00:00.000Z' });
      expect(endpointHealth({ failingSince: '2026-12-03T00:00:00.000Z', outcome, now })).toEqual({ failingSince: '2026-12-03T00:00:00.000Z' });
    }
  });

  it('3 days of failures disable the endpoint, and tenant admins are to be emailed', () => {
    expect(endpointHealth({ failingSince: '2026-12-02T10:00:00.001Z', outcome: 'retry', now })).toEqual({ failingSince: '2026-12-02T10:00:00.001Z' });
    expect(endpointHealth({ failingSince: '2026-12-02T10:00:00.000Z', outcome: 'retry', now })).toEqual({ failingSince: '2026-12-02T10:00:00.000Z', disable: 'failing', notifyAdmins: true });
    expect(endpointHealth({ failingSince: '2026-11-20T00:00:00.000Z', outcome: 'failed', now })).toEqual({ failingSince: '2026-11-20T00:00:00.000Z', disable: 'failing', notifyAdmins: true });
  });

  it('a 410 disables it at once: the receiver asked', () => {
    expect(endpointHealth({ outcome: 'gone', now })).toEqual({ failingSince: '2026-12-05T10:00:00.000Z', disable: 'gone', notifyAdmins: false });
    expect(endpointHealth({ failingSince: '2026-12-04T00:00:00.000Z', outcome: 'gone', now })).toEqual({ failingSince: '2026-12-04T00:00:00.000Z', disable: 'gone', notifyAdmins: false });
  });

  const instant = fc.date({ min: at('2026-01-01T00:00:00.000Z'), max: at('2027-01-01T00:00:00.000Z'), noInvalidDate: true });

  it('property: a success always clears, whatever came before', () => {
    fc.assert(
      fc.property(fc.option(instant, { nil: undefined }), instant, (since, when) => {
        expect(endpointHealth({ failingSince: since?.toISOString(), outcome: 'delivered', now: when })).toEqual({});
      }),
    );
  });

  it('property: a failure disables for failing exactly when the streak is 3 days old', () => {
    fc.assert(
      fc.property(instant, fc.integer({ min: 0, max: 10 * 86_400_000 }), fc.constantFrom<Outcome>('retry', 'failed'), (since, elapsed, outcome) => {
        const health = endpointHealth({ failingSince: since.toISOString(), outcome, now: new Date(since.getTime() + elapsed) });
        expect(health.failingSince).toBe(since.toISOString());
        expect(health.disable).toBe(elapsed >= 3 * 86_400_000 ? 'failing' : undefined);
      }),
    );
  });
});
