import { createHash, randomFillSync } from 'node:crypto';
import { encodeTime, monotonicFactory } from 'ulid';

/**
 * Ids say what they name and, for what lives in a client's partition, which client:
 *   client       c_<client ulid>
 *   opportunity  o_<client ulid><opportunity ulid>
 *   event        e_<client ulid><event ulid>
 * so a single-item read is one GetItem with no lookup (DESIGN §7). The tenant is never in an id:
 * it comes from the token, so an id cannot lead into another tenant's partition.
 */
/**
 * ulid's default random source asks the OS for one byte at a time (16 calls per id, ~90 µs CPU);
 * this one draws the same cryptographic bytes from a pre-filled buffer (bench:api profile).
 */
const pool = Buffer.alloc(4096);
let offset = pool.length;
const randomByte = () => {
  if (offset >= pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  return pool[offset++]!;
};
const ulid = monotonicFactory(() => randomByte() / 256);
const next = () => ulid().toLowerCase();
const ULID = '[0-9a-hjkmnp-tv-z]{26}';

export const ids = {
  client: () => `c_${next()}`,
  opportunity: (clientId: string) => `o_${clientUlid(clientId)}${next()}`,
  event: (clientId: string) => `e_${clientUlid(clientId)}${next()}`,
  audit: () => next(),
  import: () => `imp_${next()}`,
  export: () => `exp_${next()}`,
  connection: () => `ic_${next()}`,
  /** A message (#14): in its client's partition, like an event. */
  message: (clientId: string) => `m_${clientUlid(clientId)}${next()}`,
  /** An outbound webhook subscription (#15). */
  webhook: () => `wh_${next()}`,
  /** A saved report (#16). */
  savedReport: () => `rpt_${next()}`,
  /** A delivery of one event to one subscription: time-ordered, so its partition lists newest first by key. */
  webhookDelivery: () => `whd_${next()}`,
  /** The least delivery id made at or after `at` (a bulk redelivery's lower bound). */
  webhookDeliveryFloor: (at: Date) => `whd_${encodeTime(at.getTime(), 10).toLowerCase()}`,
};

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';

/**
 * The same ids, made from a seed instead of chance: an import's row `n` always creates the same
 * client (or opportunity, or event), so a chunk run twice after a crash finds what its first run
 * wrote instead of writing it again. The time part is the import's creation, the rest a digest of
 * the seed (80 bits, as random as a ulid's).
 */
export function derivedIds(seed: string, at: Date) {
  const ulidOf = (what: string) => {
    const digest = createHash('sha256').update(`${seed}\n${what}`).digest();
    let random = '';
    for (let i = 0; i < 16; i++) random += CROCKFORD[digest[i]! & 31];
    return `${encodeTime(at.getTime(), 10)}${random}`.toLowerCase();
  };
  return {
    client: (row: number) => `c_${ulidOf(`client:${row}`)}`,
    opportunity: (clientId: string, row: number) => `o_${clientUlid(clientId)}${ulidOf(`opportunity:${row}`)}`,
    event: (clientId: string, row: number) => `e_${clientUlid(clientId)}${ulidOf(`event:${row}`)}`,
  };
}

export const idPatterns = {
  client: new RegExp(`^c_${ULID}$`),
  opportunity: new RegExp(`^o_${ULID}${ULID}$`),
  event: new RegExp(`^e_${ULID}${ULID}$`),
  import: new RegExp(`^imp_${ULID}$`),
  export: new RegExp(`^exp_${ULID}$`),
  connection: new RegExp(`^ic_${ULID}$`),
  message: new RegExp(`^m_${ULID}${ULID}$`),
  delivery: /^dl_[A-Za-z0-9_-]{26}$/,
  webhook: new RegExp(`^wh_${ULID}$`),
  savedReport: new RegExp(`^rpt_${ULID}$`),
  webhookDelivery: new RegExp(`^whd_${ULID}$`),
};

const clientUlid = (clientId: string) => clientId.slice(2);

/** The client whose partition holds an opportunity or event. */
export const clientOf = (id: string) => `c_${id.slice(2, 28)}`;
