import { config } from '../lib/config';
import { threadKeyOf } from '../lib/mail/messaging';
import { cursorKeys, getServices } from '../lib/services';
import type { InboundMailDeps } from '../lib/use-cases/inbound-email';

/**
 * What receiving mail needs, from the process's environment, the same in the Lambda and the local
 * stack: the reply domain (MAIL_REPLY_DOMAIN, as the send route writes thread addresses with it)
 * and the thread-address keys derived from the cursor keys — the current one and, during a
 * rotation, the previous one, so replies to addresses sent before still find their thread.
 */
let secrets: Promise<Buffer[]> | undefined;

export async function inboundMailDeps(now: Date): Promise<InboundMailDeps> {
  secrets ??= (async () => {
    const source = cursorKeys(config());
    const keys = typeof source === 'function' ? await source() : source;
    return [keys.current, ...(keys.previous ? [keys.previous] : [])].map(threadKeyOf);
  })();
  // A failed read (Secrets Manager throttled) is tried again by the next mail, not cached.
  const threadSecrets = await secrets.catch((error: unknown) => {
    secrets = undefined;
    throw error;
  });
  return { services: getServices(), replyDomain: process.env.MAIL_REPLY_DOMAIN ?? 'reply.crm.example', threadSecrets, now };
}
