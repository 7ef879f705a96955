import { HttpError } from '../../lib/http/errors';
import { badSignature, rawRoute } from '../../lib/http/raw-route';
import { getServices } from '../../lib/services';
import { MAX_HOOK_BYTES, receiveHook, SignatureError } from '../../lib/use-cases/inbound';
import { HookParams, HookReceipt } from './schemas';

/** POST /hooks/{tenantId}/{connectionId} */
export const handler = rawRoute(
  {
    summary: 'Receive a provider delivery',
    description:
      'A connection\'s webhook URL. The signature is verified on the raw bytes before anything parses them — Standard Webhooks (`webhook-id`, `webhook-timestamp` within 5 minutes, `webhook-signature`) for generic, SAP and Tally; `intuit-signature` for QuickBooks; `X-Hub-Signature-256` for Facebook Lead Ads; `X-Zoho-Webhook-Signature` or `X-CRM-Webhook-Secret` for Zoho Books. A bad signature is 401 and stores nothing; then the payload is stored, `202` answered, and it is processed from a queue, once per provider delivery id (a repeat answers `duplicate: true`). Unknown or disabled connection: 404. Over 1 MB: 413.',
    params: HookParams,
    accepts: ['application/json', 'application/cloudevents+json', 'application/cloudevents-batch+json', 'application/xml', 'text/xml'],
    signed: true,
    response: { status: 202, schema: HookReceipt },
  },
  async ({ params, method, headers, query, body }) => {
    if (body.length > MAX_HOOK_BYTES) throw new HttpError('payload_too_large', 'payload_too_large', `A delivery is at most ${MAX_HOOK_BYTES} bytes.`);
    try {
      const answer = await receiveHook(getServices(), { ...params, method, headers, query, body, now: new Date() });
      return answer.status === 200 ? { status: 200, text: answer.text } : { status: 202, body: HookReceipt.parse(answer.body) };
    } catch (error) {
      if (error instanceof SignatureError) throw badSignature(error.reason);
      throw error;
    }
  },
);
