import { z } from 'zod';
import { invalid } from '../errors';
import { IsoDate, Money, text } from '../shared/schemas';
import { fieldErrorsOf } from '../validation';

/**
 * Spec §2 mandatory feedback rule: a Demo Completed or Visit Completed event cannot be
 * Completed without all eight fields. Empty or invisible text is no feedback.
 */
const required = (max: number) => text({ max, multiline: true, emptyMessage: 'is required' });
// Only a missing value "is required": a budget sent as text keeps its own message.
const ifMissing = (issue: { input?: unknown }) => (issue.input === undefined ? 'is required' : undefined);

export const Feedback = z
  .strictObject({
    customerFeedback: required(2000),
    requirementDetails: required(2000),
    suggestions: required(2000),
    /** Paise, ≥ 0. */
    budget: z.number({ error: ifMissing }).pipe(Money),
    expectedClosingTimeline: IsoDate,
    competitorInfo: required(2000),
    staffRemarks: required(2000),
    customerCommitments: required(2000),
  })
  .meta({ id: 'Feedback' });
export type Feedback = z.infer<typeof Feedback>;

export const feedbackFields = Object.keys(Feedback.shape) as (keyof Feedback)[];

/** Validates feedback or throws 422 naming every missing or wrong field under `feedback.`. */
export function requireFeedback(raw: unknown, at = 'body.feedback'): Feedback {
  if (raw === undefined || raw === null) {
    throw invalid(
      feedbackFields.map((f) => ({ field: `${at}.${f}`, code: 'required', message: 'is required to complete a demo or visit' })),
      'Demo and visit completions need all eight feedback fields.',
    );
  }
  const parsed = Feedback.safeParse(raw);
  if (!parsed.success) throw invalid(fieldErrorsOf(parsed.error, at), 'Demo and visit completions need all eight feedback fields.');
  return parsed.data;
}
