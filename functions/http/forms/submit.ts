import { DomainError } from '../../../domain/errors';
import { HttpError } from '../../lib/http/errors';
import { problemResponse } from '../../lib/http/problem';
import { rawRoute } from '../../lib/http/raw-route';
import { getServices } from '../../lib/services';
import { formConnection, submitForm } from '../../lib/use-cases/forms';
import { RateLimited } from '../../lib/use-cases/rate-limit';
import { corsHeaders, FormParams, FormReceipt } from './schemas';

/** A submission is a few fields: anything larger is not a form's. */
const MAX_FORM_BYTES = 16 * 1024;

/** POST /forms/{formKey} */
export const handler = rawRoute(
  {
    summary: 'Submit a web form lead',
    description:
      'From a browser on one of the form\'s `allowedOrigins` (CORS; another origin is 403), as JSON or `application/x-www-form-urlencoded`: `companyName`, `ownerName`, `mobile`, `email`, `city`, `pincode`, `message` (or the form\'s own names through `settings.fields`), an optional `submissionId`. 422 lists invalid fields by the form\'s names; 429 with `Retry-After` past the per-address or per-form limit a minute. A filled honeypot field is answered 202 and stores nothing. The lead becomes a client and a Lead opportunity, assigned by /v1/config/assignment, with a first-response call. A plain HTML form post with `successRedirect` set is answered 303 to it.',
    params: FormParams,
    accepts: ['application/json', 'application/x-www-form-urlencoded'],
    signed: false,
    rateLimited: true,
    response: { status: 202, schema: FormReceipt },
  },
  async ({ params, headers, body, sourceIp, requestId }) => {
    const origin = headers.origin;
    if (body.length > MAX_FORM_BYTES) throw new HttpError('payload_too_large', 'payload_too_large', `A submission is at most ${MAX_FORM_BYTES} bytes.`);
    try {
      const result = await submitForm(getServices(), { formKey: params.formKey, origin, contentType: headers['content-type'] ?? '', body, sourceIp, now: new Date() });
      const cors = corsHeaders(origin!);
      const redirect = result.settings.successRedirect;
      if (redirect && /^application\/x-www-form-urlencoded/i.test(headers['content-type'] ?? '')) return { status: 303, headers: { ...cors, location: redirect } };
      return { status: 202, headers: cors, body: { status: 'received' } satisfies typeof FormReceipt._zod.output };
    } catch (error) {
      // Refusals after the origin was accepted carry CORS headers, so the page can show them.
      const allowed = origin !== undefined && !(error instanceof DomainError && (error.code === 'origin_not_allowed' || error.code === 'no_such_form')) && (await formConnection(getServices(), params.formKey).then(() => true, () => false));
      if (error instanceof RateLimited) {
        const answer = problemResponse(error, requestId, `/forms/${params.formKey}`);
        return { status: 429, headers: { ...(answer.headers as Record<string, string>), ...(allowed && corsHeaders(origin)) }, text: String(answer.body) };
      }
      if (allowed && (error instanceof DomainError || error instanceof HttpError)) {
        const answer = problemResponse(error, requestId, `/forms/${params.formKey}`);
        return { status: answer.statusCode!, headers: { ...(answer.headers as Record<string, string>), ...corsHeaders(origin) }, text: String(answer.body) };
      }
      throw error;
    }
  },
);
