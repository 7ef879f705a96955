import { z } from 'zod';
import { IsoDateTime } from '../../shared/schemas';

/**
 * WhatsApp opt-out and opt-in (DESIGN §11): a customer who writes STOP gets no further WhatsApp
 * messages from the tenant until they write START again; the tenant may add its own words (in
 * the customer's language: "रुकें", "BAND KARO"). Only the whole message counts — "please stop
 * calling me at 5" is a conversation, not an opt-out — but case, accents, surrounding spaces and
 * punctuation ("Stop!", " stop ") do not matter. Consent is kept with its time and source.
 */

export const DEFAULT_OPT_OUT_WORDS: readonly string[] = ['STOP', 'UNSUBSCRIBE', 'STOP ALL'];
export const DEFAULT_OPT_IN_WORDS: readonly string[] = ['START', 'UNSTOP'];

export interface ConsentWords {
  optOut: readonly string[];
  optIn: readonly string[];
}

export type ConsentChange = 'opt_out' | 'opt_in';

/**
 * A message's words as they are compared: accents off (NFD, marks dropped), upper case, inner
 * whitespace one space, and leading/trailing whitespace, punctuation and invisible characters
 * (zero-width joiners a phone keyboard adds) gone.
 */
export function normaliseWords(s: string): string {
  return s
    .normalize('NFD')
    .replace(/\p{Mn}/gu, '')
    .replace(/\p{Cf}/gu, '')
    .toUpperCase()
    .replace(/\s+/gu, ' ')
    .replace(/^[\s\p{P}]+|[\s\p{P}]+$/gu, '');
}

/**
 * Whether a customer's message opts out or back in: its whole text against the default words and
 * the tenant's. A word in both lists (a misconfiguration) opts out: not messaging someone who may
 * have asked us to stop is the safe side.
 */
export function consentChange(text: string, tenantWords: ConsentWords): ConsentChange | undefined {
  const said = normaliseWords(text);
  if (said === '') return undefined;
  const matches = (words: readonly string[]) => words.some((w) => normaliseWords(w) === said);
  if (matches(DEFAULT_OPT_OUT_WORDS) || matches(tenantWords.optOut)) return 'opt_out';
  if (matches(DEFAULT_OPT_IN_WORDS) || matches(tenantWords.optIn)) return 'opt_in';
  return undefined;
}

/** A client's WhatsApp consent as stored: the last change, when, and where it came from. */
export const Consent = z.strictObject({
  status: z.enum(['opted_in', 'opted_out']),
  at: IsoDateTime,
  /** `whatsapp_message`: the customer wrote STOP/START; `email_complaint`: they marked our email as spam (SES); `api`: staff recorded it; `import`: it came with the client. */
  source: z.enum(['whatsapp_message', 'email_complaint', 'api', 'import']),
  /** The wamid of the message that changed it, when the source is a message. */
  messageId: z.string().min(1).max(512).optional(),
});
export type Consent = z.infer<typeof Consent>;

/** The consent a customer's message records, or undefined when the message is not an opt-out or opt-in. */
export function consentFromMessage(text: string, tenantWords: ConsentWords, message: { at: string; waMessageId: string }): Consent | undefined {
  const change = consentChange(text, tenantWords);
  if (change === undefined) return undefined;
  return { status: change === 'opt_out' ? 'opted_out' : 'opted_in', at: message.at, source: 'whatsapp_message', messageId: message.waMessageId };
}

/**
 * Whether WhatsApp messages may go to the client. Without a record nobody has opted out (whether
 * the customer agreed to hear from the business at all is the tenant's opt-in, Meta's policy, and
 * not this record's to guess); an opt-out blocks every WhatsApp send, templates too.
 */
export function mayMessage(consent: Consent | undefined): boolean {
  return consent?.status !== 'opted_out';
}
