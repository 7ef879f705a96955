import { monotonicFactory } from 'ulid';

/**
 * Ids say what they name and, for what lives in a client's partition, which client:
 *   client       c_<client ulid>
 *   opportunity  o_<client ulid><opportunity ulid>
 *   event        e_<client ulid><event ulid>
 * so a single-item read is one GetItem with no lookup (DESIGN §7). The tenant is never in an id:
 * it comes from the token, so an id cannot lead into another tenant's partition.
 */
const ulid = monotonicFactory();
const next = () => ulid().toLowerCase();
const ULID = '[0-9a-hjkmnp-tv-z]{26}';

export const ids = {
  client: () => `c_${next()}`,
  opportunity: (clientId: string) => `o_${clientUlid(clientId)}${next()}`,
  event: (clientId: string) => `e_${clientUlid(clientId)}${next()}`,
  audit: () => next(),
};

export const idPatterns = {
  client: new RegExp(`^c_${ULID}$`),
  opportunity: new RegExp(`^o_${ULID}${ULID}$`),
  event: new RegExp(`^e_${ULID}${ULID}$`),
};

const clientUlid = (clientId: string) => clientId.slice(2);

/** The client whose partition holds an opportunity or event. */
export const clientOf = (id: string) => `c_${id.slice(2, 28)}`;
