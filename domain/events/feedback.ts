import { z } from 'zod';
import { invalid } from '../errors';
import { fieldErrorsOf } from '../validation';

/**
 * Spec §2 mandatory feedback rule: a Demo Completed or Visit Completed event cannot be
 * Completed without all eight fields.
 */
// Only a missing value "is required": a schema-wide `error: 'is required'` would also relabel a too-long
// text or a budget sent as text, so other issues keep their own messages.
const ifMissing = (issue: { input?: unknown }) => (issue.input === undefined ? 'is required' : undefined);
const required = (max: number) => z.string({ error: ifMissing }).trim().min(1, 'is required').max(max);

export const Feedback = z.strictObject({
  customerFeedback: required(2000),
  requirementDetails: required(2000),
  suggestions: required(2000),
  /** Paise, ≥ 0. */
  budget: z.number({ error: ifMissing }).int('must be whole paise').nonnegative('must be 0 or more'),
  expectedClosingTimeline: z.iso.date('must be a date (YYYY-MM-DD)'),
  competitorInfo: required(2000),
  staffRemarks: required(2000),
  customerCommitments: required(2000),
});
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
