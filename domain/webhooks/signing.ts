import { createHash } from 'node:crypto';
import { standardSignature } from '../integrations/signatures';

/**
 * Outbound webhooks are signed with the Standard Webhooks scheme (DESIGN §12): `webhook-id`,
 * `webhook-timestamp` (Unix seconds) and `webhook-signature`, a space-separated list of
 * `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, one per secret that signs now. Receivers
 * verify with any Standard Webhooks library; the same code verifies our inbound hooks
 * (domain/integrations/signatures.ts).
 */

/** A rotation keeps the previous secret signing this long (issue #15), so a receiver can switch without refusing a delivery. */
export const SECRET_OVERLAP_HOURS = 24;

/** The signing secrets of one subscription, as the secret store holds them. */
export interface WebhookSecrets {
  current: string;
  previous?: string;
  previousExpiresAt?: string;
}

const SECRET = /^whsec_[A-Za-z0-9+/]+={0,2}$/;

/** `whsec_` and the base64 of 24–32 random bytes (the caller's: `crypto.randomBytes(32)`). */
export function newWebhookSecret(random: Uint8Array): string {
  if (random.length < 24 || random.length > 32) throw new RangeError(`a webhook secret takes 24 to 32 random bytes, not ${random.length}`);
  return `whsec_${Buffer.from(random).toString('base64')}`;
}

/** A new current secret; the old one keeps signing for the overlap (a previous one still in its overlap is dropped). */
export function rotateWebhookSecret(secrets: WebhookSecrets, next: string, now: Date): WebhookSecrets {
  return { current: next, previous: secrets.current, previousExpiresAt: new Date(now.getTime() + SECRET_OVERLAP_HOURS * 3_600_000).toISOString() };
}

/** The secrets that sign a delivery now: the current one first, the previous one until its overlap ends. */
export function signingSecrets(secrets: WebhookSecrets, now: Date): string[] {
  const { current, previous, previousExpiresAt } = secrets;
  return previous && previousExpiresAt && Date.parse(previousExpiresAt) > now.getTime() ? [current, previous] : [current];
}

/**
 * The `webhook-id` of one event's delivery to one subscription: the same for every attempt and
 * every redelivery (receivers dedupe on it), and the same if the event is fanned out twice.
 */
export const webhookMessageId = (webhookId: string, eventId: string) =>
  `msg_${createHash('sha256').update(`${webhookId}\n${eventId}`).digest('base64url').slice(0, 27)}`;

export interface WebhookHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/**
 * The headers of one attempt. `timestamp` is the attempt's own time (receivers refuse one more
 * than about 5 minutes off), so a retry carries the same id with a new timestamp and signature.
 */
export function webhookHeaders({ id, timestamp, body, secrets }: { id: string; timestamp: Date; body: string; secrets: readonly string[] }): WebhookHeaders {
  if (secrets.length === 0) throw new Error('a webhook is signed with at least one secret');
  for (const s of secrets) if (!SECRET.test(s)) throw new Error('a webhook secret is whsec_ and base64');
  if (!id || /\s/.test(id)) throw new Error('a webhook-id is a non-empty token');
  const seconds = Math.floor(timestamp.getTime() / 1000);
  return {
    'webhook-id': id,
    'webhook-timestamp': String(seconds),
    'webhook-signature': secrets.map((s) => standardSignature(s, id, seconds, body)).join(' '),
  };
}
