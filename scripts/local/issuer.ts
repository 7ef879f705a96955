import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Role } from '../../domain/access/roles';

/**
 * The local stand-in for Cognito: an RSA key pair made on first start, a JWKS the local server
 * serves, and access tokens of the same shape Cognito issues (token_use, groups, tenant/staff claims).
 * Verification goes through aws-jwt-verify exactly as in AWS.
 */
export const LOCAL_ISSUER = 'urn:crm:local-issuer';
export const LOCAL_AUDIENCE = 'crm-local';

export interface LocalIssuer {
  kid: string;
  privateKey: KeyObject;
  jwks(): { keys: Record<string, unknown>[] };
  /** `mfa` for admins (default `totp`, as after a TOTP sign-in; `none` as an admin without it gets). */
  mint(claims: { tenantId: string; staffId: string; role: Role }, opts?: { ttlSeconds?: number; now?: Date; mfa?: 'totp' | 'none' }): string;
}

const b64url = (value: Buffer | string) => Buffer.from(value).toString('base64url');

/** Signs any header and payload with RS256 (tests use it to forge tokens too). */
export function signJwt(header: Record<string, unknown>, payload: Record<string, unknown>, key: KeyObject): string {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  return `${input}.${b64url(sign('RSA-SHA256', Buffer.from(input), key))}`;
}

export function createIssuer(privateKey: KeyObject): LocalIssuer {
  const publicJwk = createPublicKey(privateKey).export({ format: 'jwk' });
  const kid = createHash('sha256').update(JSON.stringify({ e: publicJwk.e, kty: publicJwk.kty, n: publicJwk.n })).digest('base64url').slice(0, 16);
  return {
    kid,
    privateKey,
    jwks: () => ({ keys: [{ ...publicJwk, kid, alg: 'RS256', use: 'sig' }] }),
    mint: ({ tenantId, staffId, role }, { ttlSeconds = 12 * 3600, now = new Date(), mfa } = {}) => {
      const iat = Math.floor(now.getTime() / 1000);
      return signJwt(
        { alg: 'RS256', typ: 'JWT', kid },
        {
          iss: LOCAL_ISSUER,
          aud: LOCAL_AUDIENCE,
          sub: `${tenantId}:${staffId}`,
          token_use: 'access',
          tenant_id: tenantId,
          staff_id: staffId,
          'cognito:groups': [role],
          // As the pre-token-generation trigger marks an admin who signs in with TOTP.
          ...((role === 'tenant_admin' || role === 'platform_admin') && { mfa: mfa ?? 'totp' }),
          iat,
          exp: iat + ttlSeconds,
          jti: crypto.randomUUID(),
        },
        privateKey,
      );
    },
  };
}

/** The key pair under `dir` (made on first use, kept for later starts so printed tokens stay valid). */
export function loadOrCreateIssuer(dir: string): LocalIssuer {
  const file = join(dir, 'issuer-private.pem');
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  }
  return createIssuer(createPrivateKey(readFileSync(file)));
}

export function newIssuer(): LocalIssuer {
  return createIssuer(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
}
