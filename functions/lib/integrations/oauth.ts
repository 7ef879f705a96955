import { ProviderApiError, type HttpRequest } from './http';
import type { ProviderAccess } from './providers/types';

/** A token this close to its expiry is refreshed first: a call made with it could fail midway. */
export const EXPIRY_MARGIN_MS = 60_000;

/** The stored access token while it is valid (by the access's clock); none recorded with an expiry that has passed, or none at all. */
export function validToken(access: ProviderAccess): string | undefined {
  const { accessToken, accessTokenExpiresAt } = access.secrets;
  if (!accessToken) return undefined;
  const expiresAt = accessTokenExpiresAt ? Date.parse(accessTokenExpiresAt) : NaN;
  // No expiry recorded: the token is tried, and a 401 refreshes it.
  if (Number.isNaN(expiresAt)) return accessToken;
  return expiresAt - EXPIRY_MARGIN_MS > access.now.getTime() ? accessToken : undefined;
}

/**
 * The OAuth 2 access token of one resolve or reconcile (QuickBooks, Zoho Books): used while it is
 * valid, refreshed first when it is missing or expiring, and refreshed once more when the API
 * answers 401 (revoked early); a second 401 is the API's answer. `refresh` is the provider's token
 * request (it saves what it gets); `send` makes one call with a bearer token, the provider's way.
 */
export function tokenSession(access: ProviderAccess, provider: { refresh: (access: ProviderAccess) => Promise<string>; send: (token: string, request: HttpRequest) => Promise<unknown> }) {
  let token = validToken(access);
  let refreshed = false;
  const refresh = async () => {
    refreshed = true;
    token = await provider.refresh(access);
    return token;
  };
  return {
    async call(request: HttpRequest): Promise<unknown> {
      const bearer = token ?? (await refresh());
      try {
        return await provider.send(bearer, request);
      } catch (error) {
        if (refreshed || !(error instanceof ProviderApiError && error.status === 401)) throw error;
        return provider.send(await refresh(), request);
      }
    },
  };
}
