import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Feedback, feedbackFields, requireFeedback } from './feedback';
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

  it('returns only feedback that satisfies the schema, whatever it is given', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.record({ ...Object.fromEntries(feedbackFields.map((f) => [f, fc.anything()])) }, { requiredKeys: [] })), (raw) => {
        let accepted: unknown;
        try {
          accepted = requireFeedback(raw);
        } catch (error) {
          expect(error).toMatchObject({ kind: 'invalid', code: 'validation_failed' });
          return;
        }
        expect(Feedback.safeParse(accepted).success).toBe(true);
        expect(Object.keys(accepted as object).sort()).toEqual([...feedbackFields].sort());
      }),
    );
  });
});
