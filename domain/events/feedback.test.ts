import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { feedbackFields, requireFeedback } from './feedback';
import { aFeedback } from '../testing/builders';


const without = (field: string) => {
  const { [field]: _, ...rest } = aFeedback();
  return rest;
};

const feedbackErrors = (errors: { field: string; code: string; message: string }[]) =>
  expect.objectContaining({
    kind: 'invalid',
    code: 'validation_failed',
    message: 'Demo and visit completions need all eight feedback fields.',
    details: { errors },
  });

describe('feedback fields (spec §2 mandatory feedback rule)', () => {
  it('are the eight of the spec', () => {
    expect(feedbackFields).toEqual([
      'customerFeedback',
      'requirementDetails',
      'suggestions',
      'budget',
      'expectedClosingTimeline',
      'competitorInfo',
      'staffRemarks',
      'customerCommitments',
    ]);
  });
});

describe('requireFeedback', () => {
  it('returns complete feedback, trimmed', () => {
    expect(requireFeedback(aFeedback({ suggestions: '  Offer the annual plan  ' }))).toEqual(aFeedback());
  });

  it('accepts a budget of 0', () => {
    expect(requireFeedback(aFeedback({ budget: 0 })).budget).toBe(0);
  });

  it.each([undefined, null])('refuses feedback missing entirely (%s) with eight `required` errors', (raw) => {
    expect(() => requireFeedback(raw)).toThrow(
      feedbackErrors(feedbackFields.map((f) => ({ field: `body.feedback.${f}`, code: 'required', message: 'is required to complete a demo or visit' }))),
    );
  });

  it('refuses an empty feedback object naming all eight fields', () => {
    expect(() => requireFeedback({})).toThrow(
      feedbackErrors([
        { field: 'body.feedback.customerFeedback', code: 'invalid_type', message: 'is required' },
        { field: 'body.feedback.requirementDetails', code: 'invalid_type', message: 'is required' },
        { field: 'body.feedback.suggestions', code: 'invalid_type', message: 'is required' },
        { field: 'body.feedback.budget', code: 'invalid_type', message: 'is required' },
        { field: 'body.feedback.expectedClosingTimeline', code: 'invalid_type', message: 'must be a date (YYYY-MM-DD)' },
        { field: 'body.feedback.competitorInfo', code: 'invalid_type', message: 'is required' },
        { field: 'body.feedback.staffRemarks', code: 'invalid_type', message: 'is required' },
        { field: 'body.feedback.customerCommitments', code: 'invalid_type', message: 'is required' },
      ]),
    );
  });

  it.each(feedbackFields.filter((f) => f !== 'expectedClosingTimeline'))('refuses feedback without %s, naming only that field', (field) => {
    expect(() => requireFeedback(without(field))).toThrow(feedbackErrors([{ field: `body.feedback.${field}`, code: 'invalid_type', message: 'is required' }]));
  });

  it('refuses feedback without expectedClosingTimeline, naming only that field', () => {
    expect(() => requireFeedback(without('expectedClosingTimeline'))).toThrow(
      feedbackErrors([{ field: 'body.feedback.expectedClosingTimeline', code: 'invalid_type', message: 'must be a date (YYYY-MM-DD)' }]),
    );
  });

  it.each(['customerFeedback', 'requirementDetails', 'suggestions', 'competitorInfo', 'staffRemarks', 'customerCommitments'])(
    'refuses a blank %s',
    (field) => {
      expect(() => requireFeedback(aFeedback({ [field]: '   ' }))).toThrow(feedbackErrors([{ field: `body.feedback.${field}`, code: 'too_small', message: 'is required' }]));
    },
  );

  it('refuses text longer than 2000 characters, saying so rather than that it is missing', () => {
    expect(() => requireFeedback(aFeedback({ staffRemarks: 'x'.repeat(2001) }))).toThrow(
      feedbackErrors([{ field: 'body.feedback.staffRemarks', code: 'too_big', message: 'must be at most 2000 characters' }]),
    );
  });

  it('refuses a negative budget', () => {
    expect(() => requireFeedback(aFeedback({ budget: -1 }))).toThrow(feedbackErrors([{ field: 'body.feedback.budget', code: 'too_small', message: 'must be 0 or more' }]));
  });

  it('refuses a budget in fractions of a paisa', () => {
    expect(() => requireFeedback(aFeedback({ budget: 1.5 }))).toThrow(feedbackErrors([{ field: 'body.feedback.budget', code: 'invalid_type', message: 'must be whole paise' }]));
  });

  it('refuses a budget given as text, saying what is wrong rather than that it is missing', () => {
    expect(() => requireFeedback(aFeedback({ budget: '15000' }))).toThrow(
      feedbackErrors([{ field: 'body.feedback.budget', code: 'invalid_type', message: 'Invalid input: expected number, received string' }]),
    );
  });

  it('refuses a text field given as a number, saying what is wrong rather than that it is missing', () => {
    expect(() => requireFeedback(aFeedback({ suggestions: 5 }))).toThrow(
      feedbackErrors([{ field: 'body.feedback.suggestions', code: 'invalid_type', message: 'must be text' }]),
    );
  });

  it.each(['next month', '2026-02-30', '2026-04-30T00:00:00Z', '30/04/2026'])('refuses an expected closing timeline that is not a date: %s', (timeline) => {
    expect(() => requireFeedback(aFeedback({ expectedClosingTimeline: timeline }))).toThrow(
      feedbackErrors([{ field: 'body.feedback.expectedClosingTimeline', code: 'invalid_format', message: 'must be a date (YYYY-MM-DD)' }]),
    );
  });

  it('refuses an unknown extra field', () => {
    expect(() => requireFeedback(aFeedback({ rating: 5 }))).toThrow(feedbackErrors([{ field: 'body.feedback.rating', code: 'unknown_field', message: 'is not a known field' }]));
  });

  it('refuses feedback that is not an object', () => {
    expect(() => requireFeedback('great demo')).toThrow(
      feedbackErrors([{ field: 'body.feedback', code: 'invalid_type', message: 'Invalid input: expected object, received string' }]),
    );
  });

  it('names fields under the path it is given', () => {
    expect(() => requireFeedback(aFeedback({ budget: -1 }), 'feedback')).toThrow(feedbackErrors([{ field: 'feedback.budget', code: 'too_small', message: 'must be 0 or more' }]));
  });

  it('names every missing field, and only those, for any subset left out', () => {
    fc.assert(
      fc.property(fc.subarray([...feedbackFields], { minLength: 1 }), (missing) => {
        const raw = Object.fromEntries(Object.entries(aFeedback()).filter(([k]) => !missing.includes(k as (typeof feedbackFields)[number])));
        expect(() => requireFeedback(raw)).toThrow(
          expect.objectContaining({ details: { errors: missing.map((f) => expect.objectContaining({ field: `body.feedback.${f}` })) } }),
        );
      }),
    );
  });

  /**
   * The rule written out independently of the schema: an object with exactly the eight fields;
   * the six texts show a visible character, hold no control or bidi-override character and are at
   * most 2,000 characters once trimmed; the budget is whole paise from 0 to 10^13; the timeline a
   * real date in 2000–2100.
   */
  const oracle = (raw: unknown): Record<string, unknown> | undefined => {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
    const r = raw as Record<string, unknown>;
    if (Object.keys(r).sort().join() !== [...feedbackFields].sort().join()) return undefined;
    const out: Record<string, unknown> = {};
    for (const f of feedbackFields) {
      const v = r[f];
      if (f === 'budget') {
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 1e13) return undefined;
        out[f] = v;
      } else if (f === 'expectedClosingTimeline') {
        if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(v) || new Date(`${v}T00:00:00Z`).toISOString().slice(0, 10) !== v || v < '2000-01-01' || v > '2100-12-31') return undefined;
        out[f] = v;
      } else {
        if (typeof v !== 'string' || !v.isWellFormed()) return undefined;
        const t = v.normalize('NFC').trim();
        if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\ufffe\uffff]/u.test(t)) return undefined;
        if (t.replace(/[\p{White_Space}\p{Default_Ignorable_Code_Point}\p{Cc}]/gu, '') === '' || t.length > 2000) return undefined;
        out[f] = t;
      }
    }
    return out;
  };
  // Each field mostly valid, so whole feedback sometimes passes; otherwise the edge cases of the rule.
  const aText = fc.oneof(
    { arbitrary: fc.string({ minLength: 1, maxLength: 20 }), weight: 8 },
    fc.constantFrom('  ok  ', '\u200b', '\u3164', 'a\u202eb', 'line\nbreak', 'tab\there', 'e\u0301', '\ud800', 'x'.repeat(2001), ''),
    fc.anything(),
  );
  const aBudget = fc.oneof({ arbitrary: fc.integer({ min: -5, max: 1e9 }), weight: 6 }, fc.constantFrom(1.5, 1e13, 1e13 + 1, -0), fc.anything());
  const aDate = fc.oneof(
    { arbitrary: fc.constantFrom('2026-04-30', '2028-02-29', '2100-12-31'), weight: 6 },
    fc.constantFrom('2026-02-30', '1999-12-31', '2101-01-01', '0000-01-01', '30/04/2026'),
    fc.anything(),
  );
  const fields = Object.fromEntries(feedbackFields.map((f) => [f, f === 'budget' ? aBudget : f === 'expectedClosingTimeline' ? aDate : aText])) as Record<string, fc.Arbitrary<unknown>>;
  // Mostly all eight fields (so some pass), sometimes any subset, sometimes one more.
  const someFeedback = fc.oneof({ arbitrary: fc.record(fields), weight: 4 }, fc.record(fields, { requiredKeys: [] }), fc.record({ ...fields, extra: fc.anything() }));

  it('accepts exactly what the rule allows, normalised, and refuses the rest with field errors — whatever it is given', () => {
    let accepted = 0;
    fc.assert(
      fc.property(fc.oneof({ arbitrary: someFeedback, weight: 5 }, fc.anything()), (raw) => {
        const expected = oracle(raw);
        if (expected === undefined) {
          expect(() => requireFeedback(raw)).toThrow(expect.objectContaining({ kind: 'invalid', code: 'validation_failed' }));
        } else {
          expect(requireFeedback(raw)).toEqual(expected);
          accepted += 1;
        }
      }),
      { numRuns: 2000 },
    );
    // The property saw acceptances too: it is not only ever refusing.
    expect(accepted).toBeGreaterThan(5);
  });
});
