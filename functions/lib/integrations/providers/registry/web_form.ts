import { MappingError } from '../../../../../domain/integrations/canonical';
import { parseSubmission, WebFormSettings } from '../../../../../domain/integrations/web_form/submission';
import type { ProviderWorker } from '..';

/**
 * A web form's submission, stored as the browser sent it and read again here: the route checked it
 * before answering (field errors are the browser's 4xx), so what reaches the worker is a lead.
 */
export const worker: ProviderWorker = {
  parse(body, ctx) {
    const result = parseSubmission(body, ctx.headers['content-type'] ?? '', WebFormSettings.parse(ctx.settings), ctx.receivedAt, ctx.headers['x-form-key']);
    if (!result.ok) throw new MappingError('invalid_submission', result.errors.map((e) => `${e.field}: ${e.message}`).join('; '));
    if (result.honeypot) return { records: [], fetches: [], ignored: [{ what: 'submission', reason: 'the honeypot was filled' }] };
    return { records: [result.record], fetches: [] };
  },
};
