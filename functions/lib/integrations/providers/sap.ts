import { MappingError, type CanonicalInput, type FetchRef } from '../../../../domain/integrations/canonical';
import { isSapEntity, odataPath } from '../../../../domain/integrations/sap/entities';
import { mapEntity } from '../../../../domain/integrations/sap/records';
import { ProviderApiError, requestJson } from '../http';
import type { ProviderAccess, Resolve } from './types';

/**
 * SAP S/4HANA (DESIGN §9): its business events name what changed (domain/integrations/sap/events.ts);
 * this reads each named entity from the customer's own S/4HANA host (`endpoints.odata`, from the
 * connection's settings after the outbound URL guard) through the released OData V2 APIs, and
 * maps it (domain/integrations/sap/records.ts).
 *
 * Credentials, from the connection's secrets: a communication user (`username` + `password`,
 * HTTP Basic, as a communication arrangement issues them), or an `apiKey` sent in the `APIKey`
 * header (the SAP Business Accelerator Hub sandbox and API Management). An optional
 * `settings.sapClient` selects the client (`sap-client`) of an on-premise system.
 */
export const resolve: Resolve = async (fetches, access) => {
  const base = access.endpoints.odata?.replace(/\/+$/, '');
  if (!base) throw new ProviderApiError('provider_refused', 'The SAP connection has no OData host: set it in the connection settings.', false);
  const headers = { accept: 'application/json', ...authorization(access.secrets) };
  const client = sapClient(access.settings);
  const records: CanonicalInput[] = [];
  // One request at a time: an event batch is small, and S/4HANA's fair-use limits are per user.
  for (const ref of unique(fetches)) {
    if (!isSapEntity(ref.entity)) throw new MappingError('unknown_entity', `SAP has no entity "${ref.entity}" the CRM reads.`);
    const url = `${base}${odataPath(ref.entity, ref.id)}${client ? `&sap-client=${client}` : ''}`;
    let json: unknown;
    try {
      json = await requestJson(access.http, { url, headers });
    } catch (error) {
      // Gone since the event (a sales order deleted right after it was created): nothing to apply.
      if (error instanceof ProviderApiError && error.code === 'provider_not_found') continue;
      throw error;
    }
    records.push(...mapEntity(ref.entity, json, { ...(ref.at && { at: ref.at }) }));
  }
  return records;
};

function authorization(secrets: ProviderAccess['secrets']): Record<string, string> {
  if (secrets.username && secrets.password) return { authorization: `Basic ${Buffer.from(`${secrets.username}:${secrets.password}`).toString('base64')}` };
  if (secrets.apiKey) return { APIKey: secrets.apiKey };
  throw new ProviderApiError('provider_unauthorized', 'The SAP connection has no credentials: give a communication user (username and password) or an API key.', false);
}

/** An SAP client is three digits; anything else in the setting is ignored rather than put in a URL. */
function sapClient(settings: ProviderAccess['settings']): string | undefined {
  const client = settings.sapClient;
  return typeof client === 'string' && /^\d{3}$/.test(client) ? client : undefined;
}

/** Each entity once, whatever the batch repeats. */
const unique = (fetches: readonly FetchRef[]) => [...new Map(fetches.map((f) => [`${f.entity}:${f.id}`, f])).values()];
