import { z } from 'zod';
import type { CanonicalInput, FetchRef } from '../../../../domain/integrations/canonical';
import { listModules, mapList, mapReadResponse, zohoTime, type ListModule, type RecordKey } from '../../../../domain/integrations/zoho_books';
import { ProviderApiError, requestJson, type HttpRequest } from '../http';
import { tokenSession } from '../oauth';
import type { ProviderAccess, Reconcile, Resolve } from './types';

/**
 * The Zoho Books adapter (DESIGN §9): reads what a webhook or a list left out (an invoice's line
 * items, a payment's invoices), and reconciles on a schedule by listing every contact, invoice and
 * customer payment modified since the last pull, so a missed webhook is not missed data. OAuth 2.0
 * as Zoho documents it: `Zoho-oauthtoken` access tokens that last an hour, refreshed with the
 * long-lived refresh token at the accounts server of the organisation's data centre.
 */

/** India data centre; other data centres are other hosts (zohoapis.com, .eu, …), set per environment. */
export const defaultEndpoints = { api: 'https://www.zohoapis.in', accounts: 'https://accounts.zoho.in' };

/** The most a list page holds (Zoho's maximum). */
const PER_PAGE = 200;
/** Pages per module a pull follows at most: 10,000 records changed between two pulls means a broken `has_more_page`, not a busy day. */
const MAX_PAGES = 50;
/** Customers first, then the invoices that name them, then the payments that pay those. */
const reconcileOrder: readonly ListModule[] = ['contacts', 'invoices', 'customerpayments'];
/** The path of one record of each kind. */
const readPaths: Record<RecordKey, string> = { contact: 'contacts', invoice: 'invoices', payment: 'customerpayments' };

export const resolve: Resolve = async (fetches, access) => readAll(zohoSession(access), fetches);

export const reconcile: Reconcile = async (access, since) => {
  const session = zohoSession(access);
  const lastModified = zohoTime(new Date(Date.parse(since) || 0));
  const records: CanonicalInput[] = [];
  for (const module of reconcileOrder) {
    for (let page = 1; ; page++) {
      if (page > MAX_PAGES) throw new ProviderApiError('provider_bad_response', `Zoho Books kept answering has_more_page for ${module} after ${MAX_PAGES} pages.`, false);
      const query = new URLSearchParams({ organization_id: session.organizationId, last_modified_time: lastModified, page: String(page), per_page: String(PER_PAGE) });
      const listed = mapList(module, await session.call({ url: `${session.api}/books/v3/${module}?${query}` }));
      records.push(...listed.records, ...(await readAll(session, listed.fetches)));
      if (!listed.hasMorePage) break;
    }
  }
  return { records, next: access.now.toISOString() };
};

type Session = ReturnType<typeof zohoSession>;

/** Each record a reference names, read on its own (`GET /books/v3/invoices/{id}`) and mapped. */
async function readAll(session: Session, fetches: readonly FetchRef[]): Promise<CanonicalInput[]> {
  const records: CanonicalInput[] = [];
  for (const ref of fetches) {
    const key = recordKeyOf(ref);
    const query = new URLSearchParams({ organization_id: session.organizationId });
    const mapped = mapReadResponse(key, await session.call({ url: `${session.api}/books/v3/${readPaths[key]}/${encodeURIComponent(ref.id)}?${query}` }));
    // A record read on its own that still asks to be read would loop: what it can make is taken as it is.
    records.push(...mapped.records);
  }
  return records;
}

function recordKeyOf(ref: FetchRef): RecordKey {
  const key = Object.values(listModules).find((k) => k === ref.entity);
  if (!key) throw new ProviderApiError('provider_refused', `Zoho Books ${ref.entity} records are not read.`, false);
  return key;
}

/** A Zoho answer carries `code` 0 on success; anything else is a refusal whatever the HTTP status. */
const ZohoStatus = z.object({ code: z.number().optional(), message: z.string().optional() });

/**
 * The connection's organisation and access token for one resolve or reconcile: the token is used
 * while valid, refreshed first when missing or expiring, and refreshed once more on a 401.
 */
function zohoSession(access: ProviderAccess) {
  const organizationId = typeof access.settings.organizationId === 'string' ? access.settings.organizationId : undefined;
  if (!organizationId) throw new ProviderApiError('provider_refused', 'The Zoho Books connection has no organizationId setting.', false);
  const send = async (bearer: string, request: HttpRequest) => {
    const json = await requestJson(access.http, { ...request, headers: { Authorization: `Zoho-oauthtoken ${bearer}`, Accept: 'application/json', ...request.headers } });
    const status = ZohoStatus.safeParse(json);
    if (status.success && status.data.code !== undefined && status.data.code !== 0) {
      throw new ProviderApiError('provider_refused', `Zoho Books answered code ${status.data.code}: ${status.data.message ?? ''}`.trim(), false);
    }
    return json;
  };
  return { organizationId, api: access.endpoints.api ?? defaultEndpoints.api, ...tokenSession(access, { refresh: refreshAccessToken, send }) };
}

const TokenAnswer = z.object({ access_token: z.string().min(1), expires_in: z.number().positive() });

/**
 * Zoho's refresh: `refresh_token`, `client_id`, `client_secret`, `grant_type=refresh_token` to
 * `/oauth/v2/token`. Zoho's guide shows them in the query string; they go form-encoded in the body
 * (the OAuth 2.0 form, which Zoho's own SDKs send) so the client secret stays out of URLs and
 * access logs. The refresh token does not rotate: only the access token and its expiry are saved.
 */
async function refreshAccessToken(access: ProviderAccess): Promise<string> {
  const { clientId, clientSecret, refreshToken } = access.secrets;
  if (!refreshToken) throw new ProviderApiError('provider_unauthorized', 'The Zoho Books connection has no refresh token: connect it again.', false);
  if (!clientId || !clientSecret) throw new ProviderApiError('provider_unauthorized', 'The Zoho Books connection has no client id or secret: connect it again.', false);
  let json: unknown;
  try {
    json = await requestJson(access.http, {
      method: 'POST',
      url: `${access.endpoints.accounts ?? defaultEndpoints.accounts}/oauth/v2/token`,
      headers: { Accept: 'application/json', 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ refresh_token: refreshToken, client_id: clientId, client_secret: clientSecret, grant_type: 'refresh_token' }).toString(),
    });
  } catch (error) {
    if (error instanceof ProviderApiError && error.status === 400) throw new ProviderApiError('provider_unauthorized', 'Zoho refused the refresh token: connect it again.', false, 400);
    throw error;
  }
  const answer = TokenAnswer.safeParse(json);
  if (!answer.success) {
    // Zoho answers a refused refresh with 200 and `{"error":"invalid_code"}`.
    const refused = z.object({ error: z.string() }).safeParse(json);
    if (refused.success) throw new ProviderApiError('provider_unauthorized', `Zoho refused the refresh token (${refused.data.error}): connect it again.`, false);
    throw new ProviderApiError('provider_bad_response', 'Zoho answered the token refresh without an access token.', false);
  }
  await access.saveSecrets({ accessToken: answer.data.access_token, accessTokenExpiresAt: new Date(access.now.getTime() + answer.data.expires_in * 1000).toISOString() });
  return answer.data.access_token;
}
