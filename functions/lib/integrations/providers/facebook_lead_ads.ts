import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { MappingError, type CanonicalInput, type FetchRef } from '../../../../domain/integrations/canonical';
import { FacebookLeadAdsSettings, mapLead, parseGraphJson } from '../../../../domain/integrations/facebook_lead_ads/mapper';
import { ProviderApiError, redact, type HttpResponse } from '../http';
import type { ProviderAccess, Resolve } from './types';

/**
 * Facebook Lead Ads adapter (DESIGN §9): a `leadgen` notification names the lead; its answers are
 * read from the Graph API with the Page access token and mapped by the pure mapper. Doc sources:
 * domain/integrations/facebook_lead_ads/fixtures/README.md.
 */

/**
 * The Graph API version every call names. Meta keeps a version about two years, and an unversioned
 * call floats to the oldest one the app may use: pinning it means an upgrade is a reviewed change.
 * v26.0 (29 July 2026) is the latest; bump it with the changelog.
 */
export const GRAPH_VERSION = 'v26.0';

export const defaultEndpoints = { graph: 'https://graph.facebook.com' } as const;

/** The lead's fields we read: what mapLead needs, nothing more (Meta's field list is long and permissioned). */
export const LEAD_FIELDS = 'id,created_time,ad_id,form_id,field_data';

/**
 * `appsecret_proof`: hex HMAC-SHA256 of the access token keyed with the app secret. Meta recommends
 * it on every server call (and an app may require it): a stolen token alone cannot then call the API.
 */
export const appsecretProof = (accessToken: string, appSecret: string) => createHmac('sha256', appSecret).update(accessToken).digest('hex');

/** Graph's error body: `{error:{message, type, code, error_subcode, is_transient, fbtrace_id}}`. */
const GraphError = z.object({
  error: z.looseObject({
    type: z.string().optional(),
    code: z.number().optional(),
    error_subcode: z.number().optional(),
    is_transient: z.boolean().optional(),
    fbtrace_id: z.string().optional(),
  }),
});

/**
 * Graph's error codes worth trying again (its Handling Errors guide): 1 unknown, 2 service,
 * 4 app rate limit, 17 user rate limit, 32 page rate limit, 341 application limit, 613 call rate.
 * Graph answers these with a 4xx, so the status alone would call them refusals.
 */
const TRANSIENT_CODES = new Set([1, 2, 4, 17, 32, 341, 613]);
/** 190: the token expired or was revoked; 102: the session is invalid. A person must reconnect the Page. */
const TOKEN_CODES = new Set([102, 190]);

/**
 * A Graph answer that is not a lead → ProviderApiError. The message names the request without its
 * query (the token travels there) and Graph's error type, code and trace id — never Graph's own
 * message, which may quote what was sent.
 */
function graphFailure(what: string, res: HttpResponse): ProviderApiError {
  let body: unknown;
  try {
    body = JSON.parse(res.text);
  } catch {
    body = undefined;
  }
  const parsed = GraphError.safeParse(body);
  const e = parsed.success ? parsed.data.error : undefined;
  const detail = e ? ` (${[e.type, e.code !== undefined && `code ${e.code}`, e.error_subcode !== undefined && `subcode ${e.error_subcode}`, e.fbtrace_id && `fbtrace_id ${e.fbtrace_id}`].filter(Boolean).join(', ')})` : '';
  const message = `${what} answered ${res.status}${detail}`;
  if (res.status === 429 || res.status >= 500 || e?.is_transient === true || (e?.code !== undefined && TRANSIENT_CODES.has(e.code))) {
    return new ProviderApiError('provider_unreachable', message, true, res.status);
  }
  if (res.status === 401 || res.status === 403 || (e?.code !== undefined && TOKEN_CODES.has(e.code))) {
    return new ProviderApiError('provider_unauthorized', message, false, res.status);
  }
  if (res.status === 404) return new ProviderApiError('provider_not_found', message, false, res.status);
  return new ProviderApiError('provider_refused', message, false, res.status);
}

/** One lead, as Graph answers `GET /{version}/{lead-id}`. */
async function readLead(ref: FetchRef, access: ProviderAccess, accessToken: string): Promise<unknown> {
  const base = access.endpoints.graph ?? defaultEndpoints.graph;
  const query = new URLSearchParams({ access_token: accessToken, fields: LEAD_FIELDS });
  const appSecret = access.secrets.appSecret;
  if (appSecret) query.set('appsecret_proof', appsecretProof(accessToken, appSecret));
  const url = `${base}/${GRAPH_VERSION}/${encodeURIComponent(ref.id)}?${query}`;
  const what = `GET ${redact(url)}`;

  const res = await access.http({ method: 'GET', url, headers: { accept: 'application/json' } });
  if (res.status < 200 || res.status >= 300) throw graphFailure(what, res);
  try {
    return parseGraphJson(res.text);
  } catch {
    throw new ProviderApiError('provider_bad_response', `${what} answered something that is not JSON`, false, res.status);
  }
}

/**
 * The leads a delivery named, read one by one (a notification names one lead, rarely a few) and
 * mapped with the connection's settings. A lead whose notification named its form keeps that form
 * when Graph's answer leaves `form_id` out.
 */
export const resolve: Resolve = async (fetches, access): Promise<CanonicalInput[]> => {
  const settings = FacebookLeadAdsSettings.safeParse(access.settings);
  if (!settings.success) throw new MappingError('invalid_settings', 'The Facebook Lead Ads connection’s settings are not valid: correct its forms and defaultProductId.');
  const accessToken = access.secrets.accessToken;
  if (!accessToken) throw new ProviderApiError('provider_unauthorized', 'The Facebook Lead Ads connection has no Page access token: set accessToken.', false);

  const records: CanonicalInput[] = [];
  for (const ref of fetches) {
    if (ref.entity !== 'lead') continue;
    const lead = await readLead(ref, access, accessToken);
    const formId = ref.hints?.formId;
    const withForm = formId !== undefined && lead !== null && typeof lead === 'object' && !Object.hasOwn(lead, 'form_id') ? { ...lead, form_id: formId } : lead;
    records.push(mapLead(withForm, settings.data));
  }
  return records;
};
