import { CognitoJwtVerifier, JwtRsaVerifier } from 'aws-jwt-verify';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import type { Fetcher } from 'aws-jwt-verify/https';
import { z } from 'zod';
import { Role, Slug, type Principal } from '../../../domain/access/roles';
import { DomainError } from '../../../domain/errors';
import type { Config } from '../config';
import { unauthenticated } from '../http/errors';
import { logger } from '../logger';

/**
 * Claims every access token must carry. In AWS the Cognito pre-token-generation trigger adds
 * tenant_id and staff_id; the role is the user's Cognito group. The local issuer mints the same shape.
 */
const Claims = z.object({
  token_use: z.literal('access'),
  tenant_id: Slug,
  staff_id: Slug,
  'cognito:groups': z.array(z.string()).min(1),
  /** Admins only (functions/cognito/pre-token-generation.ts): whether the account signs in with TOTP. */
  mfa: z.enum(['totp', 'none']).optional(),
  /** Seconds since the epoch; aws-jwt-verify refuses an expired token, this refuses one that never expires. */
  exp: z.number(),
  iat: z.number().optional(),
});

export type VerifyToken = (token: string) => Promise<Principal>;

/** Roles the API serves only on a TOTP sign-in (#11 item 5). */
export const MFA_REQUIRED: readonly Role[] = ['platform_admin', 'tenant_admin'];

/**
 * The longest a token may live: Cognito access tokens last 5 minutes to 1 day (1 h by default),
 * so a token valid for longer was not issued by a pool of ours, whoever signed it.
 */
export const MAX_TOKEN_LIFETIME_SECONDS = 24 * 3600;

/** Clock skew tolerated on `iat`: a token issued in the future beyond it was not issued by us. */
const MAX_CLOCK_SKEW_SECONDS = 300;

export function principalFromClaims(payload: unknown, now: Date = new Date()): Principal {
  const claims = Claims.safeParse(payload);
  if (!claims.success) throw unauthenticated('invalid_claims', 'The token lacks tenant, staff, role or expiry claims.');
  const nowSeconds = now.getTime() / 1000;
  const { exp, iat } = claims.data;
  if (exp - (iat ?? nowSeconds) > MAX_TOKEN_LIFETIME_SECONDS || exp - nowSeconds > MAX_TOKEN_LIFETIME_SECONDS) {
    throw unauthenticated('token_lifetime', 'The bearer token lives longer than this API accepts (24 hours).');
  }
  if (iat !== undefined && iat > nowSeconds + MAX_CLOCK_SKEW_SECONDS) throw unauthenticated('token_not_yet_valid', 'The bearer token was issued in the future.');
  // One role per staff member (DESIGN §4): a token naming two is not one of ours.
  const known = [...new Set(claims.data['cognito:groups'].filter((g) => Role.safeParse(g).success))] as Role[];
  if (known.length > 1) throw unauthenticated('ambiguous_role', 'The token carries more than one role.');
  const role = known[0];
  if (!role) throw unauthenticated('invalid_claims', 'The token carries no known role.');
  // Admins administer users, targets and every record of a tenant: only with a second factor.
  if (MFA_REQUIRED.includes(role) && claims.data.mfa !== 'totp') {
    throw new DomainError('forbidden', 'mfa_required', 'Administrators must sign in with an authenticator app (TOTP): set it up for your account, then sign in again.');
  }
  return { tenantId: claims.data.tenant_id, staffId: claims.data.staff_id, role };
}

/** Built once per cold start; the JWKS is fetched on first use and cached by aws-jwt-verify. */
export function createVerifier(cfg: Config): VerifyToken {
  const verify: (token: string) => Promise<unknown> =
    cfg.AUTH_MODE === 'cognito'
      ? (() => {
          const v = CognitoJwtVerifier.create({ userPoolId: cfg.COGNITO_USER_POOL_ID!, tokenUse: 'access', clientId: cfg.COGNITO_CLIENT_ID! });
          return (t: string) => v.verify(t);
        })()
      : (() => {
          const v = JwtRsaVerifier.create(
            { issuer: cfg.JWT_ISSUER!, audience: cfg.JWT_AUDIENCE!, jwksUri: cfg.JWKS_URI! },
            { jwksCache: new SimpleJwksCache({ fetcher: loopbackFetcher }) },
          );
          return (t: string) => v.verify(t);
        })();
  // Verified tokens are remembered per container until they expire: a client sends the same token
  // with every request, and the signature check is ~0.4 ms CPU of each (bench:api profile).
  const verified = new Map<string, { principal: Principal; exp: number }>();
  return async (token) => {
    const hit = verified.get(token);
    if (hit && hit.exp > Date.now() / 1000) return hit.principal;
    if (hit) verified.delete(token);
    let payload: unknown;
    try {
      // RFC 7515 §4.1.11: a token with critical header extensions we do not implement must be refused.
      if ('crit' in (JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')) as object)) throw new Error('crit header');
      payload = await verify(token);
    } catch (error) {
      // The reason is logged (never the token); the caller only learns that it was refused.
      logger.info('token rejected', { reason: error instanceof Error ? `${error.name}: ${error.message}` : 'unknown' });
      throw unauthenticated('invalid_token', 'The bearer token is invalid or expired.');
    }
    const principal = principalFromClaims(payload);
    // Bounded: the oldest entry makes room (Map keeps insertion order).
    if (verified.size >= 1000) verified.delete(verified.keys().next().value!);
    verified.set(token, { principal, exp: (payload as { exp: number }).exp });
    return principal;
  };
}

/**
 * aws-jwt-verify fetches JWKS over https only; the local issuer serves it on loopback http.
 * This fetcher allows exactly that and nothing else, so it cannot weaken verification in AWS.
 */
const loopbackFetcher: Fetcher = {
  fetch: async (uri) => {
    const url = new URL(uri);
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname))) {
      throw new Error(`refusing to fetch JWKS from ${url.origin}`);
    }
    const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
    if (!res.ok) throw new Error(`JWKS fetch failed: ${res.status}`);
    return res.arrayBuffer();
  },
};

export function bearerToken(authorization: string | undefined): string {
  const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(authorization?.trim() ?? '');
  if (!match?.[1]) throw unauthenticated('missing_token', 'A bearer token is required.');
  return match[1];
}
