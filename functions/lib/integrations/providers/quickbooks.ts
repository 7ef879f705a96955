import { z } from 'zod';
import type { CanonicalInput, FetchRef } from '../../../../domain/integrations/canonical';
import { mapEntity, syncedEntities, type SyncedEntity } from '../../../../domain/integrations/quickbooks';
import { ProviderApiError, requestJson } from '../http';
import { tokenSession } from '../oauth';
import type { ProviderAccess, Reconcile, Resolve } from './types';

/**
 * The QuickBooks Online adapter (DESIGN §9): reads the entities a webhook names from the
 * Accounting API, and pulls Change Data Capture on a schedule so a missed webhook is not missed
 * data. OAuth 2.0 as Intuit documents it: a bearer access token that lasts an hour, refreshed with
 * the refresh token (which Intuit rotates: the new one is saved with the new access token).
 */

export const defaultEndpoints = {
  api: 'https://quickbooks.api.intuit.com',
  token: 'https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer',
};

/** The API version asked for: it decides which fields an entity carries (GSTIN among them). */
const MINOR_VERSION = '75';
/** CDC looks back 30 days at most (Intuit refuses an older changedSince); a pull never asks for more. */
const CDC_LOOKBACK_MS = 30 * 24 * 60 * 60 * 1000;

export const resolve: Resolve = async (fetches, access) => {
  const api = apiOf(access);
  const calls = session(access);
  const records: CanonicalInput[] = [];
  for (const ref of fetches) {
    const entity = syncedEntityOf(ref);
    const realmId = realmOf(ref, access);
    // One app's webhooks name every connected company: another company's entities are another connection's.
    if (realmId === undefined) continue;
    const body = await calls.call({ url: `${api}/v3/company/${realmId}/${entity.toLowerCase()}/${ref.id}?minorversion=${MINOR_VERSION}` });
    records.push(...mapEntity(entity, body));
  }
  return records;
};

const CdcBody = z.object({
  CDCResponse: z.array(z.object({ QueryResponse: z.array(z.record(z.string(), z.unknown())).default([]) })),
});
const Live = z.object({ status: z.string().optional() });

export const reconcile: Reconcile = async (access, since) => {
  const realmId = settingsRealm(access);
  if (!realmId) throw new ProviderApiError('provider_refused', 'The QuickBooks connection has no realmId setting to reconcile.', false);
  const changedSince = new Date(Math.max(Date.parse(since) || 0, access.now.getTime() - CDC_LOOKBACK_MS)).toISOString();
  const query = new URLSearchParams({ entities: syncedEntities.join(','), changedSince, minorversion: MINOR_VERSION });
  const json = await session(access).call({ url: `${apiOf(access)}/v3/company/${realmId}/cdc?${query}` });
  const body = CdcBody.safeParse(json);
  if (!body.success) throw new ProviderApiError('provider_bad_response', 'QuickBooks answered the CDC request without a CDCResponse.', false);
  const records: CanonicalInput[] = [];
  for (const entry of body.data.CDCResponse.flatMap((r) => r.QueryResponse)) {
    for (const entity of syncedEntities) {
      const list = entry[entity];
      if (!Array.isArray(list)) continue;
      for (const item of list) {
        // A deleted entity comes as {status: "Deleted", Id, MetaData}: there is nothing to map, and deletions are not synced.
        if (Live.safeParse(item).data?.status === 'Deleted') continue;
        records.push(...mapEntity(entity, { [entity]: item }));
      }
    }
  }
  return { records, next: access.now.toISOString() };
};

function syncedEntityOf(ref: FetchRef): SyncedEntity {
  const entity = syncedEntities.find((e) => e === ref.entity);
  if (!entity) throw new ProviderApiError('provider_refused', `QuickBooks ${ref.entity} entities are not read.`, false);
  return entity;
}

/** The company a reference is read from, or undefined when it is another connection's company. */
function realmOf(ref: FetchRef, access: ProviderAccess): string | undefined {
  const own = settingsRealm(access);
  const realmId = ref.account ?? own;
  if (!realmId) throw new ProviderApiError('provider_refused', `No QuickBooks company (realmId) to read ${ref.entity} ${ref.id} from.`, false);
  if (own && realmId !== own) return undefined;
  return realmId;
}

const settingsRealm = (access: ProviderAccess) => (typeof access.settings.realmId === 'string' ? access.settings.realmId : undefined);
const apiOf = (access: ProviderAccess) => access.endpoints.api ?? defaultEndpoints.api;

const TokenAnswer = z.object({
  access_token: z.string().min(1),
  expires_in: z.number().positive(),
  refresh_token: z.string().min(1).optional(),
});

/** QuickBooks' calls: a bearer token (tokenSession refreshes it the OAuth 2 way). */
const session = (access: ProviderAccess) =>
  tokenSession(access, {
    refresh: refreshAccessToken,
    send: (bearer, request) => requestJson(access.http, { ...request, headers: { Authorization: `Bearer ${bearer}`, Accept: 'application/json', ...request.headers } }),
  });

/** Intuit's refresh: form-encoded grant, client id and secret as HTTP Basic; the rotated refresh token is saved with the new access token. */
async function refreshAccessToken(access: ProviderAccess): Promise<string> {
  const { clientId, clientSecret, refreshToken } = access.secrets;
  if (!refreshToken) throw new ProviderApiError('provider_unauthorized', 'The QuickBooks connection has no refresh token: connect it again.', false);
  if (!clientId || !clientSecret) throw new ProviderApiError('provider_unauthorized', 'The QuickBooks connection has no client id or secret: connect it again.', false);
  let json: unknown;
  try {
    json = await requestJson(access.http, {
      method: 'POST',
      url: access.endpoints.token ?? defaultEndpoints.token,
      headers: {
        Authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
        Accept: 'application/json',
        'Content-Type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }).toString(),
    });
  } catch (error) {
    // invalid_grant (400): the refresh token expired or was revoked; only the tenant reconnecting helps.
    if (error instanceof ProviderApiError && error.status === 400) throw new ProviderApiError('provider_unauthorized', 'QuickBooks refused the refresh token: connect it again.', false, 400);
    throw error;
  }
  const answer = TokenAnswer.safeParse(json);
  if (!answer.success) throw new ProviderApiError('provider_bad_response', 'QuickBooks answered the token refresh without an access token.', false);
  const { access_token, expires_in, refresh_token } = answer.data;
  await access.saveSecrets({
    accessToken: access_token,
    accessTokenExpiresAt: new Date(access.now.getTime() + expires_in * 1000).toISOString(),
    ...(refresh_token && { refreshToken: refresh_token }),
  });
  return access_token;
}
