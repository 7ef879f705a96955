import { z } from 'zod';
import { rawRoute } from '../../lib/http/raw-route';
import { getServices } from '../../lib/services';
import { receiveHook } from '../../lib/use-cases/inbound';
import { HookParams } from './schemas';

/** GET /hooks/{tenantId}/{connectionId} */
export const handler = rawRoute(
  {
    summary: "Meta's subscription handshake",
    description: 'Facebook Lead Ads (and WhatsApp) verify a webhook URL with `GET ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…`: the challenge comes back as text when the verify token is the connection\'s, else 403. Other providers: 404.',
    params: HookParams,
    accepts: [],
    signed: false,
    response: { status: 200, schema: z.string(), description: 'The hub.challenge', contentType: 'text/plain' },
  },
  async ({ params, method, headers, query, body }) => {
    const answer = await receiveHook(getServices(), { ...params, method, headers, query, body, now: new Date() });
    return answer.status === 200 ? { status: 200, text: answer.text } : { status: 405, body: { code: 'method_not_allowed' } };
  },
);
