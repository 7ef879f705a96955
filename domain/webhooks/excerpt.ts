/**
 * The part of a receiver's response kept in the delivery log (issue #15): its first 1 KB read as
 * UTF-8, cut where a character starts (never inside one), with control characters other than line
 * feed and tab — and the bidi controls that would reorder what an admin reads — shown as U+FFFD.
 * Bytes that are not UTF-8 become U+FFFD too, so a kept excerpt can be up to three times longer in
 * UTF-8 than what was read, never more.
 */
export const EXCERPT_BYTES = 1024;

export interface Excerpt {
  text: string;
  /** The response had more than what is kept. */
  truncated: boolean;
}

const CONTROLS = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g;
const decoder = new TextDecoder('utf-8');

/**
 * `body` is what was read of the response; `complete: false` says the reader stopped before its
 * end (a sender reads at most a little past EXCERPT_BYTES and drops the rest).
 */
export function responseExcerpt(body: Uint8Array, { complete = true }: { complete?: boolean } = {}): Excerpt {
  let end = Math.min(body.length, EXCERPT_BYTES);
  // A continuation byte (10xxxxxx) at the cut belongs to a character begun before it: cut before
  // that character's first byte (at most 3 back; further back is not UTF-8 anyway).
  if (end < body.length) for (let k = 0; k < 3 && end > 0 && (body[end]! & 0xc0) === 0x80; k++) end--;
  return { text: decoder.decode(body.subarray(0, end)).replace(CONTROLS, '\uFFFD'), truncated: end < body.length || !complete };
}
